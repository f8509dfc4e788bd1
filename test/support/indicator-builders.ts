import type { IndicatorCommand } from '../../src/domain/indicator/decider.js';
import type { IndicatorDefinition, IndicatorEvent, IndicatorPlacement } from '../../src/domain/indicator/events.js';
import type { HistoryEntry } from '../../src/domain/indicator/status.js';

/** Investment 2.3.1.2.i (domain brief): 1,080 companies supported by 2024-06-30, 2,521 by 2026-06-30. */
export const investment2312: IndicatorPlacement = {
  level: 'investment',
  fund: 'RRF',
  programme: 'ANM',
  period: '2021-2026',
  investment: '2.3.1.2.i',
};

/** The 2024 step of 2.3.1.2.i as a target; override the one field a test is about. */
export function buildDefinition(overrides: Partial<IndicatorDefinition> = {}): IndicatorDefinition {
  return {
    code: 'T1',
    name: { lv: 'Atbalstītie uzņēmumi', en: 'Companies supported' },
    kind: 'target',
    unit: { lv: 'uzņēmumi', en: 'companies' },
    baseline: { value: 0, date: '2021-07-01' },
    target: { value: 1_080, dueDate: '2024-06-30' },
    contributingProjects: [],
    ...overrides,
  };
}

/** A milestone (qualitative): reached (1) or not (0); no unit, baseline or target value. */
export const milestone = (overrides: Partial<IndicatorDefinition> = {}): IndicatorDefinition =>
  buildDefinition({
    code: 'M1',
    kind: 'milestone',
    name: { lv: 'Koordinēti plāni apstiprināti', en: 'Coordinated plans approved' },
    unit: null,
    baseline: null,
    target: { value: null, dueDate: '2023-03-31' },
    ...overrides,
  });

export const defined = (
  indicatorId: string,
  overrides: Partial<IndicatorDefinition> = {},
  on: IndicatorPlacement = investment2312,
): IndicatorEvent => ({
  type: 'IndicatorDefined.v1',
  data: { indicatorId, on, ...buildDefinition(overrides), definedAt: '2023-01-10T09:00:00.000Z', definedBy: 'janis' },
});

export const reported = (
  report: number,
  value: number,
  asOfDate: string,
  overrides: Partial<Extract<IndicatorEvent, { type: 'IndicatorValueReported.v1' }>['data']> = {},
): IndicatorEvent => ({
  type: 'IndicatorValueReported.v1',
  data: {
    report,
    value,
    asOfDate,
    qualifier: 'exact',
    evidence: [],
    corrects: null,
    note: null,
    reportedAt: `${asOfDate}T12:00:00.000Z`,
    reportedBy: 'anna',
    ...overrides,
  },
});

export const verified = (report: number, by = 'janis'): IndicatorEvent => ({
  type: 'IndicatorValueVerified.v1',
  data: { report, note: null, verifiedAt: '2024-07-01T09:00:00.000Z', verifiedBy: by },
});

export const rejected = (report: number): IndicatorEvent => ({
  type: 'IndicatorValueRejected.v1',
  data: { report, reason: 'evidence does not match', rejectedAt: '2024-07-01T09:00:00.000Z', rejectedBy: 'janis' },
});

/** A history row for the pure status functions. */
export function entry(event: HistoryEntry['event'], report: number, recordedAt: string, values: Partial<HistoryEntry> = {}): HistoryEntry {
  return { event, report, value: null, asOfDate: null, qualifier: null, corrects: null, recordedAt: new Date(recordedAt), ...values };
}

export const reportValue = (
  data: Partial<Extract<IndicatorCommand, { type: 'ReportValue' }>['data']> = {},
  actor = 'anna',
  now = new Date('2024-07-01T09:00:00.000Z'),
): IndicatorCommand => ({
  type: 'ReportValue',
  data: { value: 1_080, asOfDate: '2024-06-30', qualifier: 'more_than', evidence: [], ...data },
  context: { now, actor, subject: 'ind-1' },
});
