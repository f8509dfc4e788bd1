import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/application/caller.js';
import { on } from '../../src/application/command.js';
import { createEventRegistry } from '../../src/domain/events.js';
import { IllegalTransition } from '../../src/domain/errors.js';
import { fundStream, fundStreamId, type FundCommand } from '../../src/domain/fund/decider.js';
import { IdempotencyKeyReused } from '../../src/eventstore/errors.js';
import type { EventStore } from '../../src/eventstore/port.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/*
 * The write path's Idempotency-Key at the store (src/application/command.ts): what keeps a retry
 * from storing anything twice when the HTTP answer was never kept (a crash, a lost connection).
 */
describe('a command retried with its idempotency key', () => {
  let db: TestDatabase;
  let store: EventStore;
  let lookups: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    const inner = new PostgresEventStore(db.pool, createEventRegistry());
    // The store as it is, with its key lookups counted.
    store = Object.assign(Object.create(inner) as EventStore, {
      findIdempotentResult: (key: string, fingerprint: string) => {
        lookups++;
        return inner.findIdempotentResult(key, fingerprint);
      },
    });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const funds = () => on({ store, clock: () => new Date() }, fundStream);
  const caller = (key: string, fingerprint = 'register'): Caller => ({
    user: { id: 'admin', name: 'admin', organisation: '90009963334', role: 'admin', roles: ['admin'] },
    requestId: randomUUID(),
    correlationId: randomUUID(),
    idempotency: { key, fingerprint },
  });
  const register =
    (code: string): ((context: FundCommand['context']) => FundCommand) =>
    (context) => ({
      type: 'RegisterFund',
      data: { code, name: { lv: 'Fonds', en: 'Fund' }, kind: 'eu' },
      context,
    });
  const stored = async (code: string) => (await store.readStream(fundStreamId(code))).length;

  it('costs no lookup the first time; a retry the decider now refuses answers as the first and stores nothing', async () => {
    const code = `F${randomUUID().slice(0, 8).toUpperCase()}`;
    const key = randomUUID();
    lookups = 0;
    const first = await funds().execute(fundStreamId(code), caller(key), register(code));
    expect(first).toMatchObject({ replayed: false, version: 1 });
    expect(lookups).toBe(0);
    // The fund exists now: registering it again is refused, unless this is the same request again.
    const retry = await funds().execute(fundStreamId(code), caller(key), register(code));
    expect(retry).toMatchObject({ replayed: true, version: 1, eventIds: first.eventIds });
    expect(lookups).toBe(1);
    await expect(funds().execute(fundStreamId(code), caller(randomUUID()), register(code))).rejects.toBeInstanceOf(IllegalTransition);
    expect(await stored(code)).toBe(1);
  });

  it('a retry whose decision is accepted again is recognised by the append, which stores nothing; its answer is the first', async () => {
    const code = `F${randomUUID().slice(0, 8).toUpperCase()}`;
    const key = randomUUID();
    const rename = (context: FundCommand['context']): FundCommand => ({
      type: 'RenameFund',
      data: { code, name: { lv: 'Jauns', en: 'New' }, reason: 'typo' },
      context,
    });
    await funds().execute(fundStreamId(code), caller(randomUUID()), register(code));
    const first = await funds().execute(fundStreamId(code), caller(key, 'rename'), rename);
    lookups = 0;
    const retry = await funds().execute(fundStreamId(code), caller(key, 'rename'), rename);
    expect(retry).toMatchObject({ replayed: true, version: 2, eventIds: first.eventIds });
    expect(lookups).toBe(1);
    expect(await stored(code)).toBe(2);
    // The same key with another request is refused, whether the append or the lookup finds it.
    await expect(funds().execute(fundStreamId(code), caller(key, 'other'), rename)).rejects.toBeInstanceOf(IdempotencyKeyReused);
    await expect(funds().execute(fundStreamId(code), caller(key, 'other'), register(code))).rejects.toBeInstanceOf(IdempotencyKeyReused);
    expect(await stored(code)).toBe(2);
  });

  it('a retry that decides a new stream (a draft draws a new id each time) answers with the first stream and stores nothing in the new one', async () => {
    const key = randomUUID();
    const [a, b] = [`F${randomUUID().slice(0, 8).toUpperCase()}`, `F${randomUUID().slice(0, 8).toUpperCase()}`];
    const first = await funds().execute(fundStreamId(a), caller(key), register(a));
    const retry = await funds().execute(fundStreamId(b), caller(key), register(b));
    expect(retry).toMatchObject({ replayed: true, streamId: fundStreamId(a), version: 1, eventIds: first.eventIds });
    expect(retry.state).toMatchObject({ status: 'active', code: a });
    expect(await stored(b)).toBe(0);
  });
});
