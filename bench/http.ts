import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Caller } from '../src/application/caller.js';
import { on } from '../src/application/command.js';
import { statesOf } from '../src/application/stream-states.js';
import { budgetStream, budgetStreamId, type BudgetCommand } from '../src/domain/budget/decider.js';
import { createEventRegistry } from '../src/domain/events.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';
import { PostgresSnapshots } from '../src/eventstore/postgres/snapshots.js';
import { BENCH_SECRET, benchClient, benchPeople, givenApprovedBudget, VRAA } from './http-client.js';
import { freePort, intFromEnv, log, percentile, prng, round, sleep, type Benchmark } from './support.js';

/** The checkout whose build is measured: this one, or SERVICE_ROOT (another worktree, to compare two builds). */
const ROOT = path.resolve(process.env.SERVICE_ROOT ?? path.join(import.meta.dirname, '..'));
const MAIN = path.join(ROOT, 'dist/src/main.js');
const SEED = path.join(ROOT, 'dist/src/cli/seed.js');

interface Answer {
  status: number;
  ms: number;
}

/** What one run measured: submissions (and, in the mixed run, reads) by latency from their scheduled instant. */
interface RunFigures {
  rate: number;
  achieved_rps: number;
  p50_ms: number;
  p99_ms: number;
  conflicts: number;
  errors: number;
  max_ms: number;
  submissions: number;
  statuses: Record<string, number>;
  reads?: number;
  read_rate?: number;
  reads_p50_ms?: number;
  reads_p99_ms?: number;
  read_errors?: number;
}

/**
 * Invoice submissions over HTTP against the built service (`npm run build` first: it runs
 * dist/src/main.js in a process of its own, as deployed, on a fresh database of DATABASE_URL),
 * open loop: RATE (200) submissions a second for SECONDS (20), each arrival at its scheduled
 * instant whether or not earlier ones were answered, each latency counted from that instant, each
 * with its own Idempotency-Key and the double-funding check the answer carries. Submissions go to
 * PROJECTS (100) approved projects with open budgets, or, with HOT (e.g. 10), to the first HOT
 * of them only, each holding PRELOAD (10,000) invoices stored before the run. WARMUP (3) seconds
 * at the same rate come first, unmeasured. Then the mixed run: the same submissions plus
 * READ_RATE (100) reads a second, a budget or a progress report of a random project, alternately.
 * Answers: 201 counts, 409 is a conflict, anything else an error, as is no answer within TIMEOUT_MS (10,000). Then the budget streams are
 * counted: `lost` submissions answered 201 but not stored, `duplicated` stored more than once.
 * The last line: the submissions-only run's figures, the mixed run under `mixed`.
 */
