import { describe, expect, it } from 'vitest';
import { inSlices } from '../../src/time-slices.js';
import { drain, type Steps } from '../../src/domain/steps.js';

/** 200 steps of ~1 ms of processor each, then their count. */
function* busy(): Steps<number> {
  let n = 0;
  for (; n < 200; n++) {
    const until = performance.now() + 1;
    while (performance.now() < until);
    yield;
  }
  return n;
}

/** How often a 2 ms timer fired while `work` ran. */
async function timerTicksDuring(work: () => Promise<number> | number): Promise<{ result: number; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 2);
  try {
    const result = await work();
    return { result, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('work over many rows in steps', () => {
  it('when driven at once, it returns its result and nothing else runs meanwhile', async () => {
    expect(await timerTicksDuring(() => drain(busy()))).toEqual({ result: 200, ticks: 0 });
  });

  it('when driven in time slices, it returns the same result and timers (requests) run in between', async () => {
    const { result, ticks } = await timerTicksDuring(() => inSlices(busy()));
    expect(result).toBe(200);
    // ~200 ms of work in 10 ms slices: the timer gets a turn after each slice.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });
});
