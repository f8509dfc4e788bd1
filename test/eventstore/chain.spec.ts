import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { extendChain, GENESIS, verifyChain } from '../../src/eventstore/postgres/chain.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { counted, testRegistry } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

/** A database with 3 streams × 4 events, all linked: 12 links. */
async function chainedLog(): Promise<{ db: TestDatabase; store: PostgresEventStore }> {
  db = await createTestDatabase();
  // The test registry knows only Counted; the store is typed as the port's, like the contract suite's.
  const store: PostgresEventStore = new PostgresEventStore(db.pool, testRegistry());
  for (let i = 0; i < 4; i++) {
    for (const s of ['test-a', 'test-b', 'test-c']) await store.append(s, [counted(i)], { expectedVersion: i });
  }
  expect(await extendChain(db.pool, 5)).toBe(5);
  expect(await extendChain(db.pool, 100)).toBe(7);
  expect(await extendChain(db.pool, 100)).toBe(0);
  return { db, store };
}

/** Runs SQL as someone with direct database access, past the append-only triggers. */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: db!.url });
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

const positionOf = async (seq: number) =>
  (await db!.pool.query<{ position: string }>('select position::text from es_chain where chain_seq = $1', [seq])).rows[0]!.position;

describe('tamper-evident event log', () => {
  it('when nothing was touched, the whole chain verifies and its head is reported as an anchor', async () => {
    await chainedLog();
    const report = await verifyChain(db!.pool);
    expect(report).toMatchObject({ ok: true, pending: 0, firstProblem: null, head: { seq: 12 } });
    expect(report.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when the chain is recomputed by the documented algorithm from the rows as stored, it gives the same head', async () => {
    await chainedLog();
    const { rows } = await db!.pool.query<{ input: Buffer }>(
      `select es_chain_input(e) as input from es_events e order by e.transaction_id, e.position`,
    );
    const head = rows.reduce((prev, r) => createHash('sha256').update(prev).update(r.input).digest(), GENESIS);
    expect(head.toString('hex')).toBe((await verifyChain(db!.pool)).head.hash);
    // The input is plain text an auditor can rebuild from an export.
    expect(rows[0]!.input.toString('utf8').split('\n')).toHaveLength(7);
  });

  it('when events arrive after the last link, they are pending, not a problem, until linked', async () => {
    const { store } = await chainedLog();
    await store.append('test-d', [counted(1)], { expectedVersion: 0 });
    expect(await verifyChain(db!.pool)).toMatchObject({ ok: true, pending: 1 });
    await extendChain(db!.pool, 100);
    expect(await verifyChain(db!.pool)).toMatchObject({ ok: true, pending: 0, head: { seq: 13 } });
  });

  it('when an event row is altered in SQL, verification fails at exactly that link', async () => {
    await chainedLog();
    const position = await positionOf(6);
    await tamper(`update es_events set payload = '{"n": 999, "note": "forged"}' where position = $1`, [position]);
    expect((await verifyChain(db!.pool)).firstProblem).toMatchObject({ chainSeq: 6, position, reason: 'hash' });
  });

  it('when an event row is deleted in SQL, verification fails at its link', async () => {
    await chainedLog();
    const position = await positionOf(4);
    await tamper('delete from es_events where position = $1', [position]);
    expect((await verifyChain(db!.pool)).firstProblem).toMatchObject({ chainSeq: 4, position, reason: 'missing' });
  });

  it('when two event rows swap their content (reordering), verification fails at the first of them', async () => {
    await chainedLog();
    const [p3, p9] = [await positionOf(3), await positionOf(9)];
    await tamper(
      `update es_events a set payload = b.payload from es_events b
        where (a.position, b.position) in (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
      [p3, p9],
    );
    expect((await verifyChain(db!.pool)).firstProblem).toMatchObject({ chainSeq: 3, reason: 'hash' });
  });

  it('when an event row is inserted inside the linked range, verification names it as unlinked at its place', async () => {
    await chainedLog();
    const { rows } = await db!.pool.query<{ tx: string }>('select transaction_id::text as tx from es_chain where chain_seq = 5');
    await tamper(
      `insert into es_events (transaction_id, event_id, stream_id, stream_type, version, type, payload, metadata)
       values ($1::text::xid8, $2, 'test-a', 'test', 99, 'Counted.v2', '{"n": 1, "note": "slipped in"}', '{}')`,
      [rows[0]!.tx, randomUUID()],
    );
    const problem = (await verifyChain(db!.pool)).firstProblem;
    expect(problem).toMatchObject({ reason: 'unchained', chainSeq: 6 });
  });

  it('when a link is deleted from the chain itself, verification fails where it was: its event is no longer linked', async () => {
    await chainedLog();
    const position = await positionOf(7);
    await tamper('delete from es_chain where chain_seq = 7');
    expect((await verifyChain(db!.pool)).firstProblem).toMatchObject({ chainSeq: 7, position, reason: 'unchained' });
  });

  it('when a link and its event are both deleted, verification reports the gap in the chain', async () => {
    await chainedLog();
    const position = await positionOf(7);
    await tamper('delete from es_chain where chain_seq = 7');
    await tamper('delete from es_events where position = $1', [position]);
    expect((await verifyChain(db!.pool)).firstProblem).toMatchObject({ chainSeq: 8, reason: 'gap' });
  });

  it('when the chain table is touched without bypassing the triggers, PostgreSQL refuses it', async () => {
    await chainedLog();
    await expect(db!.pool.query('delete from es_chain')).rejects.toThrow(/append-only/);
    await expect(db!.pool.query("update es_chain set hash = '\\x00'")).rejects.toThrow(/append-only/);
  });
});
