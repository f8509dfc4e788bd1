import type request from 'supertest';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import { TEST_JWT_SECRET } from './auth.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  readonly service: Service;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real service on its own fresh database, projections running live. Tokens are checked
 * against TEST_JWT_SECRET unless env says otherwise (an empty value unsets a variable).
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // The background work in the test's own thread, unless a test asks for the thread (test/http/background-thread.spec.ts).
  const config = loadConfig({
    NODE_ENV: 'test',
    PROJECTION_POLL_MS: '50',
    BACKGROUND_THREAD: 'false',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  const service = await createService(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), db.url);
  return {
    service,
    db,
    async close() {
      await service.close();
      await db.drop();
    },
  };
}

/** Counts stored events, to prove that a refused request appended nothing. */
export async function eventCount(app: TestApp): Promise<number> {
  const { rows } = await app.db.pool.query<{ n: number }>('select count(*)::int as n from es_events');
  return rows[0]!.n;
}

/**
 * supertest parser for bodies it does not decode itself (JSON Lines, CSV exports):
 * `.buffer(true).parse(asText)` leaves the body as one UTF-8 string.
 */
export const asText = (res: request.Response, done: (err: Error | null, body: string) => void): void => {
  // What supertest hands a parser is the raw response stream, whatever its type says.
  const stream = res as unknown as NodeJS.ReadableStream;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  stream.on('end', () => done(null, text));
};
