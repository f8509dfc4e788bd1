import type pg from 'pg';
import { streamCatalogue } from '../projections/stream-catalogue/projection.js';
import type { EventStore } from '../src/eventstore/port.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../src/projection-engine/manager.js';
import type { Projection } from '../src/projection-engine/projection.js';
import { benchEvent, intFromEnv, round, type Benchmark } from './support.js';

const STREAM_TYPES = ['invoice', 'payment_claim', 'project'];

/**
 * Loads EVENTS events over many streams, brings the stream catalogue up to date as a live
 * service would, then times a rebuild of it from zero (a new generation filled by catchUp
 * with batches of BATCH until it takes over). The catalogue must then list every stream
 * once, at exactly the number of events appended to it.
 */
export const rebuild: Benchmark = async ({ pool, registry, log }) => {
  const total = intFromEnv('EVENTS', 8000);
  const batchSize = intFromEnv('BATCH', 5000);
  const streams = intFromEnv('STREAMS', Math.ceil(total / 40));
  const store = new PostgresEventStore(pool, registry);

  let t = performance.now();
  const appended = await load(store, total, streams, intFromEnv('APPEND_SIZE', 100), intFromEnv('LOADERS', 8));
  await store.close();
  const loadSeconds = (performance.now() - t) / 1000;
  log.info({ events: total, streams, seconds: round(loadSeconds) }, 'loaded');

  const timings = { read_ms: 0, apply_ms: 0, batches: 0 };
  const manager = new ProjectionManager(pool, timedReads(store, timings), [timedApply(streamCatalogue, timings)], {
    batchSize,
    pollMs: 60_000,
    logger: log,
  });
  await manager.prepare();
  t = performance.now();
  await manager.catchUp(); // the active generation, as a running service would have it
  const initialSeconds = (performance.now() - t) / 1000;
  Object.assign(timings, { read_ms: 0, apply_ms: 0, batches: 0 });

  t = performance.now();
  const { generation } = await manager.rebuild(streamCatalogue.name);
  const rebuildCallMs = performance.now() - t; // includes the status it answers with (a count of what is behind)
  await manager.catchUp();
  const seconds = (performance.now() - t) / 1000;

  const { rows: gens } = await pool.query<{ status: string; applied: string }>(
    `select status, events_applied as applied from projection_generations where projection = $1 and generation = $2`,
    [streamCatalogue.name, generation],
  );
  if (gens[0]?.status !== 'active') throw new Error(`generation ${generation} did not take over: ${gens[0]?.status}`);
  const applied = Number(gens[0].applied);
  const check = await checkCatalogue(pool, appended);
  return {
    bench: 'rebuild',
    events: total,
    streams,
    batch: batchSize,
    seconds: round(seconds),
    events_per_s: Math.round(total / seconds),
    // Streams missing or behind / ahead or extra, plus events applied short of / beyond the total.
    lost: check.lost + Math.max(0, total - applied),
    duplicated: check.duplicated + Math.max(0, applied - total),
    events_applied: applied,
    batches: timings.batches,
    rebuild_call_ms: Math.round(rebuildCallMs),
    read_ms: Math.round(timings.read_ms),
    apply_ms: Math.round(timings.apply_ms),
    initial_catch_up_seconds: round(initialSeconds),
    load_seconds: round(loadSeconds),
  };
};

/**
 * Appends `total` events in appends of `size`, spread evenly over `streams` streams; `loaders`
 * appends in flight so the group committer batches them. Returns each stream's event count.
 */
async function load(store: EventStore, total: number, streams: number, size: number, loaders: number) {
  const counts = new Map<string, number>();
  for (let s = 0; s < streams; s++) {
    const id = `${STREAM_TYPES[s % STREAM_TYPES.length]}-bench-${s}`;
    counts.set(id, Math.floor(total / streams) + (s < total % streams ? 1 : 0));
  }
  const ids = [...counts.keys()];
  let n = 0;
  await Promise.all(
    Array.from({ length: loaders }, async (_, l) => {
      const mine = ids.filter((_, i) => i % loaders === l);
      const version = new Map(mine.map((id) => [id, 0]));
      // Round-robin over own streams, so streams interleave in the global order.
      for (let left = true; left;) {
        left = false;
        for (const id of mine) {
          const v = version.get(id)!;
          const take = Math.min(size, counts.get(id)! - v);
          if (take <= 0) continue;
          left = true;
          const events = Array.from({ length: take }, () => benchEvent(n++));
          await store.append(id, events, { expectedVersion: v });
          version.set(id, v + take);
        }
      }
    }),
  );
  return counts;
}

async function checkCatalogue(pool: pg.Pool, appended: ReadonlyMap<string, number>) {
  const { rows } = await pool.query<{ stream_id: string; version: number }>('select stream_id, version from stream_catalogue');
  let lost = 0;
  let duplicated = 0;
  const seen = new Set<string>();
  for (const r of rows) {
    const expected = appended.get(r.stream_id);
    if (seen.has(r.stream_id) || expected === undefined || r.version > expected) duplicated++;
    else if (r.version < expected) lost++;
    seen.add(r.stream_id);
  }
  for (const id of appended.keys()) if (!seen.has(id)) lost++;
  return { lost, duplicated };
}

/** Adds time spent in readAll (query + JSON + payload validation) to `timings`. */
function timedReads(store: EventStore, timings: { read_ms: number }): EventStore {
  return Object.assign(Object.create(store) as EventStore, {
    readAll: async (options: Parameters<EventStore['readAll']>[0]) => {
      const t = performance.now();
      try {
        return await store.readAll(options);
      } finally {
        timings.read_ms += performance.now() - t;
      }
    },
  });
}

/** Adds time spent in the projection's apply (folding + the upsert) to `timings`. */
function timedApply(p: Projection, timings: { apply_ms: number; batches: number }): Projection {
  return {
    ...p,
    apply: async (tx, events, t) => {
      const t0 = performance.now();
      try {
        await p.apply(tx, events, t);
      } finally {
        timings.apply_ms += performance.now() - t0;
        timings.batches++;
      }
    },
  };
}
