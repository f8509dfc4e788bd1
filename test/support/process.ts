import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../bench/support.js';
import { TEST_JWT_SECRET } from './auth.js';

export { freePort };

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly base: string;
  /** Every line the process wrote, stdout and stderr. */
  readonly lines: string[];
  /** Log lines at level error or above, and anything on stderr. */
  errors(): string[];
  /** Resolves with how the process ended and how long after `since` (default: its start). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves once /ready answers 200 (rejects if the process ends first or after `ms`). */
  ready(ms?: number): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Whatever a failed test left running is killed with the test process: no orphans hold ports or connections. */
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * The service as its operators run it: a process of its own (from the sources, through tsx, as
 * `npm run dev` does) on `DATABASE_URL`, tokens checked against the test secret.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  args: string[] = ['--import', 'tsx', 'src/main.ts'],
): Promise<ServiceProcess> {
  // The caller's PORT when it gives one (a restart on the same address), else a free one.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'info',
      PROJECTION_POLL_MS: '50',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  const lines: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        into.push(line);
        if (process.env.TEST_LOG) process.stderr.write(`[service ${port}] ${line}\n`);
      }
    };
  };
  child.stdout.on('data', collect(lines));
  child.stderr.on('data', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    lines,
    errors: () => [
      ...stderr,
      ...lines.filter((l) => {
        try {
          return (JSON.parse(l) as { level: number }).level >= 50;
        } catch {
          return true;
        }
      }),
    ],
    exited,
    async stop() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
    async ready(ms = 240_000) {
      const until = Date.now() + ms;
      let ended = false;
      void exited.then(() => (ended = true));
      while (Date.now() < until && !ended) {
        const ok = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(5000) }).then(
          async (r) => {
            await r.body?.cancel();
            return r.ok;
          },
          () => false,
        );
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(
        `the service did not become ready (${ended ? 'it exited' : 'timed out'}): ${[...stderr, ...lines.slice(-20)].join('\n')}`,
      );
    },
  };
}
