import { describe, expect, it } from 'vitest';
import { comparePositions, formatPosition, InvalidPosition, parsePosition } from '../../src/eventstore/position.js';

describe('global position', () => {
  it('when formatted and parsed back, it is the same position, beyond the range of a JS number', () => {
    const p = { transactionId: 18446744073709551615n, sequence: 9007199254740993n };
    expect(parsePosition(formatPosition(p))).toEqual(p);
  });

  it('when compared, the transaction id decides before the sequence', () => {
    expect(comparePositions(parsePosition('5.900'), parsePosition('6.1'))).toBe(-1);
    expect(comparePositions(parsePosition('6.2'), parsePosition('6.1'))).toBe(1);
    expect(comparePositions(parsePosition('6.1'), parsePosition('6.1'))).toBe(0);
  });

  it.each(['', '12', '1.2.3', '-1.2', 'a.b', '1.2 '])('when "%s" is parsed, it is refused', (v) => {
    expect(() => parsePosition(v)).toThrow(InvalidPosition);
  });
});
