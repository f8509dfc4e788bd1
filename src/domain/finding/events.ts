import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = z.string().min(1).max(20_000);

/** What kind of irregularity the auditor found (konstatējuma kategorija). */
export type FindingCategory =
  | 'double_funding'
  | 'conflict_of_interest'
  | 'fraud_suspicion'
  | 'corruption'
  | 'ineligible_expenditure'
  | 'procurement_breach'
  | 'state_aid'
  | 'indicator_not_evidenced';
export const FINDING_CATEGORIES = [
  'double_funding',
  'conflict_of_interest',
  'fraud_suspicion',
  'corruption',
  'ineligible_expenditure',
  'procurement_breach',
  'state_aid',
  'indicator_not_evidenced',
] as const satisfies readonly FindingCategory[];

/** Where a finding stands: open → responded → action_required → followed_up → closed. */
export type FindingStatus = 'open' | 'responded' | 'action_required' | 'followed_up' | 'closed';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];

/** How far the corrective action was carried out, as the follow-up found it. */
export type FollowUpOutcome = 'implemented' | 'partially_implemented' | 'not_implemented';
export const FOLLOW_UP_OUTCOMES = ['implemented', 'partially_implemented', 'not_implemented'] as const satisfies readonly FollowUpOutcome[];

/**
 * What the finding is about besides its project. Invoices and payment claims have no streams
 * yet, so they are the beneficiary's own references; an indicator is one of the project's.
 */
export interface FindingConcerns {
  invoiceRef: string | null;
  claimRef: string | null;
  indicatorId: string | null;
}

const ref = z.string().min(1).max(200).nullable();

export const FindingRaised = defineEvent(
  'FindingRaised.v1',
  z
    .object({
      findingId: z.uuid(),
      projectId: z.uuid(),
      concerns: z
        .object({ invoiceRef: ref, claimRef: ref, indicatorId: z.uuid().nullable() })
        .strict() satisfies z.ZodType<FindingConcerns>,
      category: z.enum(FINDING_CATEGORIES),
      severity: z.enum(SEVERITIES),
      amountAtRiskCents: cents,
      euShareCents: cents,
      /** Decided when raised, so a later change of the threshold does not rewrite history. */
      reportableIrregularity: z.boolean(),
      description: text,
      raisedAt: at,
      raisedBy: actor,
    })
    .strict(),
);

export const FindingResponded = defineEvent(
  'FindingResponded.v1',
  z.object({ response: text, organisation: z.string().min(1).max(20), respondedAt: at, respondedBy: actor }).strict(),
);

export const CorrectiveActionSet = defineEvent(
  'CorrectiveActionSet.v1',
  z.object({ action: text, deadline: z.iso.date(), setAt: at, setBy: actor }).strict(),
);

export const FollowUpRecorded = defineEvent(
  'FollowUpRecorded.v1',
  z.object({ outcome: z.enum(FOLLOW_UP_OUTCOMES), note: text, recordedAt: at, recordedBy: actor }).strict(),
);

export const FinancialCorrectionApplied = defineEvent(
  'FinancialCorrectionApplied.v1',
  z
    .object({
      correction: z.int().min(1),
      amountCents: cents.min(1),
      costLine: z.string().regex(/^\d+(\.\d+)*$/),
      reason: text,
      /**
       * The same correction booked on the project's budget (FinancialCorrectionBooked.v1);
       * absent on corrections recorded before budgets were streams.
       */
      budgetCorrectionId: z.uuid().optional(),
      appliedAt: at,
      appliedBy: actor,
    })
    .strict(),
);

export const FindingClosed = defineEvent('FindingClosed.v1', z.object({ conclusion: text, closedAt: at, closedBy: actor }).strict());

export type FindingEvent =
  | EventOf<typeof FindingRaised>
  | EventOf<typeof FindingResponded>
  | EventOf<typeof CorrectiveActionSet>
  | EventOf<typeof FollowUpRecorded>
  | EventOf<typeof FinancialCorrectionApplied>
  | EventOf<typeof FindingClosed>;

export const findingEvents = [
  FindingRaised,
  FindingResponded,
  CorrectiveActionSet,
  FollowUpRecorded,
  FinancialCorrectionApplied,
  FindingClosed,
];
