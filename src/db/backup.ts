import { createReadStream, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/*
 * A backup of the event store: what cannot be rebuilt. The event log and its streams, the hash
 * chain, the attribution index, the idempotency records (a client retrying after a restore gets
 * its answer, not a second write) and the workflow checkpoints. Read models are not in it: they
 * are rebuilt from the log after a restore, and compared (docs/operations.md, "Backups").
 *
 * One folder: a file per table in PostgreSQL's COPY text format, and manifest.json with the row
 * counts and the chain's last link. Taken in one repeatable-read, read-only transaction: one
 * consistent instant of every table, while the service keeps writing.
 */

/** In the order they are restored. */
export const BACKED_UP_TABLES = [
  'es_streams',
  'es_events',
  'es_chain',
  'es_event_projects',
  'es_idempotency',
  'http_idempotency',
  'process_checkpoints',
] as const;

export interface BackupManifest {
  format: 1;
  takenAt: string;
  rows: Record<string, number>;
  /** The last event's position and the chain's last link (hex), to check a restore against. */
  lastPosition: string | null;
  lastChainHash: string | null;
}

/** Dumps the event store of the database behind `pool` into `dir` (created). */
export async function dumpEventStore(pool: pg.Pool, dir: string): Promise<BackupManifest> {
  mkdirSync(dir, { recursive: true });
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const rows: Record<string, number> = {};
    for (const table of BACKED_UP_TABLES) {
      const file = createWriteStream(path.join(dir, `${table}.copy`));
      const copy = client.query(copyTo(`copy ${table} to stdout`));
      await pipeline(copy, file);
      rows[table] = copy.rowCount ?? 0;
    }
    const { rows: last } = await client.query<{ position: string | null; hash: string | null }>(
      `select (select max(position)::text from es_events) as position,
              (select encode(hash, 'hex') from es_chain order by chain_seq desc limit 1) as hash`,
    );
    await client.query('commit');
    const manifest: BackupManifest = {
      format: 1,
      takenAt: new Date().toISOString(),
      rows,
      lastPosition: last[0]?.position ?? null,
      lastChainHash: last[0]?.hash ?? null,
    };
    writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A restore refused: the target is not empty, or the backup does not match its manifest. */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

/**
 * Restores `dir` into the migrated, empty database behind `pool`, in one transaction: all of it or
 * nothing. The log keeps its positions and transaction ids (the chain links them); when the target
 * server has handed out fewer transaction ids than the backup holds (a new cluster), ids are used up
 * until it has, or readers would wait for transactions that look still running.
 */
export async function restoreEventStore(pool: pg.Pool, dir: string): Promise<BackupManifest> {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  if (manifest.format !== 1) throw new RestoreRefused(`unknown backup format ${String(manifest.format)}`);
  const client = await pool.connect();
  try {
    const { rows: present } = await client.query<{ n: number }>('select count(*)::int as n from es_events');
    if (present[0]!.n > 0) throw new RestoreRefused(`the target already holds ${present[0]!.n} events: restore into an empty database`);
    await client.query('begin');
    // The checkpoint rows a start of the service made: the backup's replace them.
    await client.query('delete from process_checkpoints');
    for (const table of BACKED_UP_TABLES) {
      const copy = client.query(copyFrom(`copy ${table} from stdin`));
      await pipeline(createReadStream(path.join(dir, `${table}.copy`)), copy);
      if ((copy.rowCount ?? 0) !== manifest.rows[table]) {
        throw new RestoreRefused(`${table}: ${copy.rowCount} rows in the file, ${manifest.rows[table]} in the manifest`);
      }
    }
    await client.query(
      `select setval(pg_get_serial_sequence('es_events', 'position'), coalesce(max(position), 0) + 1, false) from es_events`,
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await passTransactionIds(pool);
  return manifest;
}

/** Uses up transaction ids until the server's next one is past every restored event's. */
async function passTransactionIds(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ gap: string }>(
    `select greatest(0, (select coalesce(max(transaction_id)::text::bigint, 0) from es_events) - pg_current_xact_id()::text::bigint + 1)::text as gap`,
  );
  const gap = Number(rows[0]!.gap);
  if (gap === 0) return;
  // One short transaction per id; a procedure-style DO block commits each without a round trip.
  const client = await pool.connect();
  try {
    await client.query(`set synchronous_commit = off`);
    await client.query(`do $$ begin for i in 1..${gap} loop perform pg_current_xact_id(); commit; end loop; end $$`);
  } finally {
    client.release(true);
  }
}
