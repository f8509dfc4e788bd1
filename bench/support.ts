import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { createPool, ensureDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { initOrm, migrate } from '../src/db/orm.js';
import type { NewEvent } from '../src/eventstore/port.js';
import { defineEvent, EventRegistry } from '../src/eventstore/registry.js';

/** What every benchmark prints as its one JSON line; extra figures are welcome. */
export interface BenchResult {
  bench: string;
  events: number;
  seconds: number;
  events_per_s: number;
  lost: number;
  duplicated: number;
  [figure: string]: unknown;
}

/** A freshly migrated, empty database that lives for one benchmark run. */
export interface BenchEnv {
  readonly url: string;
  readonly pool: pg.Pool;
  readonly registry: EventRegistry;
  readonly log: Logger;
}

export type Benchmark = (env: BenchEnv) => Promise<BenchResult>;

/** stdout carries only the result line, so logs go to stderr. */
export const log: Logger = pino({ level: process.env.BENCH_LOG ?? 'info', base: { bench: true } }, pino.destination(2));

/** An invoice-like payload: small, but shaped like what the service really stores. */
export const BenchmarkRecorded = defineEvent(
  'BenchmarkRecorded.v1',
  z
    .object({
      supplierRegistrationNumber: z.string().regex(/^\d{11}$/),
      invoiceNumber: z.string().min(1).max(40),
      amountCents: z.number().int().nonnegative(),
      currency: z.literal('EUR'),
      invoiceDate: z.iso.date(),
    })
    .strict(),
);

export function benchRegistry() {
  return EventRegistry.of(BenchmarkRecorded);
}

// Left unannotated (checked where it is used, as NewEvent metadata) so it survives EventMetadata gaining fields.
const metadata = {
  actor: 'bench.writer',
  organisation: '90000012345',
  role: 'beneficiary',
  roles: ['beneficiary'],
  correlationId: randomUUID(),
  causationId: null,
  requestId: randomUUID(),
};

/** The n-th benchmark event. No id, like the service's commands: the store draws it. */
export function benchEvent(n: number): NewEvent {
  const day = 1 + (n % 28);
  return {
    type: BenchmarkRecorded.type,
    data: {
      supplierRegistrationNumber: String(40000000000 + (n % 1000)),
      invoiceNumber: `INV-2026-${String(n).padStart(7, '0')}`,
      amountCents: 1000 + ((n * 7919) % 5_000_000),
      currency: 'EUR',
      invoiceDate: `2026-03-${String(day).padStart(2, '0')}`,
    },
    metadata,
  };
}

export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** A small deterministic PRNG (mulberry32), so two runs load the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Runs `fn` against a new migrated database: on the server in DATABASE_URL when set (the
 * database is dropped afterwards), else on an embedded PostgreSQL in a temporary folder,
 * fsync on, so figures reflect real durability. Everything is torn down even on failure or Ctrl-C.
 */
export async function withBenchEnv<T>(fn: (env: BenchEnv) => Promise<T>): Promise<T> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err }, 'teardown step failed');
      }
    }
  };
  const onSignal = () => void teardown().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let adminUrl = process.env.DATABASE_URL;
    const database = `bench_${process.pid}_${Date.now()}`;
    if (adminUrl) {
      const admin = adminUrl;
      // BENCH_KEEP=1 leaves the database there to look into (its name is logged).
      if (process.env.BENCH_KEEP) log.info({ database }, 'database kept (BENCH_KEEP)');
      else cleanups.push(() => dropDatabase(admin, database));
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'grants-bench-pg-'));
      chmodSync(dir, 0o755); // the server runs as the unprivileged postgres user
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const port = await freePort();
      const t0 = performance.now();
      const server: EmbeddedServer = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port, logger: log });
      cleanups.push(() => server.stop());
      log.info({ port, ms: Math.round(performance.now() - t0) }, 'embedded PostgreSQL started');
      adminUrl = server.adminUrl;
    }
    await ensureDatabase(adminUrl, database);
    const url = withDatabase(adminUrl, database);
    const orm = await initOrm(url, []);
    try {
      await migrate(orm);
    } finally {
      await orm.close(true);
    }
    let closing = false;
    // pool.end() resolves before its connections have closed, so stopping the server right
    // after makes them fail: expected then, worth a warning only before.
    const onError = (err: Error) => !closing && log.warn({ err }, 'database connection failed');
    const pool = createPool(url, 16, onError);
    // Also for checked-out clients: unhandled, their errors on shutdown would crash us before the temp dir is removed.
    pool.on('connect', (client) => client.on('error', onError));
    cleanups.push(() => {
      closing = true;
      // A benchmark that failed while holding a client would make pool.end() wait forever.
      return Promise.race([pool.end(), new Promise<void>((r) => setTimeout(r, 5000).unref())]);
    });
    return await fn({ url, pool, registry: benchRegistry(), log });
  } catch (err) {
    // Logged before teardown, which can itself fail noisily (e.g. a client still checked out).
    log.error({ err }, 'benchmark failed; tearing down');
    throw err;
  } finally {
    await teardown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists "${database}" with (force)`);
  } finally {
    await client.end();
  }
}

/** A port nobody listens on now: a random one may collide with a test run's server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * CPU seconds used so far by the server's processes (backends and background workers), read
 * from /proc: wall time alone is unreliable on a shared 2-core box. Null when the server is
 * not on this machine. Connections closed in between are not counted.
 */
export async function serverCpuSeconds(pool: pg.Pool): Promise<number | null> {
  const { rows } = await pool.query<{ pid: number }>('select pid from pg_stat_activity');
  let ticks = 0;
  try {
    for (const { pid } of rows) {
      // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') return null;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}
