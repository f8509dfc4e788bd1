import type pg from 'pg';
import type { EventShape, EventStore } from '../eventstore/port.js';
import type { GlobalPosition } from '../eventstore/position.js';
import { tableNames, type Projection } from './projection.js';

export type BatchOutcome =
  | { kind: 'applied'; events: number; checkpoint: GlobalPosition }
  | { kind: 'idle'; checkpoint: GlobalPosition }
  | { kind: 'busy' } // another process holds this generation
  | { kind: 'retired' };

/**
 * Applies one batch for one generation: lock the generation, read its checkpoint, read the
 * next events, apply them, move the checkpoint, commit. Rows and checkpoint commit together,
 * so a runner killed anywhere in between leaves both as they were.
 */
export async function runBatch<E extends EventShape>(
  pool: pg.Pool,
  store: Pick<EventStore<E>, 'readAll'>,
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
    // One round trip: begin, the generation's lock (an advisory lock takes no transaction id, so
    // the reader's snapshot horizon is not held back by us) and its checkpoint. Every projection
    // runs a batch on every append: it took six round trips besides its writes, now three.
    const name = client.escapeLiteral(projection.name);
    const results: unknown = await client.query(
      `begin;
       select pg_try_advisory_xact_lock(hashtext(${name}), ${generation}) as ok;
       select checkpoint_tx::text as tx, checkpoint_pos as pos, status
         from projection_generations where projection = ${name} and generation = ${generation}`,
    );
    // Three statements in one message: pg answers with a result for each.
    const [, lock, checkpoint] = results as [
      pg.QueryResult,
      pg.QueryResult<{ ok: boolean }>,
      pg.QueryResult<{ tx: string; pos: string; status: string }>,
    ];
    if (!lock.rows[0]?.ok) {
      await client.query('rollback');
      return { kind: 'busy' };
    }
    const row = checkpoint.rows[0];
    if (!row || row.status === 'retired') {
      await client.query('rollback');
      return { kind: 'retired' };
    }
    const after = { transactionId: BigInt(row.tx), sequence: BigInt(row.pos) };
    const events = await store.readAll({ after, limit: batchSize });
    if (events.length === 0) {
      await client.query('rollback');
      return { kind: 'idle', checkpoint: after };
    }
    await projection.apply(client, events, tableNames(projection, generation));
    const last = events.at(-1)!.position;
    // The checkpoint and the commit in one round trip (literals: a multi-statement message takes no parameters).
    await client.query(
      `update projection_generations
          set checkpoint_tx = ${client.escapeLiteral(last.transactionId.toString())}::xid8,
              checkpoint_pos = ${last.sequence.toString()}, events_applied = events_applied + ${events.length},
              updated_at = now()
        where projection = ${name} and generation = ${generation};
       commit`,
    );
    return { kind: 'applied', events: events.length, checkpoint: last };
  } catch (error) {
    broken = true;
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
