import type { FindingCommand, RaiseFindingInput } from '../../src/domain/finding/decider.js';
import type { FindingEvent } from '../../src/domain/finding/events.js';

/** Every event of the stream carries a time; these are fixed so expected events can be written out. */
export const RAISED_AT = '2025-03-03T09:00:00.000Z';

/** A procurement breach on the e-adrese project: EUR 25,000 at risk, EUR 21,250 of it EU money. */
export function buildFinding(overrides: Partial<RaiseFindingInput> = {}): RaiseFindingInput {
  return {
    findingId: '7c1b1a7e-3d1f-4c55-9f0e-2a1b3c4d5e6f',
    projectId: '2f9c7e0a-5b1d-4e8f-a3c2-1d0e9f8b7a65',
    concerns: { invoiceRef: 'PVN-2024/117', claimRef: null, indicatorId: null },
    category: 'procurement_breach',
    severity: 'high',
    amountAtRiskCents: 2_500_000,
    euShareCents: 2_125_000,
    description: 'Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma',
    ...overrides,
  };
}

type Data<T extends FindingEvent['type']> = Extract<FindingEvent, { type: T }>['data'];

export const raised = (overrides: Partial<Data<'FindingRaised.v1'>> = {}): FindingEvent => ({
  type: 'FindingRaised.v1',
  data: { ...buildFinding(), reportableIrregularity: true, raisedAt: RAISED_AT, raisedBy: 'auditor.ilze', ...overrides },
});

export const responded = (overrides: Partial<Data<'FindingResponded.v1'>> = {}): FindingEvent => ({
  type: 'FindingResponded.v1',
  data: {
    response: 'Grozījumi bija nepieciešami neparedzētu darbu dēļ',
    organisation: '90000012345',
    respondedAt: '2025-03-20T10:00:00.000Z',
    respondedBy: 'anna',
    ...overrides,
  },
});

export const actionSet = (overrides: Partial<Data<'CorrectiveActionSet.v1'>> = {}): FindingEvent => ({
  type: 'CorrectiveActionSet.v1',
  data: {
    action: 'Atgūt neattiecināmās izmaksas un pārskatīt iepirkuma procedūru',
    deadline: '2025-06-30',
    setAt: '2025-04-01T09:00:00.000Z',
    setBy: 'janis',
    ...overrides,
  },
});

export const followedUp = (overrides: Partial<Data<'FollowUpRecorded.v1'>> = {}): FindingEvent => ({
  type: 'FollowUpRecorded.v1',
  data: {
    outcome: 'implemented',
    note: 'Izmaksas atgūtas 12.06.2025',
    recordedAt: '2025-07-01T09:00:00.000Z',
    recordedBy: 'janis',
    ...overrides,
  },
});

export const corrected = (overrides: Partial<Data<'FinancialCorrectionApplied.v1'>> = {}): FindingEvent => ({
  type: 'FinancialCorrectionApplied.v1',
  data: {
    correction: 1,
    amountCents: 625_000,
    costLine: '4.3',
    reason: '25 % korekcija par iepirkuma pārkāpumu',
    appliedAt: '2025-05-01T09:00:00.000Z',
    appliedBy: 'janis',
    ...overrides,
  },
});

export const closed = (overrides: Partial<Data<'FindingClosed.v1'>> = {}): FindingEvent => ({
  type: 'FindingClosed.v1',
  data: { conclusion: 'Korektīvā darbība īstenota', closedAt: '2025-07-02T09:00:00.000Z', closedBy: 'auditor.ilze', ...overrides },
});

/** A command as `actor` at `now`; the subject is the builder's finding. */
export const command = <T extends FindingCommand['type']>(
  type: T,
  data: Extract<FindingCommand, { type: T }>['data'],
  actor = 'janis',
  now = new Date('2025-04-01T09:00:00.000Z'),
): FindingCommand => ({ type, data, context: { now, actor, subject: buildFinding().findingId } }) as FindingCommand;
