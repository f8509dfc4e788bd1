import { Worker } from 'node:worker_threads';
import type { BackgroundData, FromBackground, ToBackground } from './background.js';
import type { Logger } from './logger.js';

/**
 * A worker thread running `entry` with `data`: a compiled module directly, a TypeScript one
 * (development, tests, benches under tsx) through src/background-dev.mjs, which registers tsx's
 * loader for that thread first (a worker does not inherit the loaders of the thread that starts it).
 */
export function threadOf(entry: URL, data: object): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: data });
  return new Worker(new URL('./background-dev.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } });
}

/**
 * The request thread's handle on the background thread (src/background.ts): starts it, tells it
 * of new import jobs, starts it again after a failure (the database gone a while) with a backoff,
 * and stops it at a batch boundary.
 */
export class BackgroundThread {
  private worker?: Worker;
  private stopping = false;
  private backoffMs = 1000;
  private restart?: NodeJS.Timeout;

  constructor(
    private readonly data: BackgroundData,
    private readonly logger: Logger,
    /** How long a stop waits for the thread's batches in hand before the thread is terminated. */
    private readonly stopGraceMs = 30_000,
  ) {}

  /** Starts the thread; resolves once its service runs (or it failed, to be started again). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      // Compiled (dist/) background.js next to this module, or under tsx background.ts.
      const worker = threadOf(new URL(import.meta.url.endsWith('.ts') ? './background.ts' : './background.js', import.meta.url), this.data);
      this.worker = worker;
      worker.on('message', (message: FromBackground) => {
        if (message.type === 'ready') {
          this.backoffMs = 1000;
          this.logger.info('background thread running (projections, hash chain, workflows, import jobs)');
          resolve();
        }
      });
      worker.on('error', (err) => this.logger.error({ err }, 'background thread failed'));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        resolve();
        if (this.stopping) return;
        this.logger.error({ code, retryInMs: this.backoffMs }, 'background thread stopped; starting it again');
        this.restart = setTimeout(() => void this.start(), this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
      });
    });
  }

  /** A job was started here: the background thread runs it now (it would find it at its next scan anyway). */
  importJobStarted(jobId: string): void {
    this.post({ type: 'import-job', jobId });
  }

  /** Lets the thread finish the batches and chunks in hand, then ends it. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          { graceMs: this.stopGraceMs },
          'background thread still busy after the grace; ending it (an unfinished batch is redone at the next start)',
        );
        resolve();
      }, this.stopGraceMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.on('message', (message: FromBackground) => message.type === 'stopped' && done());
      worker.once('exit', done);
      this.post({ type: 'stop' });
    });
    await worker.terminate();
  }

  private post(message: ToBackground): void {
    this.worker?.postMessage(message);
  }
}
