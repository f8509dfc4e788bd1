import pg from 'pg';
import { PreparingClient } from './prepared.js';

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Creates `database` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`create database ${ident(database)}${template ? ` template ${ident(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}

/** Drops `database`, disconnecting whoever is still on it. */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${ident(database)} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * The connection string with the server's JIT compiler off for the session (added to any
 * `options` it already has). The service's statements read a handful of rows by index, but a
 * few carry cost estimates far above PostgreSQL's JIT thresholds (reading the log from a
 * checkpoint: an estimated 760,000 for 40 rows, from a guarded subplan counted for every row),
 * and compiling them with inlining took 100–800 ms of CPU on every projection batch: most of the
 * projection runner's time, and the p99 of the requests running beside it.
 */
export function withoutJit(connectionString: string): string {
  const url = new URL(connectionString);
  const options = url.searchParams.get('options');
  url.searchParams.set('options', [options, '-c jit=off'].filter(Boolean).join(' '));
  return url.toString();
}

export function createPool(connectionString: string, max: number, onError?: (e: Error) => void): pg.Pool {
  // Idle connections are kept (not closed after 10 s): each holds statements prepared and planned
  // once (the double-funding facts statement: ~60 ms to plan), which a new connection plans again.
  const pool = new pg.Pool({
    connectionString: withoutJit(connectionString),
    max,
    application_name: 'grants-backend',
    idleTimeoutMillis: 0,
    // Repeated parameterised statements are prepared once per connection (src/db/prepared.ts).
    Client: PreparingClient,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (e) => {
    if (!pool.ending) onError?.(e);
  });
  // pg's end() resolves once it has asked its connections to close, not once they have: a server
  // stopped right after (the embedded one at shutdown) cut them, and each logged its error. This
  // end() resolves when the last connection is closed.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    // A client the pool has handed out, between two of its queries (a projection batch's transaction),
    // emits the loss of its connection as 'error': without a listener that ends the process (or the
    // background thread). Its next query fails with the cause, and the pool replaces the connection.
    client.on('error', () => undefined);
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const end = pool.end.bind(pool);
  pool.end = async () => {
    await end();
    await Promise.all([...open].map((client) => new Promise((resolve) => client.once('end', resolve))));
  };
  return pool;
}
