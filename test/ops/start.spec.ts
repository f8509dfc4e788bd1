import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort, ROOT, startServiceProcess } from '../support/process.js';

// Processes of their own, started from the sources through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

/*
 * Starting anywhere, or saying why in one line: the service started as its operators start it,
 * where starting goes wrong in practice.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'grants-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('starting the service', () => {
  it('when the embedded port is taken, it says so in one line naming the port and EMBEDDED_PG_PORT, and exits 1', async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const service = await startServiceProcess({ EMBEDDED_PG_DIR: path.join(scratch, 'taken'), EMBEDDED_PG_PORT: String(port) });
      const end = await service.exited;
      expect(end.code).toBe(1);
      expect(service.errors()).toEqual([
        `grants-backend cannot start: embedded PostgreSQL: port ${port} (EMBEDDED_PG_PORT) is taken by another process; set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a server of your own`,
      ]);
    } finally {
      holder.close();
    }
  });

  it('in production without DATABASE_URL, it refuses to start an embedded database and says what to set (exit 2), echoing no secret', async () => {
    const service = await startServiceProcess({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'hunter2-too-short', DATABASE_URL: '' });
    const end = await service.exited;
    expect(end.code).toBe(2);
    const said = service.errors().join('\n');
    expect(said).toContain(
      'DATABASE_URL: required in production (the embedded PostgreSQL is for development; EMBEDDED_PG=allow starts it anyway)',
    );
    expect(said).toContain('AUTH_JWT_SECRET: must be at least 32 characters (HS256 needs a 256-bit secret) (got 17 characters, not shown)');
    expect(said).not.toContain('hunter2');
  });

  it('when DATABASE_URL points at nothing, it says so in one line without the password, and exits 1', async () => {
    const port = await freePort();
    const service = await startServiceProcess({ DATABASE_URL: `postgres://grants:hunter2@127.0.0.1:${port}/grants` });
    const end = await service.exited;
    expect(end.code).toBe(1);
    const [line, ...more] = service.errors();
    expect(more).toEqual([]);
    expect(line).toMatch(
      new RegExp(
        `^grants-backend cannot start: cannot reach the database at postgres://grants:\\*\\*\\*@127\\.0\\.0\\.1:${port}/grants \\(DATABASE_URL\\): .*ECONNREFUSED`,
      ),
    );
  });
});

/** Processes whose command line names `text` (initdb and the postmaster name their data folder). */
function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let args: string;
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue; // gone meanwhile
    }
    if (args.includes(text)) found.push(`${pid}: ${args.trim()}`);
  }
  return found;
}

describe('a signal while the embedded PostgreSQL is being started', () => {
  // A Ctrl-C during the first start (initdb) or as the server comes up: the process used to exit at once,
  // leaving initdb or the server running with nobody to stop it (and holding EMBEDDED_PG_PORT).
  it.each([
    ['initdb runs', (line: string) => line.includes('initialising embedded PostgreSQL data directory')],
    ['the server is coming up', (line: string) => line.includes('"pg":')],
  ])('SIGTERM while %s: exits 0 once it has stopped what it started, leaving no PostgreSQL process behind', async (_, marker) => {
    // A folder PostgreSQL's user can enter (as root too), so the data stays where it is asked to be.
    const folder = mkdtempSync(path.join(os.tmpdir(), 'grants-signal-'));
    chmodSync(folder, 0o755);
    const data = path.join(folder, 'data');
    try {
      const service = await startServiceProcess({
        EMBEDDED_PG_DIR: data,
        EMBEDDED_PG_PORT: String(await freePort()),
        EMBEDDED_PG_SHARED_BUFFERS_MB: '16',
        LOG_LEVEL: 'debug', // the server's own lines: the moment it is coming up
      });
      const until = Date.now() + 240_000;
      while (!service.lines.some(marker) && service.child.exitCode === null && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(service.child.exitCode).toBeNull();
      expect(service.lines.some((l) => l.includes(`"dir":"${data}"`))).toBe(true);
      service.child.kill('SIGTERM');
      const end = await service.exited;
      // Right as it ends: nothing it started may outlive it.
      expect(processesNaming(data)).toEqual([]);
      expect(end).toMatchObject({ code: 0, signal: null });
      expect(service.errors()).toEqual([]);
      expect(service.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    } finally {
      // Should the test fail, what was left running goes: a fast shutdown of each server left behind.
      for (const found of processesNaming(data)) process.kill(Number(found.split(':')[0]), 'SIGINT');
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('a process that started the embedded PostgreSQL', () => {
  it('ends it when it exits without stopping it (a crash, an exit on a timer): no server outlives its process', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'grants-exit-'));
    chmodSync(folder, 0o755);
    const data = path.join(folder, 'data');
    const script = [
      `import { startEmbeddedPostgres } from './src/db/embedded.ts';`,
      `await startEmbeddedPostgres({ dir: ${JSON.stringify(data)}, port: ${await freePort()}, sharedBuffersMb: 16 });`,
      `console.log('started');`,
      `process.exit(3);`,
    ].join('\n');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(out.trim()).toBe('started');
      expect(code).toBe(3);
      // Asked for a fast shutdown as the process exited; it finishes on its own.
      const until = Date.now() + 30_000;
      while (processesNaming(data).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect(processesNaming(data)).toEqual([]);
    } finally {
      for (const found of processesNaming(data)) process.kill(Number(found.split(':')[0]), 'SIGINT');
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.getuid?.() === 0)('the embedded PostgreSQL started by root', () => {
  it('from a folder other users cannot enter (mode 700), keeps its data where its user reaches it, says where, and runs', async () => {
    const home = mkdtempSync(path.join(scratch, 'home-'));
    chmodSync(home, 0o700);
    const asked = path.join(home, '.data', 'postgres');
    const server = await startEmbeddedPostgres({ dir: asked, port: await freePort(), sharedBuffersMb: 16 });
    try {
      expect(server.dataDir).not.toBe(asked);
      expect(server.dataDir.startsWith(path.join('/var/tmp', 'grants-embedded-postgres-data'))).toBe(true);
      // PostgreSQL's own user owns the data; root started it.
      expect(statSync(server.dataDir).uid).not.toBe(0);
      const client = new pg.Client({ connectionString: server.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string }>('select current_user as user');
        expect(rows[0]!.user).toBe('postgres');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});
