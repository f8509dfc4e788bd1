import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/database.js';
import { prepared } from '../../src/db/prepared.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe("the service's connections", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('run with the JIT compiler off, whatever the server says', async () => {
    const plain = new pg.Client({ connectionString: db.url });
    await plain.connect();
    try {
      // The server's own default is on (PostgreSQL's default): the pool turns it off for its sessions.
      expect((await plain.query<{ jit: string }>('show jit')).rows[0]!.jit).toBe('on');
    } finally {
      await plain.end();
    }
    const { rows } = await db.pool.query<{ jit: string }>('show jit');
    expect(rows[0]!.jit).toBe('off');
  });

  it('keep the options the connection string already has', async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c search_path=public,pg_catalog');
    const pool = createPool(url.toString(), 1);
    try {
      const { rows } = await pool.query<{ jit: string; path: string }>(
        `select current_setting('jit') as jit, current_setting('search_path') as path`,
      );
      expect(rows[0]).toEqual({ jit: 'off', path: 'public,pg_catalog' });
    } finally {
      await pool.end();
    }
  });
});

describe('statements the service repeats', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const preparedOn = async (client: pg.PoolClient, text: string) =>
    (await client.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where statement = $1', [text])).rows[0]!.n;

  it('are prepared once per connection when marked, and answer as before; unmarked ones never are', async () => {
    const pool = createPool(db.url, 1);
    const text = prepared(`select $1::text || '-' || $2::int as v /* ${randomUUID()} */`);
    const unmarked = `select $1::int as v /* ${randomUUID()} */`;
    try {
      const client = await pool.connect();
      try {
        const answers: string[] = [];
        for (let i = 0; i < 3; i++) {
          answers.push((await client.query<{ v: string }>(text, ["a'b", i])).rows[0]!.v);
          await client.query(unmarked, [i]);
          // One prepared statement from the first run on, however often it runs.
          expect(await preparedOn(client, text)).toBe(1);
        }
        expect(answers).toEqual(["a'b-0", "a'b-1", "a'b-2"]);
        expect(await preparedOn(client, unmarked)).toBe(0);
        // The same text as a config object shares the name; an error in one run leaves the statement usable.
        await expect(client.query({ text, values: ['x', 'not a number'] })).rejects.toThrow(/integer/);
        expect((await client.query<{ v: string }>({ text, values: ['x', 7] })).rows[0]!.v).toBe('x-7');
        expect(await preparedOn(client, text)).toBe(1);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('are left unnamed without values, and a name given is kept', async () => {
    const pool = createPool(db.url, 1);
    const bare = prepared(`select 1 as v /* ${randomUUID()} */`);
    const named = prepared(`select $1::int as v /* ${randomUUID()} */`);
    try {
      const client = await pool.connect();
      try {
        for (let i = 0; i < 4; i++) await client.query(bare);
        for (let i = 0; i < 4; i++) await client.query({ name: 'mine', text: named, values: [i] });
        const { rows } = await client.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements');
        expect(rows.filter((r) => r.statement === bare)).toEqual([]);
        expect(rows.filter((r) => r.statement === named).map((r) => r.name)).toEqual(['mine']);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});
