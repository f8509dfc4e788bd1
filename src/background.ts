import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { createService } from './service.js';

/*
 * The background thread (src/background-thread.ts starts it): the same service on the same
 * database, running what the request thread hands off: the projection runners, the hash-chain
 * keeper, the workflow process manager and import jobs. It serves no HTTP.
 */

/** What the request thread passes to the background thread. */
export interface BackgroundData {
  config: Config;
  url: string;
  logLevel: string;
}

/** Messages from the request thread. */
export type ToBackground = { type: 'import-job'; jobId: string } | { type: 'stop' };
/** Messages to the request thread. */
export type FromBackground = { type: 'ready' } | { type: 'stopped' };

/**
 * Requests first: on Linux this thread (its own task, /proc/thread-self) is given a lower
 * scheduling priority, so when the processors are busy the request thread gets them first and
 * this work takes what is left. Elsewhere, or where it is not allowed, it runs as it is.
 */
function yieldProcessorToRequests(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid !== process.pid) setPriority(tid, BACKGROUND_NICE);
  } catch {
    // Not Linux, or not permitted: same priority as the requests.
  }
}

const BACKGROUND_NICE = 10;
yieldProcessorToRequests();
const port = parentPort!;
const { config, url, logLevel } = workerData as BackgroundData;
const logger = createLogger(logLevel).child({ thread: 'background' });
const service = await createService(config, logger, url, { inBackgroundThread: true });
const send = (message: FromBackground) => port.postMessage(message);
port.on('message', (message: ToBackground) => {
  if (message.type === 'import-job') service.application.importJobs.runner.enqueue(message.jobId);
  else
    void service.close().then(
      () => send({ type: 'stopped' }),
      (err: unknown) => {
        logger.error({ err }, 'background thread did not stop cleanly');
        send({ type: 'stopped' });
      },
    );
});
send({ type: 'ready' });