export const httpBench: Benchmark = async ({ url, pool }) => {
  const rate = intFromEnv('RATE', 200);
  const seconds = intFromEnv('SECONDS', 20);
  const projects = intFromEnv('PROJECTS', 100);
  const hot = process.env.HOT ? intFromEnv('HOT', 10) : 0;
  const preload = hot ? intFromEnv('PRELOAD', 10_000) : 0;
  const warmup = intFromEnv('WARMUP', 3);
  const readRate = intFromEnv('READ_RATE', 100);
  // An answer later than this is an error (status 0): a saturated service must not keep the run going for minutes.
  const timeoutMs = intFromEnv('TIMEOUT_MS', 10_000);
  if (hot > projects) throw new Error(`HOT (${hot}) must not exceed PROJECTS (${projects})`);
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first (the bench measures the built service)`);

  const port = await freePort();
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => /^(DB_|PROJECTION_|BACKGROUND_|DUPCHECK_|PATH$|HOME$)/.test(name)),
    ),
    NODE_ENV: 'production',
    DATABASE_URL: url,
    AUTH_JWT_SECRET: BENCH_SECRET,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG === 'debug' ? 'info' : 'warn',
    // /ready answers 200 only once every projection is this close: the runs start on caught-up read models.
    READY_MAX_LAG_EVENTS: '20',
  };
  await run(process.execPath, [SEED], env);
  // e.g. SERVICE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the service.
  const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const service = spawn(process.execPath, [...nodeArgs, MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The service's log lines go to stderr, so stdout keeps only the result.
  service.stdout.pipe(process.stderr);
  service.stderr.pipe(process.stderr);
  try {
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/health`).catch(() => null))?.status === 200, 5 * 60_000, 'the service to start');
    const people = await benchPeople();
    const call = benchClient(base, people);
    // PROJECTS approved projects (the seed passport), each with its budget open; eight at a time.
    const t0 = performance.now();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: Math.min(8, projects) }, async () => {
        while (ids.length < projects) {
          const slot = ids.push('') - 1;
          const id = await givenApprovedBudget(call);
          ids[slot] = id;
        }
      }),
    );
    log.info({ projects, seconds: round((performance.now() - t0) / 1000, 1) }, 'projects approved, budgets open');
    if (hot) {
      const t1 = performance.now();
      await preloadInvoices(pool, ids.slice(0, hot), preload);
      log.info({ hot, preload, seconds: round((performance.now() - t1) / 1000, 1) }, 'invoices preloaded; waiting for the read models');
    }
    await until(async () => (await fetch(`${base}/ready`)).status === 200, 30 * 60_000, 'the read models to catch up');

    const send = lightClient(port, timeoutMs);
    const targets = hot ? ids.slice(0, hot) : ids;
    const random = prng(21);
    let n = 0;
    let created = 0;
    const submit = async (): Promise<number> => {
      const projectId = targets[Math.floor(random() * targets.length)]!;
      const gross = 1000 + Math.floor(random() * 5_000_000);
      const net = Math.round(gross / 1.21);
      const status = await send(
        'POST',
        `/projects/${projectId}/budget/invoices`,
        { Authorization: people.anna, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
        JSON.stringify({
          supplierRegNo: String(40003000000 + Math.floor(random() * 500)),
          number: `HTTP-${++n}`,
          date: '2026-03-15',
          netCents: net,
          vatCents: gross - net,
          grossCents: gross,
          costLine: '4.3',
          allocations: [{ fund: 'RRF', cents: gross }],
        }),
      );
      if (status === 201) created++;
      return status;
    };
    let reads = 0;
    const read = async (): Promise<number> => {
      const projectId = ids[Math.floor(random() * ids.length)]!;
      const route = reads++ % 2 ? `/progress?projectId=${projectId}` : `/projects/${projectId}/budget`;
      const t = performance.now();
      const status = await send('GET', route, { Authorization: people.anna });
      log.debug({ route, ms: round(performance.now() - t, 1), status }, 'read');
      return status;
    };

    log.info({ rate, seconds: warmup }, 'warming up');
    await openLoop(rate, warmup, submit);
    log.info({ rate, seconds, targets: targets.length }, 'submissions');
    const alone = figures(rate, seconds, await openLoop(rate, seconds, submit));
    log.info(alone, 'submissions measured');
    await until(async () => (await fetch(`${base}/ready`)).status === 200, 10 * 60_000, 'the read models to catch up');
    log.info({ rate, readRate, seconds }, 'mixed: submissions and reads');
    const [writes, readAnswers] = await Promise.all([openLoop(rate, seconds, submit), openLoop(readRate, seconds, read)]);
    const mixed = { ...figures(rate, seconds, writes), ...readFigures(readRate, seconds, readAnswers) };
    log.info(mixed, 'mixed measured');

    const { rows } = await pool.query<{ stored: number; distinct: number }>(
      `select count(*)::int as stored, count(distinct payload->>'number')::int as distinct
         from es_events where stream_type = 'budget' and type = 'InvoiceSubmitted.v1' and payload->>'number' like 'HTTP-%'`,
    );
    const { stored, distinct } = rows[0]!;
    return {
      rate: alone.rate,
      achieved_rps: alone.achieved_rps,
      p50_ms: alone.p50_ms,
      p99_ms: alone.p99_ms,
      conflicts: alone.conflicts,
      errors: alone.errors,
      mixed,
      bench: 'http',
      projects,
      hot,
      preload,
      max_ms: alone.max_ms,
      events: stored,
      seconds,
      events_per_s: alone.achieved_rps,
      // Every 201 (the warm-up's included) is stored once.
      lost: Math.max(0, created - distinct),
      duplicated: stored - distinct,
    };
  } finally {
    await stop(service);
  }
};

