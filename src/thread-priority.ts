import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The background thread's niceness: busy processors go to the request thread first. */
const BACKGROUND_NICE = 10;

/**
 * Requests first: on Linux the calling thread (its own task, /proc/thread-self) is given a lower
 * scheduling priority, so when the processors are busy the request thread gets them first and
 * this thread's work takes what is left. Elsewhere, or where it is not allowed, it runs as it is.
 */
export function yieldProcessorToRequests(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid !== process.pid) setPriority(tid, BACKGROUND_NICE);
  } catch {
    // Not Linux, or not permitted: same priority as the requests.
  }
}
