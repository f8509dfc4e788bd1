/*
 * Work over many rows as a generator that pauses (`yield`) every so many rows: still a pure
 * function of its input, whoever drives it. {@link drain} runs it through at once (a decider, a
 * small file); the application drives large ones a time slice at a time so requests are served
 * in between (src/time-slices.ts).
 */

/** A computation over rows that pauses between steps and returns `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Rows between pauses. */
export const ROWS_PER_STEP = 250;

/** Runs the steps through at once. */
export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
