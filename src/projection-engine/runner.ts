import type pg from 'pg';
import type { EventShape, EventStore } from '../eventstore/port.js';
import type { GlobalPosition } from '../eventstore/position.js';
import { tableNames, type Projection } from './projection.js';

export type BatchOutcome =
  | { kind: 'applied'; events: number; checkpoint: GlobalPosition }
  | { kind: 'idle' }
  | { kind: 'busy' } // another process holds this generation
  | { kind: 'retired' };

/**
 * Applies one batch for one generation: lock the generation, read its checkpoint, read the
 * next events, apply them, move the checkpoint, commit. Rows and checkpoint commit together,
 * so a runner killed anywhere in between leaves both as they were.
 */
export async function runBatch<E extends EventShape>(
  pool: pg.Pool,
  store: EventStore<E>,
  projection: Projection<E>,
  generation: number,
  batchSize: number,
): Promise<BatchOutcome> {
  const client = await pool.connect();
  let broken = false;
  // A connection that dies mid-batch reports here as well as through the failing query.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('begin');
    // An advisory lock takes no transaction id, so the reader's snapshot horizon is not held back by us.
    const { rows: locked } = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1), $2) as ok', [
      projection.name,
      generation,
    ]);
    if (!locked[0]?.ok) {
      await client.query('rollback');
      return { kind: 'busy' };
    }
    const { rows } = await client.query<{ tx: string; pos: string; status: string }>(
      `select checkpoint_tx::text as tx, checkpoint_pos as pos, status
         from projection_generations where projection = $1 and generation = $2`,
      [projection.name, generation],
    );
    const row = rows[0];
    if (!row || row.status === 'retired') {
      await client.query('rollback');
      return { kind: 'retired' };
    }
    const after = { transactionId: BigInt(row.tx), sequence: BigInt(row.pos) };
    const events = await store.readAll({ after, limit: batchSize });
    if (events.length === 0) {
      await client.query('rollback');
      return { kind: 'idle' };
    }
    await projection.apply(client, events, tableNames(projection, generation));
    const checkpoint = events.at(-1)!.position;
    await client.query(
      `update projection_generations
          set checkpoint_tx = $3::text::xid8, checkpoint_pos = $4, events_applied = events_applied + $5,
              updated_at = now()
        where projection = $1 and generation = $2`,
      [projection.name, generation, checkpoint.transactionId.toString(), checkpoint.sequence.toString(), events.length],
    );
    await client.query('commit');
    return { kind: 'applied', events: events.length, checkpoint };
  } catch (error) {
    broken = true;
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
