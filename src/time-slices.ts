import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Steps } from './domain/steps.js';

/** Longest stretch of steps run before the requests waiting are served. */
const SLICE_MS = 10;

/**
 * Runs the steps a time slice at a time, serving the requests waiting in between: reading and
 * checking a 100,000-row file, or a projection's batch of events, takes far longer than a
 * request should wait.
 */
export async function inSlices<T>(steps: Steps<T>): Promise<T> {
  let until = performance.now() + SLICE_MS;
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() >= until) {
      await yieldToRequests();
      until = performance.now() + SLICE_MS;
    }
  }
}
