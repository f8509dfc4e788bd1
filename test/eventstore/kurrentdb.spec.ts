import { BACKWARDS, END } from '@kurrent/kurrentdb-client';
import { afterAll, beforeAll, describe } from 'vitest';
import { KurrentDbEventStore } from '../../src/eventstore/kurrentdb/adapter.js';
import { checkKurrentDbConnection, createKurrentDbClient } from '../../src/eventstore/kurrentdb/connect.js';
import { toGlobalPosition } from '../../src/eventstore/kurrentdb/mapping.js';
import type { EventStore, QueryEventsOptions, ReadAllOptions } from '../../src/eventstore/port.js';
import { comparePositions, START, type GlobalPosition } from '../../src/eventstore/position.js';
import { testRegistry } from '../support/builders.js';
import { eventStoreContract } from './contract.js';

/**
 * The same contract as the PostgreSQL adapter, against a real KurrentDB:
 *   docker compose -f docker/compose.yml up kurrentdb
 *   KURRENTDB_URL='kurrentdb://localhost:2113?tls=false' npx vitest run test/eventstore/kurrentdb.spec.ts
 *
 * A server is shared between runs, and $all keeps every earlier run's events (and maybe
 * other programs' events, whose types this test registry does not know). The harness
 * therefore starts "from the beginning" at the end of $all as it was when the suite began;
 * the contract's own checks then filter by the streams each test created.
 */
const url = process.env.KURRENTDB_URL;

describe.skipIf(!url)('KurrentDB event store contract — requires KURRENTDB_URL (no KurrentDB server can run in CI here)', () => {
  let store: KurrentDbEventStore;
  let baseline: GlobalPosition = START;

  beforeAll(async () => {
    const client = createKurrentDbClient(url!);
    await checkKurrentDbConnection(client, 5000);
    for await (const r of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1n })) {
      const p = r.link?.position ?? r.event?.position;
      if (p) baseline = toGlobalPosition(p);
    }
    store = new KurrentDbEventStore(client, testRegistry());
  });
  afterAll(async () => {
    await store?.close();
  });

  const fromBaseline: EventStore = {
    append: (...a) => store.append(...a),
    readStream: (...a) => store.readStream(...a),
    readAll: (o: ReadAllOptions) => store.readAll({ ...o, after: comparePositions(o.after, baseline) < 0 ? baseline : o.after }),
    queryEvents: (o: QueryEventsOptions) =>
      store.queryEvents({ ...o, after: comparePositions(o.after, baseline) < 0 ? baseline : o.after }),
    // The contract exports by project only: the server-side filter keeps earlier runs' (and other programs') events out.
    exportEvents: (...a) => store.exportEvents(...a),
    countAfter: (after, cap) => store.countAfter(comparePositions(after, baseline) < 0 ? baseline : after, cap),
    findIdempotentResult: (...a) => store.findIdempotentResult(...a),
    close: () => Promise.resolve(),
  };

  eventStoreContract({ store: () => fromBaseline });
});