/** The budgets of `projectIds`, each given `count` invoices before the run, through the application's write path, 1,000 to an append. */
async function preloadInvoices(pool: import('pg').Pool, projectIds: readonly string[], count: number): Promise<void> {
  const store = new PostgresEventStore(pool, createEventRegistry());
  // As a long-running service would have them: with their snapshots written.
  statesOf(store).useSnapshots(new PostgresSnapshots(pool), (err) => log.warn({ err }, 'snapshot not written'));
  const budgets = on({ store, clock: () => new Date() }, budgetStream);
  const caller: Caller = {
    user: { id: 'anna', name: 'anna', organisation: VRAA, role: 'beneficiary', roles: ['beneficiary'] },
    requestId: 'bench-preload',
    correlationId: 'bench-preload',
  };
  await Promise.all(
    projectIds.map(async (projectId, p) => {
      for (let start = 0; start < count; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
          row: start + i + 2,
          invoice: {
            invoiceId: randomUUID(),
            supplierRegNo: String(40004000000 + ((p * count + start + i) % 5000)),
            number: `PRELOAD-${p}-${start + i}`,
            date: '2026-02-10',
            netCents: 100000,
            vatCents: 21000,
            grossCents: 121000,
            costLine: '4.3',
            allocations: [{ fund: 'RRF' as const, cents: 121000 }],
          },
        }));
        await budgets.execute(
          budgetStreamId(projectId),
          caller,
          (context): BudgetCommand => ({ type: 'ImportInvoices', data: { rows }, context }),
          {
            subject: projectId,
          },
        );
      }
      await budgets.load(budgetStreamId(projectId));
    }),
  );
  await statesOf(store).flush();
  await store.close();
}

/**
 * Requests over kept-alive connections with node:http, the answer's status once its body is
 * read (0 when no answer came within `timeoutMs`). fetch cost this process 2–3 ms of CPU a
 * request, which on the two cores the service shares with it was taken from the service.
 */
function lightClient(port: number, timeoutMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  return (method: string, route: string, headers: Record<string, string>, body?: string): Promise<number> =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: route, agent, headers, timeout: timeoutMs }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(body);
    });
}

/** Calls `send` `rate` times a second for `seconds`, each at its scheduled instant; each answer with its latency from that instant. */
async function openLoop(rate: number, seconds: number, send: () => Promise<number>): Promise<Answer[]> {
  const total = rate * seconds;
  const start = performance.now();
  const answers: Promise<Answer>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    answers.push(
      send().then(
        (status) => ({ status, ms: performance.now() - due }),
        () => ({ status: 0, ms: performance.now() - due }),
      ),
    );
  }
  return Promise.all(answers);
}

function figures(rate: number, seconds: number, answers: readonly Answer[]): RunFigures {
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  const ok = answers.filter((a) => a.status === 201).length;
  const last = Math.max(seconds * 1000, sorted.at(-1) ?? 0);
  return {
    rate,
    // Answers per second over the time from the first arrival to the last answer.
    achieved_rps: round((ok * 1000) / last, 1),
    p50_ms: round(percentile(sorted, 50), 1),
    p99_ms: round(percentile(sorted, 99), 1),
    conflicts: answers.filter((a) => a.status === 409).length,
    errors: answers.filter((a) => a.status !== 201 && a.status !== 409).length,
    max_ms: round(sorted.at(-1) ?? 0, 1),
    submissions: answers.length,
    statuses: statuses(answers),
  };
}

function readFigures(rate: number, seconds: number, answers: readonly Answer[]) {
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  return {
    reads: answers.length,
    read_rate: rate,
    reads_p50_ms: round(percentile(sorted, 50), 1),
    reads_p99_ms: round(percentile(sorted, 99), 1),
    read_errors: answers.filter((a) => a.status !== 200).length,
    read_statuses: statuses(answers),
    read_seconds: seconds,
  };
}

/** How many answers of each status (0: no answer, the connection failed). */
function statuses(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    if (await check().catch(() => false)) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

/** SIGTERM, then the service's own shutdown; SIGKILL if it hangs. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
