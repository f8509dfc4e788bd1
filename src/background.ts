import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from './config.js';
import { createLogger } from './logger.js';
import { createService } from './service.js';
import { yieldProcessorToRequests } from './thread-priority.js';

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
