import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../src/auth/principal.js';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { EventStore, NewEvent, AppendOptions, AppendResult } from '../../src/eventstore/port.js';
import type { Service } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { caller, castOf, SEED_CALLER, type Caller } from './seeded.js';

/** A test file's database and the service running on it now, which a test may stop and start again. */
export interface Restartable {
  readonly db: TestDatabase;
  readonly service: Service;
  /** Stops the service as a crash or SIGTERM leaves things, and starts `next` (default: as at first) on the same database. */
  restart(next?: (db: TestDatabase) => Promise<Service>): Promise<void>;
}

/**
 * Restart tests: one database for the file with the reference data seeded, a service on it
 * started by `start`, tokens for the cast; `as('anna')` reaches whichever service runs now.
 */
export function restartableSuite(
  cast: Record<string, readonly [string, readonly Role[], string]>,
  start: (db: TestDatabase) => Promise<Service>,
): { suite: Restartable; as: Caller } {
  const tokens: Record<string, string> = {};
  let db: TestDatabase | undefined;
  let service: Service | undefined;
  const suite: Restartable = {
    get db() {
      return db!;
    },
    get service() {
      return service!;
    },
    async restart(next = start) {
      await service!.close();
      service = await next(db!);
    },
  };
  beforeAll(async () => {
    db = await createTestDatabase();
    service = await start(db);
    await seedReferenceData(service.context, SEED_DATA, SEED_CALLER);
    Object.assign(tokens, await castOf(cast));
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });
  return { suite, as: caller(() => ({ service: suite.service, db: suite.db, close: () => Promise.resolve() }), tokens) };
}

/** The store with every call handed to `inner`, but appends through `append` (to inject failures). */
export function withAppend(
  inner: EventStore<AnyEvent>,
  append: (streamId: string, events: readonly NewEvent<AnyEvent>[], options: AppendOptions) => Promise<AppendResult>,
): EventStore<AnyEvent> {
  return {
    append,
    readStream: (streamId, options) => inner.readStream(streamId, options),
    readAll: (options) => inner.readAll(options),
    queryEvents: (options) => inner.queryEvents(options),
    exportEvents: (query) => inner.exportEvents(query),
    countAfter: (after, cap) => inner.countAfter(after, cap),
    findIdempotentResult: (key, fingerprint) => inner.findIdempotentResult(key, fingerprint),
    close: () => inner.close(),
  };
}
