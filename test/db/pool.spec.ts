import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/database.js';
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
