import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSnapshot, plannedOn } from '../../projections/double-funding/facts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** Statements prepared once per connection and executed with their parameters written as literals (projections/double-funding/facts.ts). */
describe('planned statements', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const text = `select $1::text[] as texts, $2::int as n, $3::timestamptz as at, $4::uuid[] as ids, $5::text as one,
                       current_setting('enable_seqscan') as seqscan, current_setting('transaction_read_only') as read_only`;
  const hostile = [`a"b`, `c\\d`, `{e,f}`, `g'h`, 'NULL', '', ' i ', 'ķēde ž'];

  it('pass every value as it was given, however it is written', async () => {
    const at = new Date('2026-03-31T23:59:59.123Z');
    const ids = ['0b9b7e3a-7c1e-4a8e-9a51-0d2d3f0d9c11'];
    for (let i = 0; i < 3; i++) {
      // The first call on a connection prepares the statement, the later ones only execute it.
      const [row] = await inSnapshot(db.pool, (query) =>
        query<Record<string, unknown>>('t_echo', text, [hostile, 7, at, ids, `x'); drop table es_events; --`]),
      );
      expect(row).toEqual({ texts: hostile, n: 7, at, ids, one: `x'); drop table es_events; --`, seqscan: 'off', read_only: 'on' });
    }
    const [nulls] = await inSnapshot(db.pool, (query) => query<Record<string, unknown>>('t_echo', text, [null, 0, 'infinity', null, null]));
    expect(nulls).toMatchObject({ texts: null, n: 0, at: Infinity, ids: null, one: null });
    expect((await db.pool.query(`select to_regclass('es_events') is not null as present`)).rows[0]).toEqual({ present: true });
  });

  it("inside a caller's transaction, hold the plan settings for the statement alone", async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      const [row] = await plannedOn(client)<{ seqscan: string }>('t_echo', text, [[], 1, new Date(), [], 'x']);
      expect(row!.seqscan).toBe('off');
      expect((await client.query<{ s: string }>(`select current_setting('enable_seqscan') as s`)).rows[0]!.s).toBe('on');
      await client.query('rollback');
      // The statement prepared inside the rolled-back transaction is still there: executing it again must not prepare it twice.
      const [again] = await plannedOn(client)<{ n: number }>('t_echo', text, [[], 2, new Date(), [], 'x']);
      expect(again!.n).toBe(2);
    } finally {
      client.release();
    }
  });
});
