import { describe, expect, it } from 'vitest';
import { IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
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
const correct = (overrides: { amountCents?: number; costLine?: string } = {}) =>
  command('ApplyFinancialCorrection', {
    amountCents: 625_000,
    costLine: '4.3',
    reason: '25 % korekcija',
    projectCostLines: ['4.3', '4.4'],
    ...overrides,
  });
const close = command('CloseFinding', { conclusion: 'Slēgts' }, 'auditor.ilze');
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

  it('when a finding is raised twice, it is an illegal transition', () => given([raised()]).when(raise()).thenThrows(IllegalTransition));

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
          data: { correction: 1, amountCents: 625_000, costLine: '4.3', reason: '25 % korekcija', appliedAt: T, appliedBy: 'janis' },
        },
      ]);
    given([raised(), corrected()])
      .when(correct({ costLine: '4.4' }))
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

  it('when a follow-up was recorded after the corrective action, the finding is closed with its conclusion', () => {
    given([raised(), responded(), actionSet(), followedUp()])
      .when(close)
      .then([{ type: 'FindingClosed.v1', data: { conclusion: 'Slēgts', closedAt: T, closedBy: 'auditor.ilze' } }]);
    given([raised(), actionSet(), followedUp()]).when(close).thenState({ status: 'closed', closedBy: 'auditor.ilze' });
  });

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
    const fold = streamTypes.finding!;
    expect([raised(), actionSet()].reduce(fold.evolve, fold.initialState)).toMatchObject({
      status: 'action_required',
      correctiveAction: { deadline: '2025-06-30' },
    });
  });
});
