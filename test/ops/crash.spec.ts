import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool, ensureDatabase } from '../../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { verifyChain } from '../../src/eventstore/postgres/chain.js';
import { chainCaughtUp, draft, readModels, rebuildAll, seedDatabase, sleep, storedDrafts, until } from '../support/ops.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/process.js';

// Processes of their own, started from the sources through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

/*
 * Crashes lose nothing. The service is killed outright (SIGKILL) while 16 clients append and while
 * a read model is rebuilt, and its PostgreSQL is stopped abruptly for a few seconds while it runs.
 * Clients retry every write they saw no answer to, with the same Idempotency-Key, as the API guide
 * tells them to. Afterwards: every write acknowledged once, none twice, the hash chain verifies, and
 * every read model equals a rebuild from zero. This file has a PostgreSQL of its own: it is the one
 * stopped.
 */

let dir: string;
let server: EmbeddedServer;
let pgPort: number;
let url: string;
let pool: ReturnType<typeof createPool>;
let tokens: Record<string, string>;

const startPostgres = () => startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: pgPort, sharedBuffersMb: 32 });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'grants-crash-'));
  chmodSync(dir, 0o755); // the server runs as the unprivileged postgres user under root
  pgPort = await freePort();
  server = await startPostgres();
  await ensureDatabase(server.adminUrl, 'grants');
  url = server.urlFor('grants');
  ({ tokens } = await seedDatabase(url, () => Promise.resolve()));
  pool = createPool(url, 4, () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const log = (what: string) => process.env.TEST_LOG && process.stderr.write(`[crash test] ${what}\n`);
const env = (port: number) => ({ DATABASE_URL: url, PORT: String(port), PROJECTION_BATCH_SIZE: '20' });

/**
 * 16 clients, each drafting `perClient` projects one after the other; a draft without an answer
 * (refused, cut, 503) is sent again with its key until it is answered 201. Resolves with every key's
 * project once all are acknowledged; `answered` counts 201s so far, `outage` the 503 problems seen.
 */
function clients(base: () => string, perClient: number) {
  const acknowledged = new Map<string, string>();
  const seen = { answered: 0, outage: 0, other: [] as string[] };
  const one = async () => {
    for (let i = 0; i < perClient; i++) {
      const key = randomUUID();
      for (;;) {
        const res = await draft(base(), tokens.anna!, key).catch(() => undefined);
        if (res?.status === 201) {
          acknowledged.set(key, ((await res.json()) as { projectId: string }).projectId);
          seen.answered++;
          break;
        }
        if (res) {
          const body = await res.text();
          if (res.status === 503 && res.headers.get('content-type')?.startsWith('application/problem+json')) seen.outage++;
          else seen.other.push(`${res.status} ${body}`);
        }
        await sleep(100);
      }
    }
  };
  return { seen, acknowledged, done: Promise.all(Array.from({ length: 16 }, one)).then(() => acknowledged) };
}

async function draftsInLog(): Promise<number> {
  return (await pool.query<{ n: number }>(`select count(*)::int as n from es_events where type like 'PassportDrafted.%'`)).rows[0]!.n;
}

/** Every key acknowledged once, its project drafted exactly once, nothing else drafted. */
async function expectEachOnce(acknowledged: Map<string, string>, before: number): Promise<void> {
  const ids = [...acknowledged.values()];
  expect(new Set(ids).size).toBe(ids.length);
  const stored = await storedDrafts(pool, ids);
  expect(ids.filter((id) => stored.get(id) !== 1)).toEqual([]);
  expect((await draftsInLog()) - before).toBe(ids.length);
}

const noStacks = (service: ServiceProcess) => service.lines.filter((l) => l.includes('"stack"') || /unhandled/i.test(l));

/** The chain verifies, every read model equals a rebuild from zero, and nothing was logged with a stack. */
async function expectConsistent(service: ServiceProcess): Promise<void> {
  await chainCaughtUp(pool);
  expect(await verifyChain(pool)).toMatchObject({ ok: true });
  // Ready allows a lag (READY_MAX_LAG_EVENTS); the comparison needs every projection at the log's end.
  await until('the read models to catch up', async () => {
    const res = await fetch(`${service.base}/ready`);
    const body = (await res.json()) as { projections: { behind: number }[] };
    return res.status === 200 && body.projections.every((p) => p.behind === 0) ? true : undefined;
  });
  const before = await readModels(pool);
  await rebuildAll(pool, service.base, tokens.admin!);
  expect(await readModels(pool)).toEqual(before);
  expect(noStacks(service)).toEqual([]);
}

describe('crashes', () => {
  it('when the service is killed (SIGKILL) under 16 writers and started again, every acknowledged write is stored once', async () => {
    const port = await freePort();
    const before = await draftsInLog();
    let service = await startServiceProcess(env(port));
    await service.ready();
    log('ready; 16 clients start');
    const run = clients(() => service.base, 12);
    await until('the first answers', () => Promise.resolve(run.seen.answered >= 40 ? true : undefined));
    service.child.kill('SIGKILL');
    await service.exited;
    const killedAt = run.seen.answered;
    service = await startServiceProcess(env(port));
    try {
      await service.ready();
      const acknowledged = await run.done;
      expect(killedAt).toBeLessThan(16 * 12);
      expect(run.seen.other).toEqual([]);
      await expectEachOnce(acknowledged, before);
      await expectConsistent(service);
    } finally {
      await service.stop();
    }
  });

  it('when the service is killed during a rebuild, the next start finishes it and the read model equals one built from zero', async () => {
    const port = await freePort();
    let service = await startServiceProcess(env(port));
    await service.ready();
    const res = await fetch(`${service.base}/projections/projects/rebuild`, { method: 'POST', headers: { Authorization: tokens.admin! } });
    expect(res.status).toBe(202);
    const { generation } = (await res.json()) as { generation: number };
    await until('the rebuild under way', async () => {
      const { rows } = await pool.query<{ n: number }>(
        `select events_applied::int as n from projection_generations where projection = 'projects' and generation = $1`,
        [generation],
      );
      return (rows[0]?.n ?? 0) > 0 ? true : undefined;
    });
    service.child.kill('SIGKILL');
    await service.exited;
    const { rows: left } = await pool.query<{ status: string }>(
      `select status from projection_generations where projection = 'projects' and generation = $1`,
      [generation],
    );
    expect(left[0]?.status).toBe('building');
    service = await startServiceProcess(env(port));
    try {
      await service.ready();
      await until('the rebuilt generation to serve', async () => {
        const { rows } = await pool.query<{ status: string }>(
          `select status from projection_generations where projection = 'projects' and generation = $1`,
          [generation],
        );
        return rows[0]?.status === 'active' ? true : undefined;
      });
      await expectConsistent(service);
    } finally {
      await service.stop();
    }
  });

  it('when PostgreSQL stops abruptly for a few seconds, the service answers 503 problems and /ready says not ready, then recovers losing nothing', async () => {
    const port = await freePort();
    const before = await draftsInLog();
    const service = await startServiceProcess(env(port));
    await service.ready();
    try {
      const run = clients(() => service.base, 10);
      await until('the first answers', () => Promise.resolve(run.seen.answered >= 30 ? true : undefined));
      // Immediate shutdown: backends killed, no checkpoint; the next start recovers from the WAL.
      process.kill(server.pid!, 'SIGQUIT');
      log('PostgreSQL stopped abruptly (SIGQUIT)');
      await until('PostgreSQL to be gone', async () => ((await fetch(`${service.base}/ready`)).status === 503 ? true : undefined), 10_000);
      const t = Date.now();
      const ready = await fetch(`${service.base}/ready`, { signal: AbortSignal.timeout(5000) });
      expect(Date.now() - t).toBeLessThan(5000);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { readiness: { database: string } }).readiness.database).toBe('down');
      const write = await draft(service.base, tokens.anna!, randomUUID());
      expect(write.status).toBe(503);
      expect(write.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await write.json()) as { type: string }).type).toMatch(/\/database-unavailable$/);
      await sleep(3000);
      expect(service.child.exitCode).toBeNull();
      await until('the old server to have exited', () => {
        try {
          process.kill(server.pid!, 0);
          return Promise.resolve(undefined);
        } catch {
          return Promise.resolve(true);
        }
      });
      log('PostgreSQL stopped; starting it again');
      server = await startPostgres();
      log('PostgreSQL started again');
      const acknowledged = await run.done;
      expect(run.seen.outage).toBeGreaterThan(0);
      expect(run.seen.other).toEqual([]);
      // Drafts the clients gave up on are not counted: the one above was answered 503 and is not retried.
      await expectEachOnce(acknowledged, before);
      await expectConsistent(service);
      expect(service.child.exitCode).toBeNull();
    } finally {
      await service.stop();
    }
    expect((await service.exited).code).toBe(0);
  });
});
