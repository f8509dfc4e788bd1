import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { EventRegistry } from '../../src/eventstore/registry.js';
import { buildMetadata, Counted, counted, testRegistry } from '../support/builders.js';
import { eventStoreContract, readEverything } from './contract.js';

let db: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, testRegistry());
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

describe('PostgreSQL event store', () => {
  eventStoreContract({ store: () => store });

  it('when an export is abandoned after its first page, its read-only transaction ends and its connection goes back to the pool', async () => {
    const projectId = randomUUID();
    await store.append(
      `test-${randomUUID()}`,
      Array.from({ length: 30 }, (_, i) => counted(i)),
      { expectedVersion: 0, attribution: [{ projectId, organisation: '90000046925' }] },
    );
    const { pages } = await store.exportEvents({ projectId }, 10);
    const seen: number[] = [];
    for await (const page of pages) {
      seen.push(page.length);
      break; // the reader goes away, as a client that hangs up
    }
    expect(seen).toEqual([10]);
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(rows[0]!.n).toBe(0);
    expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
    // And the store exports again: the cursor's name is free.
    const again: number[] = [];
    for await (const page of (await store.exportEvents({ projectId }, 10)).pages) again.push(page.length);
    expect(again).toEqual([10, 10, 10]);
  });

  it('when a large export is abandoned while the server is still streaming it, its connection is closed and nothing fails later', async () => {
    const projectId = randomUUID();
    // Several MB of rows: more than the sockets hold, so the server is mid-COPY when the reader leaves.
    const note = 'x'.repeat(400);
    for (let from = 0; from < 12_000; from += 2000)
      await store.append(
        `test-${randomUUID()}`,
        Array.from({ length: 2000 }, (_, i) => counted(from + i, { data: { n: from + i, note } })),
        { expectedVersion: 0, attribution: [{ projectId, organisation: '90000046925' }] },
      );
    const unhandled: unknown[] = [];
    const onError = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    try {
      const { pages } = await store.exportEvents({ projectId }, 50);
      for await (const page of pages) {
        expect(page).toHaveLength(50);
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(unhandled).toEqual([]);
      expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like 'copy (select%' and state <> 'idle'`,
      );
      expect(rows[0]!.n).toBe(0);
      // The store exports in full afterwards.
      let n = 0;
      for await (const page of (await store.exportEvents({ projectId })).pages) n += page.length;
      expect(n).toBe(12_000);
    } finally {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    }
  });

  it('when a transaction that took an earlier position commits late, readers do not skip it', async () => {
    const early = `test-${randomUUID()}`;
    const late = `test-${randomUUID()}`;
    const before = await readEverything(store);
    const checkpoint = before.at(-1)?.position;

    // Writer A opens a transaction, appends, and holds it open.
    const held = new pg.Client({ connectionString: db.url });
    await held.connect();
    try {
      await held.query('begin');
      await held.query('select es_append($1::jsonb)', [
        JSON.stringify([
          {
            s: early,
            t: 'test',
            e: 0,
            ev: [{ id: randomUUID(), type: 'Counted.v2', data: { n: 1, note: 'held' }, meta: buildMetadata() }],
          },
        ]),
      ]);
      // Writer B appends and commits after A began: its sequence number is later than A's.
      await store.append(late, [counted(2)], { expectedVersion: 0 });

      const whileHeld = await readEverything(store, checkpoint);
      expect(whileHeld.map((e) => e.streamId)).not.toContain(late);

      await held.query('commit');
      const after = await readEverything(store, whileHeld.at(-1)?.position ?? checkpoint);
      expect(after.map((e) => e.streamId)).toEqual([early, late]);
    } finally {
      await held.end();
    }
  });

  it('when a stored event has a retired type, it is read through its upcaster', async () => {
    const stream = `test-${randomUUID()}`;
    await db.pool.query(`insert into es_streams (stream_id, stream_type, version) values ($1, 'test', 1) on conflict do nothing`, [stream]);
    await db.pool.query(
      `insert into es_events (event_id, stream_id, stream_type, version, type, payload, metadata)
       values ($1, $2, 'test', 1, 'Counted.v1', '{"n": 7}', $3)`,
      [randomUUID(), stream, JSON.stringify(buildMetadata())],
    );
    const [event] = await store.readStream(stream);
    expect(event).toMatchObject({ type: 'Counted.v2', data: { n: 7, note: 'upcast from v1' } });
  });

  it('when a stored event of a retired type needs the earlier types of its stream, readStream, readAll and exportEvents give them to its upcaster', async () => {
    // A database of its own: the rows of an unknown retired type would break the other tests' readers.
    const own = await createTestDatabase();
    const registry = EventRegistry.of(Counted).upcast(
      'Counted.v0',
      (p, { earlierTypes }) => ({
        type: 'Counted.v2',
        data: { ...(p as object), note: `after ${[...earlierTypes].sort().join(', ') || 'nothing'}` },
      }),
      { contextual: true },
    );
    const contextual = new PostgresEventStore(own.pool, registry);
    try {
      const [s, other] = [`test-${randomUUID()}`, `test-${randomUUID()}`];
      const rows: [string, number, string, object][] = [
        [other, 1, 'Counted.v2', { n: 0, note: 'another stream' }],
        [s, 1, 'Counted.v0', { n: 1 }],
        [s, 2, 'Counted.v2', { n: 2, note: 'current' }],
        [s, 3, 'Counted.v0', { n: 3 }],
      ];
      await own.pool.query(`insert into es_streams (stream_id, stream_type, version) values ($1, 'test', 3), ($2, 'test', 1)`, [s, other]);
      for (const [streamId, version, type, payload] of rows) {
        await own.pool.query(
          `insert into es_events (event_id, stream_id, stream_type, version, type, payload, metadata) values ($1, $2, 'test', $3, $4, $5, $6)`,
          [randomUUID(), streamId, version, type, JSON.stringify(payload), JSON.stringify(buildMetadata())],
        );
      }
      const expected = [
        { type: 'Counted.v2', data: { n: 1, note: 'after nothing' } },
        { type: 'Counted.v2', data: { n: 2, note: 'current' } },
        { type: 'Counted.v2', data: { n: 3, note: 'after Counted.v0, Counted.v2' } },
      ];
      expect((await contextual.readStream(s)).map(({ type, data }) => ({ type, data }))).toEqual(expected);
      expect((await contextual.readStream(s, { from: 3 })).map(({ type, data }) => ({ type, data }))).toEqual([expected[2]]);
      const all = await readEverything(contextual);
      expect(all.filter((e) => e.streamId === s).map(({ type, data }) => ({ type, data }))).toEqual(expected);
      // And an export, whose link still names the type as stored.
      const exported = [];
      for await (const page of (await contextual.exportEvents({ streamType: 'test' })).pages) exported.push(...page);
      expect(exported.filter((e) => e.streamId === s).map(({ type, data, proof }) => ({ type, data, stored: proof?.type }))).toEqual(
        expected.map((e, i) => ({ ...e, stored: rows[i + 1]![2] })),
      );
    } finally {
      await contextual.close();
      await own.drop();
    }
  });

  describe('the events table is append-only in the database itself', () => {
    it.each([
      ['UPDATE', `update es_events set payload = '{"n": 666, "note": "forged"}'`],
      ['DELETE', 'delete from es_events'],
      ['TRUNCATE', 'truncate es_events'],
    ])('when anyone runs %s on es_events, PostgreSQL refuses it and the rows are unchanged', async (_op, sql) => {
      await store.append(`test-${randomUUID()}`, [counted(1)], { expectedVersion: 0 });
      const before = await db.pool.query(
        "select count(*)::int as n, md5(string_agg(payload::text, '' order by position)) as h from es_events",
      );
      await expect(db.pool.query(sql)).rejects.toThrow(/append-only/);
      const after = await db.pool.query(
        "select count(*)::int as n, md5(string_agg(payload::text, '' order by position)) as h from es_events",
      );
      expect(after.rows[0]).toEqual(before.rows[0]);
      expect(before.rows[0].n).toBeGreaterThan(0);
    });
  });
});
