import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { doubleFundingProjection } from '../projections/double-funding/projection.js';
import { createPool } from '../src/db/database.js';
import { createEventRegistry } from '../src/domain/events.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../src/projection-engine/manager.js';
import { yieldProcessorToRequests } from '../src/thread-priority.js';

/*
 * The alerts bench's double-funding runner, live in a thread of its own at a lower priority, as
 * the service runs its runners (src/background.ts): started by bench/alerts.ts, stopped by any message.
 */

export interface RunnerData {
  url: string;
  nearDays: number;
  settleMs: number;
}

const { url, nearDays, settleMs } = workerData as RunnerData;
yieldProcessorToRequests();
const pool = createPool(url, 4, () => undefined);
const store = new PostgresEventStore(pool, createEventRegistry());
const manager = new ProjectionManager(pool, store, [doubleFundingProjection(nearDays)], {
  batchSize: 5000,
  pollMs: 500,
  settleMs,
  logger: pino({ level: 'silent' }),
  listenUrl: url,
});
await manager.start();
parentPort!.once('message', () => {
  void manager
    .stop()
    .then(() => store.close())
    .then(() => pool.end())
    .finally(() => parentPort!.postMessage('stopped'));
});
parentPort!.postMessage('started');
