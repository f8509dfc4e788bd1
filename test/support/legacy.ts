import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EventMetadata } from '../../src/eventstore/port.js';
import { buildMetadata } from './builders.js';

/**
 * Stores a stream as a database from before a type was retired holds it: the rows inserted
 * directly, because the registry no longer lets a retired type be appended. es_events is
 * append-only, so inserting is all an old database could have done.
 */
export async function insertLegacyStream(
  pool: pg.Pool,
  streamId: string,
  events: readonly { type: string; data: unknown; metadata?: Partial<EventMetadata> }[],
): Promise<void> {
  const streamType = streamId.slice(0, streamId.indexOf('-'));
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('insert into es_streams (stream_id, stream_type, version) values ($1, $2, $3)', [
      streamId,
      streamType,
      events.length,
    ]);
    for (const [i, e] of events.entries()) {
      await client.query(
        `insert into es_events (event_id, stream_id, stream_type, version, type, payload, metadata) values ($1, $2, $3, $4, $5, $6, $7)`,
        [randomUUID(), streamId, streamType, i + 1, e.type, JSON.stringify(e.data), JSON.stringify(buildMetadata(e.metadata))],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
}
