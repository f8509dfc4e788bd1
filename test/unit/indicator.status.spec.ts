import { describe, expect, it } from 'vitest';
import { percentOfTarget, progressStatus, sumSeries, valuesAsOf, type Point, type StatusInput } from '../../src/domain/indicator/status.js';
import { entry } from '../support/indicator-builders.js';

const p = (value: number, asOfDate: string, qualifier: Point['qualifier'] = 'exact'): Point => ({ value, asOfDate, qualifier });

/** 2.3.1.2.i's first step: 1,080 companies supported by 2024-06-30, from none in mid-2021. */
const companies = (series: Point[], asOfDate: string, overrides: Partial<StatusInput> = {}) =>
  progressStatus({
    kind: 'target',
    baseline: { value: 0, date: '2021-07-01' },
    target: { value: 1_080, dueDate: '2024-06-30' },
    series,
    asOfDate,
    ...overrides,
  });

describe('progress status around a due date (2.3.1.2.i: 1,080 companies by 2024-06-30)', () => {
  const short = [p(300, '2023-06-30'), p(1_000, '2024-03-31')];

  it('when 80 remain 76 days before the due date and the recent pace was 2.5 a day, it is on track', () =>
    expect(companies(short, '2024-04-15')).toBe('on_track'));

  it('when 80 remain the day before the due date, the pace needed (80 a day) is above the recent pace, so it is at risk', () =>
    expect(companies(short, '2024-06-29')).toBe('at_risk'));

  it('when the due date itself comes and the target is not reached, it is at risk, not yet overdue', () =>
    expect(companies(short, '2024-06-30')).toBe('at_risk'));

  it('when the due date has passed and the target is not reached, it is overdue', () =>
    expect(companies(short, '2024-07-01')).toBe('overdue'));

  it('when a verified value reaches the target, it is achieved before, on and after the due date', () => {
    const reached = [...short, p(1_080, '2024-06-15', 'more_than')];
    for (const day of ['2024-06-20', '2024-06-30', '2025-01-01']) expect(companies(reached, day), day).toBe('achieved');
  });

  it('when nothing is verified yet, it is not started before the due date and overdue after it', () => {
    expect(companies([], '2024-06-30')).toBe('not_started');
    expect(companies([], '2024-07-01')).toBe('overdue');
  });
});

describe('the pace rule', () => {
  it('when the last two values grew slower than what is still needed per day, it is at risk', () =>
    // 100 in 183 days recently; 580 needed in 365 days.
    expect(companies([p(400, '2022-12-31'), p(500, '2023-07-02')], '2023-07-02')).toBe('at_risk'));

  it('when the last two values grew faster than what is still needed per day, it is on track', () =>
    // 400 in 183 days recently; 280 needed in 365 days.
    expect(companies([p(400, '2022-12-31'), p(800, '2023-07-02')], '2023-07-02')).toBe('on_track'));

  it('when there is one value, the pace runs from the baseline to it', () => {
    // 500 in 730 days ≈ 0.68 a day; 580 needed in 365 days ≈ 1.59 a day.
    expect(companies([p(500, '2023-07-01')], '2023-07-01')).toBe('at_risk');
    // 900 in 730 days ≈ 1.23 a day; 180 needed in 365 days ≈ 0.49 a day.
    expect(companies([p(900, '2023-07-01')], '2023-07-01')).toBe('on_track');
  });

  it('when the target is a reduction (below the baseline), reaching down to it is achieved and pace is judged downwards', () => {
    const reduce = { baseline: { value: 100, date: '2022-01-01' }, target: { value: 40, dueDate: '2024-12-31' } };
    expect(companies([p(40, '2024-06-30')], '2024-07-01', reduce)).toBe('achieved');
    expect(companies([p(45, '2024-06-30')], '2024-07-01', reduce)).toBe('on_track');
    expect(companies([p(99, '2024-06-30')], '2024-07-01', reduce)).toBe('at_risk');
  });
});

describe('milestones (qualitative)', () => {
  const plans = (series: Point[], asOfDate: string) =>
    progressStatus({ kind: 'milestone', baseline: null, target: { value: null, dueDate: '2023-03-31' }, series, asOfDate });

  it('when nothing is verified before the due date, it is not started', () => expect(plans([], '2023-03-01')).toBe('not_started'));
  it('when a verified "not yet" (0) is on file before the due date, it is on track', () =>
    expect(plans([p(0, '2023-02-28')], '2023-03-31')).toBe('on_track'));
  it('when verified as reached (1), it is achieved even after the due date', () =>
    expect(plans([p(1, '2023-03-30')], '2024-01-01')).toBe('achieved'));
  it('when the due date has passed without being reached, it is overdue', () =>
    expect(plans([p(0, '2023-02-28')], '2023-04-01')).toBe('overdue'));
});

describe('values known at an instant', () => {
  const history = [
    entry('reported', 1, '2024-07-02T10:00:00Z', { value: 1_000, asOfDate: '2024-06-30', qualifier: 'exact' }),
    entry('verified', 1, '2024-07-05T10:00:00Z'),
    entry('reported', 2, '2024-09-01T10:00:00Z', { value: 1_090, asOfDate: '2024-06-30', qualifier: 'more_than', corrects: 1 }),
    entry('reported', 3, '2024-09-02T10:00:00Z', { value: 1_500, asOfDate: '2024-08-31', qualifier: 'exact' }),
    entry('rejected', 3, '2024-09-03T10:00:00Z'),
    entry('verified', 2, '2024-09-10T10:00:00Z'),
  ];

  it('when asked before a report was recorded, the report does not exist', () =>
    expect(valuesAsOf(history, new Date('2024-07-02T09:59:59Z'))).toEqual({ series: [], verified: null, pending: null }));

  it('when asked between report and verification, the value is reported but not verified', () =>
    expect(valuesAsOf(history, new Date('2024-07-03T00:00:00Z'))).toEqual({ series: [], verified: null, pending: p(1_000, '2024-06-30') }));

  it('when a correction for the same as-of date was reported later, the past answer keeps the value then verified', () =>
    expect(valuesAsOf(history, new Date('2024-08-01T00:00:00Z')).verified).toEqual(p(1_000, '2024-06-30')));

  it('when a rejected report and a verified correction are on file, the correction replaces the corrected value and the rejected one counts nowhere', () =>
    expect(valuesAsOf(history, new Date('2024-12-31T00:00:00Z'))).toEqual({
      series: [p(1_090, '2024-06-30', 'more_than')],
      verified: p(1_090, '2024-06-30', 'more_than'),
      pending: null,
    }));
});

describe('sums and percentages', () => {
  it("when two projects' series are summed, each date takes every project's latest value up to then", () =>
    expect(sumSeries([[p(5, '2023-03-31'), p(9, '2023-09-30')], [p(4, '2023-06-30', 'at_least')]])).toEqual([
      p(5, '2023-03-31'),
      p(9, '2023-06-30', 'at_least'),
      p(13, '2023-09-30', 'at_least'),
    ]));

  it('when the value is 1,080 of 2,521, it is 42.8 % of target; with no value or no target there is no percentage', () => {
    expect(percentOfTarget(1_080, 2_521)).toBe(42.8);
    expect(percentOfTarget(undefined, 2_521)).toBeNull();
    expect(percentOfTarget(5, null)).toBeNull();
  });
});
