import { describe, expect, it } from 'vitest';
import { inTableOrder } from '../../projections/progress/evaluate.js';

const line = (fund: string, investment: string, level: 'investment' | 'project', code: string, indicatorId: string) => ({
  fund,
  programme: fund === 'RRF' ? 'ANM' : 'ESIF',
  period: fund === 'RRF' ? '2021-2026' : '2021-2027',
  investment,
  level,
  code,
  indicatorId,
});

describe('progress table order', () => {
  it('when lines arrive in any order, they come out by fund, programme, period, investment, investment level first, code and id', () => {
    const expected = [
      line('ERDF', '1.3.1.1', 'project', 'RCO01', 'a'),
      line('RRF', '2.1.2.1.i', 'investment', 'T1', 'z'),
      line('RRF', '2.1.2.1.i', 'project', 'RCR11', 'b'),
      line('RRF', '2.1.2.1.i', 'project', 'RCR11', 'c'),
      line('RRF', '2.3.1.2.i', 'investment', 'T1', 'd'),
      line('RRF', '2.3.1.2.i', 'investment', 'T2', 'e'),
    ];
    const scrambled = [4, 2, 5, 0, 3, 1].map((i) => expected[i]!);
    expect(inTableOrder(scrambled)).toEqual(expected);
    expect(scrambled[0]).toBe(expected[4]); // the input is left as it was
  });
});
