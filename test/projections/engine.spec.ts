import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamCatalogue } from '../../projections/stream-catalogue/projection.js';
import { StreamCatalogueEntrySchema } from '../../projections/stream-catalogue/entity.js';
import { findStream, listStreams } from '../../projections/stream-catalogue/queries.js';
import { initOrm } from '../../src/db/orm.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames, type Projection } from '../../src/projection-engine/projection.js';
import { counted, testRegistry } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let store: PostgresEventStore;
let orm: MikroORM;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, testRegistry());
  orm = await initOrm(db.url, [StreamCatalogueEntrySchema]);
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

const manager = (projections: Projection[], batchSize = 50) =>
  new ProjectionManager(db.pool, store, projections, { batchSize, pollMs: 20, logger, listenUrl: db.url });

async function appendMany(streams: number, eventsEach: number): Promise<string[]> {
  const ids = Array.from({ length: streams }, () => `test-${randomUUID()}`);
  for (let i = 0; i < eventsEach; i++) {
    await Promise.all(ids.map((id) => store.append(id, [counted(i)], { expectedVersion: i })));
  }
  return ids;
}

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stream catalogue projection', () => {
  it('when streams are created and extended, the catalogue shows each stream at its latest version', async () => {
    const streams = await appendMany(3, 4);
    const m = manager([streamCatalogue]);
    await m.prepare();
    await m.catchUp();
    for (const id of streams) {
      const row = await findStream(orm, id);
      expect(row).toMatchObject({ streamId: id, streamType: 'test', version: 4, lastEventType: 'Counted.v2' });
      expect(row!.lastEventAt.getTime()).toBeGreaterThanOrEqual(row!.createdAt.getTime());
    }
    const [more] = streams;
    await store.append(more!, [counted(9)], { expectedVersion: 4 });
    await m.catchUp();
    expect((await findStream(orm, more!))?.version).toBe(5);
    const page = await listStreams(orm, { streamType: 'test', limit: 2 });
    expect(page).toHaveLength(2);
    const next = await listStreams(orm, { streamType: 'test', after: page[1]!.streamId, limit: 100 });
    expect(next.map((r) => r.streamId)).not.toContain(page[0]!.streamId);
  });

  it('when a batch is applied twice, the catalogue is unchanged (idempotent handler)', async () => {
    const [id] = await appendMany(1, 3);
    const m = manager([streamCatalogue]);
    await m.prepare();
    await m.catchUp();
    const before = await findStream(orm, id!);
    const events = await store.readStream(id!);
    const [active] = (await m.status()).filter((s) => s.projection === 'stream_catalogue' && s.status === 'active');
    const client = await db.pool.connect();
    try {
      // An older event replayed after a newer one must not move the row back.
      await streamCatalogue.apply(client, events.slice(0, 1), tableNames(streamCatalogue, active!.generation));
      await streamCatalogue.apply(client, events, tableNames(streamCatalogue, active!.generation));
    } finally {
      client.release();
    }
    expect(await findStream(orm, id!)).toEqual(before);
  });
});

describe('projection runner', () => {
  it('when the runner is killed mid-batch, it resumes with no event lost and none applied twice', async () => {
    // A deliberately non-idempotent counter: any double application or loss shows in the sums.
    let batches = 0;
    let killed = 0;
    const counter: Projection = {
      name: 'kill_test_counter',
      version: 1,
      tables: ['kill_test_counter'],
      createTables: (t) => [`create table ${t.kill_test_counter} (stream_id text primary key, n integer not null)`],
      async apply(tx, events, t) {
        for (const e of events) {
          await tx.query(
            `insert into ${t.kill_test_counter} values ($1, 1) on conflict (stream_id) do update set n = ${t.kill_test_counter}.n + 1`,
            [e.streamId],
          );
        }
        if (++batches % 3 === 0) {
          killed++;
          await tx.query('select pg_terminate_backend(pg_backend_pid())'); // the connection dies here
        }
      },
    };
    const streams = await appendMany(5, 20);
    const m = manager([counter], 7);
    await m.start();
    await eventually(async () => (await m.status()).every((s) => s.behind === 0));
    await m.stop();
    expect(killed).toBeGreaterThan(3);
    const { rows } = await db.pool.query<{ stream_id: string; n: number }>(
      `select stream_id, n from kill_test_counter where stream_id = any($1)`,
      [streams],
    );
    expect(rows.map((r) => r.n)).toEqual([20, 20, 20, 20, 20]);
  });

  it('when running live, a new event reaches the read model without a manual catch-up', async () => {
    const m = manager([streamCatalogue]);
    await m.start();
    try {
      const id = `test-${randomUUID()}`;
      await store.append(id, [counted(1)], { expectedVersion: 0 });
      await eventually(async () => (await findStream(orm, id))?.version === 1);
      const status = await m.status();
      expect(status.find((s) => s.projection === 'stream_catalogue')).toMatchObject({ status: 'active' });
    } finally {
      await m.stop();
    }
  });

  it('when running live with a settle time, events appended while it settles are applied together after it', async () => {
    const m = new ProjectionManager(db.pool, store, [streamCatalogue], {
      batchSize: 50,
      pollMs: 20,
      settleMs: 1000,
      logger,
      listenUrl: db.url,
    });
    await m.start();
    try {
      // Once the runner has applied what there is, it sleeps until woken.
      const before = `test-${randomUUID()}`;
      await store.append(before, [counted(1)], { expectedVersion: 0 });
      await eventually(async () => (await findStream(orm, before)) !== null);
      const [first, second] = [`test-${randomUUID()}`, `test-${randomUUID()}`];
      await store.append(first, [counted(1)], { expectedVersion: 0 });
      await store.append(second, [counted(1)], { expectedVersion: 0 });
      // Woken by the first append, the runner is still settling (without a settle time it applies within milliseconds).
      await new Promise((r) => setTimeout(r, 300));
      expect(await findStream(orm, first)).toBeNull();
      await eventually(async () => (await findStream(orm, first)) !== null || (await findStream(orm, second)) !== null);
      expect([await findStream(orm, first), await findStream(orm, second)].map((r) => r?.version)).toEqual([1, 1]);
    } finally {
      await m.stop();
    }
  });
});

