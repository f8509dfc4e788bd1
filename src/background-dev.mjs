// A TypeScript module as a worker thread (src/background-thread.ts threadOf): tsx's loader is
// registered for this thread first (a worker does not inherit the loaders of the thread that starts it).
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
