import { ValidateError } from '@tsoa/runtime';
import { describe, expect, it } from 'vitest';
import { parseAsOf } from '../../src/http/views/as-of.js';

const now = new Date('2026-11-23T14:00:00.000Z');

describe('asOf', () => {
  it('when absent, it is now', () => expect(parseAsOf(undefined, now)).toEqual(now));

  it('when a past date, it is the end of that day (UTC), so everything recorded that day counts', () =>
    expect(parseAsOf('2024-06-30', now)).toEqual(new Date('2024-06-30T23:59:59.999Z')));

  it('when today, it is now: the rest of the day has not happened yet', () => expect(parseAsOf('2026-11-23', now)).toEqual(now));

  it('when a zoned date-time, it is that instant', () =>
    expect(parseAsOf('2024-07-01T09:00:00+03:00', now)).toEqual(new Date('2024-07-01T06:00:00.000Z')));

  it('when tomorrow, a later instant, no zone, or not a calendar date, it is refused naming asOf', () => {
    for (const bad of ['2026-11-24', '2026-11-23T14:00:01Z', '2024-07-01T09:00:00', '2024-02-30', '30.06.2024']) {
      expect(() => parseAsOf(bad, now), bad).toThrow(ValidateError);
      try {
        parseAsOf(bad, now);
      } catch (err) {
        expect(Object.keys((err as ValidateError).fields)).toEqual(['asOf']);
      }
    }
  });
});
