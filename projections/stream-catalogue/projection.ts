import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/**
 * Stream catalogue: one row per stream with its type, current version and when it was last
 * written. Exercises the projection path end to end and lets auditors list what exists.
 */
export const streamCatalogue: Projection = {
  name: 'stream_catalogue',
  version: 1,
  tables: ['stream_catalogue'],
  createTables: (t) => [
    `create table ${t.stream_catalogue} (
       stream_id       text primary key,
       stream_type     text not null,
       version         integer not null,
       last_event_type text not null,
       created_at      timestamptz not null,
       last_event_at   timestamptz not null
     )`,
    `create index on ${t.stream_catalogue} (stream_type, stream_id)`,
  ],
  async apply(tx, events, t) {
    // The batch is folded to one row per stream first: one statement per batch keeps rebuilds fast.
    const latest = new Map<string, { first: StoredEvent; last: StoredEvent }>();
    for (const e of events) {
      const seen = latest.get(e.streamId);
      if (!seen) latest.set(e.streamId, { first: e, last: e });
      else if (e.version > seen.last.version) seen.last = e;
    }
    const rows = [...latest.values()];
    // The version guard makes a replayed event a no-op.
    await tx.query(
      `insert into ${t.stream_catalogue} as c (stream_id, stream_type, version, last_event_type, created_at, last_event_at)
       select * from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[])
       on conflict (stream_id) do update
         set version = excluded.version, last_event_type = excluded.last_event_type,
             last_event_at = excluded.last_event_at
         where c.version < excluded.version`,
      [
        rows.map((r) => r.last.streamId),
        rows.map((r) => r.last.streamType),
        rows.map((r) => r.last.version),
        rows.map((r) => r.last.type),
        rows.map((r) => r.first.recordedAt),
        rows.map((r) => r.last.recordedAt),
      ],
    );
  },
};
