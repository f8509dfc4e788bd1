import { describe, expect, it } from 'vitest';
import { FourEyesViolation, IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { findingDecider } from '../../src/domain/finding/decider.js';
import { isOverdue } from '../../src/domain/finding/rules.js';
import { streamTypes } from '../../src/domain/stream-types.js';
import { specFor } from '../support/given-when-then.js';
import {
  actionSet,
  buildFinding,
  closed,
  command,
  corrected,
  followedUp,
  raised,
  RAISED_AT,
  responded,
} from '../support/finding-builders.js';

const given = specFor(findingDecider);
const raiseAt = new Date(RAISED_AT);
const raise = (overrides: Parameters<typeof buildFinding>[0] = {}) =>
  command('RaiseFinding', buildFinding(overrides), 'auditor.ilze', raiseAt);
const respond = command('RespondToFinding', { response: 'Mūsuprāt grozījumi bija pamatoti', organisation: '90000012345' }, 'anna');
const setAction = (deadline = '2025-06-30') => command('SetCorrectiveAction', { action: 'Atgūt izmaksas', deadline });
const followUp = command('RecordFollowUp', { outcome: 'partially_implemented', note: 'Atgūta puse' });
const BUDGET_CORRECTION_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_BUDGET_CORRECTION_ID = '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e';
const correct = (overrides: { amountCents?: number; costLine?: string; budgetCorrectionId?: string } = {}, actor = 'janis') =>
  command(
    'ApplyFinancialCorrection',
    {
      budgetCorrectionId: BUDGET_CORRECTION_ID,
      amountCents: 625_000,
      costLine: '4.3',
      reason: '25 % korekcija',
      projectCostLines: ['4.3', '4.4'],
      ...overrides,
    },
    actor,
  );
const recordBooked = (budgetCorrectionId = BUDGET_CORRECTION_ID, amountCents = 625_000) =>
  command('RecordBookedCorrection', { budgetCorrectionId, amountCents, costLine: '4.3', reason: '25 % korekcija' });
/** Closed by a third person: neither the auditor who raised the finding nor the officer who followed it up. */
const closeAs = (actor: string) => command('CloseFinding', { conclusion: 'Slēgts' }, actor);
const close = closeAs('auditor.maris');
const T = '2025-04-01T09:00:00.000Z';

describe('finding decider', () => {
  it('when a finding is raised, FindingRaised carries what it concerns, category, severity, amounts, the reportable flag and who raised it', () =>
    given([])
      .when(raise())
      .then([
        {
          type: 'FindingRaised.v1',
          data: { ...buildFinding(), reportableIrregularity: true, raisedAt: RAISED_AT, raisedBy: 'auditor.ilze' },
        },
      ]));

  it('when the EU share at risk is exactly EUR 10,000, it is not a reportable irregularity; one cent more, it is', () => {
    given([])
      .when(raise({ amountAtRiskCents: 2_000_000, euShareCents: 1_000_000 }))
      .thenState({ reportableIrregularity: false });
    given([])
      .when(raise({ amountAtRiskCents: 2_000_000, euShareCents: 1_000_001 }))
      .thenState({ reportableIrregularity: true });
  });

  it('when the amount at risk is large but its EU share is not, it is not reportable', () =>
    given([])
      .when(raise({ amountAtRiskCents: 9_000_000, euShareCents: 900_000 }))
      .thenState({ reportableIrregularity: false, status: 'open' }));

  it('when the EU share exceeds the amount at risk, it is refused naming euShareCents', () =>
    given([])
      .when(raise({ amountAtRiskCents: 100, euShareCents: 101 }))
      .thenThrows(ValidationFailed, /^euShareCents:/));

  it('when the same finding is raised again with identical data by the same auditor (a retry), nothing is decided', () =>
    given([raised()]).when(raise()).then([]));

  it('when a finding is raised again with different data, it is an illegal transition naming the finding', () => {
    given([raised()])
      .when(raise({ amountAtRiskCents: 2_500_001 }))
      .thenThrows(IllegalTransition, /^Finding 7c1b1a7e-3d1f-4c55-9f0e-2a1b3c4d5e6f is already raised$/);
    given([raised()])
      .when(raise({ concerns: { invoiceRef: 'PVN-2024/118', claimRef: null, indicatorId: null } }))
      .thenThrows(IllegalTransition, /is already raised/);
  });

  it('when a finding is raised again with identical data by another auditor, it is an illegal transition', () =>
    given([raised()])
      .when(command('RaiseFinding', buildFinding(), 'auditor.maris', raiseAt))
      .thenThrows(IllegalTransition, /is already raised/));

  it('when a finding that has moved on is raised again identically by the same auditor, nothing is decided and it stays where it is', () => {
    given([raised(), actionSet(), followedUp()]).when(raise()).then([]);
    given([raised(), actionSet(), followedUp(), closed({ closedBy: 'auditor.maris' })])
      .when(raise())
      .then([]);
  });

  it('when anything but raising is asked of a finding that does not exist, it is not found', () =>
    given([])
      .when(respond)
      .thenThrows(NotFound, /Finding 7c1b1a7e/));

  it('when the beneficiary responds, FindingResponded records the answer, its organisation and author, and the finding is responded', () => {
    given([raised()])
      .when(respond)
      .then([
        {
          type: 'FindingResponded.v1',
          data: { response: 'Mūsuprāt grozījumi bija pamatoti', organisation: '90000012345', respondedAt: T, respondedBy: 'anna' },
        },
      ]);
    given([raised()])
      .when(respond)
      .thenState({ status: 'responded', response: expect.objectContaining({ respondedBy: 'anna' }) });
  });

  it('when the beneficiary already responded, a second response is an illegal transition', () =>
    given([raised(), responded()])
      .when(respond)
      .thenThrows(IllegalTransition, /already responded on 2025-03-20/));

  it('when a corrective action was set before the beneficiary answered, the answer is still taken and the action stays required', () =>
    given([raised(), actionSet()])
      .when(respond)
      .thenState({ status: 'action_required', response: expect.objectContaining({ respondedBy: 'anna' }) }));

  it('when a corrective action is set, it carries the deadline and who set it, and the finding requires action', () => {
    given([raised(), responded()])
      .when(setAction())
      .then([{ type: 'CorrectiveActionSet.v1', data: { action: 'Atgūt izmaksas', deadline: '2025-06-30', setAt: T, setBy: 'janis' } }]);
    given([raised()])
      .when(setAction())
      .thenState({ status: 'action_required', correctiveAction: expect.objectContaining({ deadline: '2025-06-30' }) });
  });

  it('when the deadline has already passed, the corrective action is refused naming deadline; today itself is allowed', () => {
    given([raised()])
      .when(setAction('2025-03-31'))
      .thenThrows(ValidationFailed, /^deadline: 2025-03-31 has already passed/);
    given([raised()]).when(setAction('2025-04-01')).thenState({ status: 'action_required' });
  });

  it('when a corrective action is revised after a follow-up, the finding requires action again (earlier follow-ups no longer allow closure)', () =>
    given([raised(), actionSet(), followedUp({ outcome: 'not_implemented' })])
      .when(setAction('2025-09-30'))
      .thenState({
        status: 'action_required',
        correctiveAction: expect.objectContaining({ deadline: '2025-09-30' }),
        followUps: [expect.objectContaining({ outcome: 'not_implemented' })],
      }));

  it('when a follow-up is recorded after the corrective action, it carries outcome and note and the finding is followed up', () => {
    given([raised(), actionSet()])
      .when(followUp)
      .then([
        {
          type: 'FollowUpRecorded.v1',
          data: { outcome: 'partially_implemented', note: 'Atgūta puse', recordedAt: T, recordedBy: 'janis' },
        },
      ]);
    given([raised(), actionSet(), followedUp()])
      .when(followUp)
      .thenState({ status: 'followed_up', followUps: [expect.anything(), expect.anything()] });
  });

  it('when there is no corrective action to follow up, a follow-up is an illegal transition', () => {
    given([raised()])
      .when(followUp)
      .thenThrows(IllegalTransition, /no corrective action/);
    given([raised(), responded()]).when(followUp).thenThrows(IllegalTransition);
  });

  it('when a financial correction is applied, it is numbered and carries amount and cost line; the stage does not change', () => {
    given([raised(), actionSet()])
      .when(correct())
      .then([
        {
          type: 'FinancialCorrectionApplied.v1',
          data: {
            correction: 1,
            amountCents: 625_000,
            costLine: '4.3',
            reason: '25 % korekcija',
            budgetCorrectionId: BUDGET_CORRECTION_ID,
            appliedAt: T,
            appliedBy: 'janis',
          },
        },
      ]);
    given([raised(), corrected()])
      .when(correct({ costLine: '4.4', budgetCorrectionId: OTHER_BUDGET_CORRECTION_ID }))
      .thenState({ status: 'open', corrections: [expect.anything(), expect.objectContaining({ correction: 2, costLine: '4.4' })] });
  });

  it('when a financial correction names no cost line of the passport or is zero, each field is named', () => {
    given([raised()])
      .when(correct({ costLine: '9.9' }))
      .thenThrows(ValidationFailed, /^costLine: the project's passport has no cost line 9.9 \(it has: 4.3, 4.4\)/);
    given([raised()])
      .when(correct({ amountCents: 0 }))
      .thenThrows(ValidationFailed, /^amountCents:/);
  });

  it('when the auditor who raised the finding applies its financial correction, four-eyes refuses it', () =>
    given([raised(), actionSet()])
      .when(correct({}, 'auditor.ilze'))
      .thenThrows(
        FourEyesViolation,
        /^auditor.ilze raised this and may not also apply a financial correction to it: the four-eyes principle needs a second person$/,
      ));

  it('when a follow-up was recorded after the corrective action, a third person closes the finding with its conclusion', () => {
    given([raised(), responded(), actionSet(), followedUp()])
      .when(close)
      .then([{ type: 'FindingClosed.v1', data: { conclusion: 'Slēgts', closedAt: T, closedBy: 'auditor.maris' } }]);
    given([raised(), actionSet(), followedUp()]).when(close).thenState({ status: 'closed', closedBy: 'auditor.maris' });
  });

  it('when the auditor who raised the finding closes it, four-eyes refuses it naming the raising', () =>
    given([raised(), actionSet(), followedUp()])
      .when(closeAs('auditor.ilze'))
      .thenThrows(
        FourEyesViolation,
        /^auditor.ilze raised this and may not also close it: the four-eyes principle needs a second person$/,
      ));

  it('when whoever recorded the latest follow-up closes the finding, four-eyes refuses it naming the follow-up', () =>
    given([raised(), actionSet(), followedUp({ recordedBy: 'janis' })])
      .when(closeAs('janis'))
      .thenThrows(FourEyesViolation, /^janis followed up this and may not also close it: the four-eyes principle needs a second person$/));

  it('when the raiser also recorded the latest follow-up and closes, four-eyes names both steps', () =>
    given([raised(), actionSet(), followedUp({ recordedBy: 'auditor.ilze' })])
      .when(closeAs('auditor.ilze'))
      .thenThrows(FourEyesViolation, /^auditor.ilze raised and followed up this and may not also close it/));

  it('when someone recorded only an earlier follow-up, not the latest, they may close the finding', () =>
    given([raised(), actionSet(), followedUp({ recordedBy: 'peteris' }), followedUp({ recordedBy: 'janis' })])
      .when(closeAs('peteris'))
      .then([{ type: 'FindingClosed.v1', data: { conclusion: 'Slēgts', closedAt: T, closedBy: 'peteris' } }]));

  it('when closing without a follow-up after the corrective action, or with no corrective action, it is refused naming followUp', () => {
    given([raised(), actionSet()])
      .when(close)
      .thenThrows(ValidationFailed, /^followUp: .*since the corrective action set on 2025-04-01/);
    given([raised(), actionSet(), followedUp(), actionSet({ deadline: '2025-09-30' })])
      .when(close)
      .thenThrows(ValidationFailed, /^followUp:/);
    given([raised(), responded()])
      .when(close)
      .thenThrows(ValidationFailed, /^followUp: .*no corrective action was set/);
  });

  it('when a correction booked on the budget is recorded, FinancialCorrectionApplied is numbered and carries the budget correction id', () =>
    given([raised(), corrected()])
      .when(recordBooked(OTHER_BUDGET_CORRECTION_ID, 100_000))
      .then([
        {
          type: 'FinancialCorrectionApplied.v1',
          data: {
            correction: 2,
            amountCents: 100_000,
            costLine: '4.3',
            reason: '25 % korekcija',
            budgetCorrectionId: OTHER_BUDGET_CORRECTION_ID,
            appliedAt: T,
            appliedBy: 'janis',
          },
        },
      ]));

  it('when the same booked correction is recorded a second time, nothing more is recorded', () => {
    const once = [raised(), ...findingDecider.decide(recordBooked(), findingDecider.evolve(findingDecider.initialState, raised()))];
    expect(once).toHaveLength(2);
    given(once).when(recordBooked()).then([]);
    given(once).when(recordBooked(BUDGET_CORRECTION_ID, 1)).then([]);
    given(once)
      .when(recordBooked(OTHER_BUDGET_CORRECTION_ID))
      .thenState({
        corrections: [
          expect.objectContaining({ correction: 1 }),
          expect.objectContaining({ correction: 2, budgetCorrectionId: OTHER_BUDGET_CORRECTION_ID }),
        ],
      });
  });

  it('when a booked correction is recorded on a finding closed in between, it is still recorded and the finding stays closed', () =>
    given([raised(), actionSet(), followedUp(), closed({ closedBy: 'auditor.maris' })])
      .when(recordBooked())
      .thenState({
        status: 'closed',
        corrections: [expect.objectContaining({ correction: 1, budgetCorrectionId: BUDGET_CORRECTION_ID, amountCents: 625_000 })],
      }));

  it('when a booked correction is recorded for a finding that does not exist, it is not found', () =>
    given([])
      .when(recordBooked())
      .thenThrows(NotFound, /Finding 7c1b1a7e/));

  it('when the finding is closed, every further command is an illegal transition naming the closing date', () => {
    const history = [raised(), actionSet(), followedUp(), closed()];
    for (const c of [respond, setAction(), followUp, correct(), close])
      given(history)
        .when(c)
        .thenThrows(IllegalTransition, /closed on 2025-07-02/);
  });
});

describe('overdue corrective actions', () => {
  it('when the deadline day has passed and the finding is open, it is overdue; on the deadline day, or once closed, it is not', () => {
    expect(isOverdue('2025-06-30', false, '2025-07-01')).toBe(true);
    expect(isOverdue('2025-06-30', false, '2025-06-30')).toBe(false);
    expect(isOverdue('2025-06-30', true, '2025-07-01')).toBe(false);
    expect(isOverdue(null, false, '2025-07-01')).toBe(false);
  });
});

describe('finding streams in the auditor history', () => {
  it('when the history folds a finding stream (finding-<id>), it uses the finding decider', () => {
    const { decider } = streamTypes.finding!;
    expect(decider).toBe(findingDecider);
    expect([raised(), actionSet()].reduce(decider.evolve, decider.initialState)).toMatchObject({
      status: 'action_required',
      correctiveAction: { deadline: '2025-06-30' },
    });
  });
});