describe('catching up', () => {
  it('when a transaction older than the last appends is still running, catch-up waits for it instead of stopping at the empty read', async () => {
    const m = manager([streamCatalogue]);
    await m.prepare();
    await m.catchUp();
    // A transaction with an id, begun before the append: the log holds back every event younger than it.
    const blocker = await db.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select pg_current_xact_id()');
      const id = `test-${randomUUID()}`;
      await store.append(id, [counted(1)], { expectedVersion: 0 });
      let done = false;
      const caughtUp = m.catchUp().then(() => (done = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      await blocker.query('commit');
      await caughtUp;
      expect((await findStream(orm, id))?.version).toBe(1);
    } finally {
      blocker.release();
    }
  });
});

describe('runners woken together', () => {
  it('when four projections are caught up at one checkpoint and an event arrives, they read the log for it once, and each applies it', async () => {
    // Four projections that each record the events they apply.
    const seen = new Map<string, string[]>();
    const recorder = (name: string): Projection => ({
      name,
      version: 1,
      tables: [name],
      createTables: (t) => [`create table ${t[name]} (event_id uuid primary key)`],
      async apply(tx, events, t) {
        seen.set(name, [...(seen.get(name) ?? []), ...events.map((e) => e.id)]);
        await tx.query(`insert into ${t[name]} select unnest($1::uuid[]) on conflict do nothing`, [events.map((e) => e.id)]);
      },
    });
    const names = ['shared_read_a', 'shared_read_b', 'shared_read_c', 'shared_read_d'];
    let reads = 0;
    const counting = Object.assign(Object.create(store) as PostgresEventStore, {
      readAll: (options: Parameters<PostgresEventStore['readAll']>[0]) => {
        reads++;
        return store.readAll(options);
      },
    });
    const m = new ProjectionManager(db.pool, counting, names.map(recorder), {
      batchSize: 50,
      pollMs: 60_000,
      settleMs: 20,
      logger,
      listenUrl: db.url,
    });
    await m.start();
    try {
      await eventually(async () => (await m.status()).filter((s) => names.includes(s.projection)).every((s) => s.behind === 0));
      // Every runner has found nothing more to read and sleeps until woken.
      await new Promise((r) => setTimeout(r, 200));
      reads = 0;
      seen.clear();
      const id = `test-${randomUUID()}`;
      const [event] = (await store.append(id, [counted(1)], { expectedVersion: 0 })).eventIds;
      await eventually(() => Promise.resolve(names.every((n) => seen.get(n)?.includes(event!))));
      expect(names.map((n) => seen.get(n))).toEqual(names.map(() => [event]));
      // One read found the event for all four (without sharing: four); each then sleeps until the next wake.
      await new Promise((r) => setTimeout(r, 200));
      expect(reads).toBeLessThanOrEqual(2);
    } finally {
      await m.stop();
    }
  });
});

describe('rebuild without downtime', () => {
  it('when a rebuild is asked for, the old generation serves until the new one has caught up and takes over', async () => {
    const streams = await appendMany(4, 3);
    const m = manager([streamCatalogue], 5);
    await m.prepare();
    await m.catchUp();
    const [oldGen] = (await m.status()).filter((s) => s.projection === 'stream_catalogue');
    const expected = await listStreams(orm, { limit: 10_000 });

    const building = await m.rebuild('stream_catalogue');
    expect(building).toMatchObject({ status: 'building', eventsApplied: 0 });
    expect(building.behind).toBeGreaterThan(0);
    // Still served, complete, by the old generation.
    expect(await listStreams(orm, { limit: 10_000 })).toEqual(expected);

    await m.catchUp();
    const after = (await m.status()).filter((s) => s.projection === 'stream_catalogue');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ generation: building.generation, status: 'active', behind: 0 });
    expect(after[0]!.generation).toBeGreaterThan(oldGen!.generation);
    expect(await listStreams(orm, { limit: 10_000 })).toEqual(expected);
    expect((await findStream(orm, streams[0]!))?.version).toBe(3);
    const { rows } = await db.pool.query(`select to_regclass($1) as t`, [`stream_catalogue__g${oldGen!.generation}`]);
    expect(rows[0].t).toBeNull();
  });

  it('when a projection ships with a new code version, a new generation builds on start while the old one serves', async () => {
    const m1 = manager([streamCatalogue]);
    await m1.prepare();
    await m1.catchUp();
    const expected = await listStreams(orm, { limit: 10_000 });

    const v2: Projection = { ...streamCatalogue, version: streamCatalogue.version + 1 };
    const m2 = manager([v2]);
    await m2.prepare();
    const during = (await m2.status()).filter((s) => s.projection === 'stream_catalogue');
    expect(during.map((s) => [s.status, s.codeVersion])).toEqual([
      ['active', 1],
      ['building', 2],
    ]);
    expect(await listStreams(orm, { limit: 10_000 })).toEqual(expected);
    await m2.catchUp();
    const after = (await m2.status()).filter((s) => s.projection === 'stream_catalogue');
    expect(after.map((s) => [s.status, s.codeVersion])).toEqual([['active', 2]]);
    expect(await listStreams(orm, { limit: 10_000 })).toEqual(expected);
  });
});
