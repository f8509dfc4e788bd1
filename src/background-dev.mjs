// Under tsx (development, tests) the background thread is TypeScript: tsx's loader is registered
// for that thread first (a worker does not inherit the loaders of the thread that starts it).
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
