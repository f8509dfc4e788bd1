import { describe, expect, it } from 'vitest';
import { FourEyesViolation, IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { indicatorDecider, type IndicatorCommand } from '../../src/domain/indicator/decider.js';
import type { IndicatorDefinition, IndicatorEvent } from '../../src/domain/indicator/events.js';
import { specFor } from '../support/given-when-then.js';
import { buildDefinition, defined, investment2312, milestone, reported, reportValue, verified } from '../support/indicator-builders.js';

const given = specFor(indicatorDecider);
const id = '0b7d4f0e-2c1a-4f3b-9a8e-5d6c7b8a9f01';
const now = new Date('2024-07-01T09:00:00.000Z');
const as = (actor: string) => ({ now, actor, subject: id });
const defineAs = (definition: IndicatorDefinition): IndicatorCommand => ({
  type: 'DefineIndicator',
  data: { indicatorId: id, on: investment2312, ...definition },
  context: as('janis'),
});
const define = (overrides: Partial<IndicatorDefinition> = {}) => defineAs(buildDefinition(overrides));
const verify = (report: number, by = 'janis'): IndicatorCommand => ({ type: 'VerifyValue', data: { report }, context: as(by) });
const reject = (report: number): IndicatorCommand => ({
  type: 'RejectValue',
  data: { report, reason: 'no evidence' },
  context: as('janis'),
});
const T = now.toISOString();

describe('indicator decider', () => {
  it('when an investment target is defined, IndicatorDefined carries placement, unit, baseline, target and who defined it', () =>
    given([])
      .when(define())
      .then([
        {
          type: 'IndicatorDefined.v1',
          data: { indicatorId: id, on: investment2312, ...buildDefinition(), definedAt: T, definedBy: 'janis' },
        },
      ]));

  it('when an indicator is defined twice, it is an illegal transition', () =>
    given([defined(id)])
      .when(define())
      .thenThrows(IllegalTransition));

  it('when a target lacks a unit and baseline, or a milestone has them, each field is named', () => {
    given([])
      .when(define({ unit: null, baseline: null }))
      .thenThrows(ValidationFailed, /unit: required.*baseline: required/);
    given([])
      .when(defineAs(milestone({ unit: { lv: 'x', en: 'x' } })))
      .thenThrows(ValidationFailed, /unit: a milestone/);
  });

  it('when an EU common indicator code is used, it must be known and in its reference unit', () => {
    given([])
      .when(define({ code: 'RCO14', unit: { lv: 'iestādes', en: 'institutions' } }))
      .thenThrows(ValidationFailed, /unit: RCO14 is measured in public institutions/);
    given([])
      .when(define({ code: 'RCO99' }))
      .thenThrows(ValidationFailed, /code: RCO99 is not in the reference list/);
    given([])
      .when(define({ code: 'RCO14', unit: { lv: 'publiskās iestādes', en: 'public institutions' } }))
      .thenState({ status: 'defined', code: 'RCO14' });
  });

  it('when a value is reported, the reporter and time come from the command, and it is pending', () =>
    given([defined(id)])
      .when(reportValue({ evidence: [{ documentId: 'D-1', title: 'Saraksts', sha256: 'a'.repeat(64) }] }))
      .then([
        {
          type: 'IndicatorValueReported.v1',
          data: {
            report: 1,
            value: 1_080,
            asOfDate: '2024-06-30',
            qualifier: 'more_than',
            evidence: [{ documentId: 'D-1', title: 'Saraksts', sha256: 'a'.repeat(64) }],
            corrects: null,
            note: null,
            reportedAt: T,
            reportedBy: 'anna',
          },
        },
      ]));

  it('when a value is reported for an indicator that does not exist, it is not found', () =>
    given([])
      .when(reportValue())
      .thenThrows(NotFound, /Indicator ind-1/));

  it('when the stated unit is not the indicator’s, the as-of date is in the future or before the baseline, each is refused naming the field', () => {
    given([defined(id)])
      .when(reportValue({ unit: 'platforms' }))
      .thenThrows(ValidationFailed, /^unit: the indicator is measured in companies/);
    given([defined(id)])
      .when(reportValue({ unit: 'uzņēmumi' }))
      .thenState({ status: 'defined' });
    given([defined(id)])
      .when(reportValue({ asOfDate: '2024-07-02' }))
      .thenThrows(ValidationFailed, /^asOfDate: 2024-07-02 is in the future/);
    given([defined(id)])
      .when(reportValue({ asOfDate: '2021-06-30' }))
      .thenThrows(ValidationFailed, /^asOfDate: 2021-06-30 is before the baseline date 2021-07-01/);
  });

  it('when a milestone is reported with anything but 1 or 0, it is refused naming the value', () =>
    given([defined(id, milestone())])
      .when(reportValue({ value: 15 }))
      .thenThrows(ValidationFailed, /^value:/));

  it('when a correction names a report that does not exist, it is refused naming corrects', () =>
    given([defined(id)])
      .when(reportValue({ corrects: 1 }))
      .thenThrows(ValidationFailed, /^corrects:/));

  it('when a correction is reported, it is a new report that names the corrected one; the first stays as it was', () =>
    given([defined(id), reported(1, 1_000, '2024-06-30'), verified(1)])
      .when(reportValue({ value: 1_090, corrects: 1 }))
      .thenState({
        reports: [
          expect.objectContaining({ report: 1, value: 1_000, review: expect.objectContaining({ status: 'verified' }) }),
          expect.objectContaining({ report: 2, value: 1_090, corrects: 1, review: { status: 'pending' } }),
        ],
      }));

  it('when an investment indicator sums contributing projects, a value cannot be reported on it directly', () =>
    given([defined(id, { contributingProjects: ['6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7'] })])
      .when(reportValue())
      .thenThrows(IllegalTransition, /sum of its contributing projects/));

  it('when an officer other than the reporter verifies, the report is verified', () =>
    given([defined(id), reported(1, 1_080, '2024-06-30')])
      .when(verify(1))
      .then([{ type: 'IndicatorValueVerified.v1', data: { report: 1, note: null, verifiedAt: T, verifiedBy: 'janis' } }]));

  it('when the reporter verifies its own report, four-eyes refuses', () =>
    given([defined(id), reported(1, 1_080, '2024-06-30', { reportedBy: 'janis' })])
      .when(verify(1))
      .thenThrows(FourEyesViolation));

  it("when the reporter rejects its own report, four-eyes refuses: the review, either way, is a second person's", () =>
    given([defined(id), reported(1, 1_080, '2024-06-30', { reportedBy: 'janis' })])
      .when(reject(1))
      .thenThrows(FourEyesViolation, /^janis reported this and may not also reject it/));

  it('when a report is rejected with a reason, it is rejected, and it cannot then be verified', () => {
    given([defined(id), reported(1, 1_080, '2024-06-30')])
      .when(reject(1))
      .then([{ type: 'IndicatorValueRejected.v1', data: { report: 1, reason: 'no evidence', rejectedAt: T, rejectedBy: 'janis' } }]);
    const rejectedHistory: IndicatorEvent[] = [
      defined(id),
      reported(1, 1_080, '2024-06-30'),
      { type: 'IndicatorValueRejected.v1', data: { report: 1, reason: 'x', rejectedAt: T, rejectedBy: 'janis' } },
    ];
    given(rejectedHistory)
      .when(verify(1))
      .thenThrows(IllegalTransition, /already rejected/);
  });

  it('when an unknown report number is verified, it is not found', () =>
    given([defined(id)])
      .when(verify(7))
      .thenThrows(NotFound, /Report 7/));
});
