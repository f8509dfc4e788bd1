import type { FindingRow } from '../../../projections/findings/entity.js';
import type { BeneficiaryResponse, CorrectiveAction, FinancialCorrection, Finding, FollowUp } from '../../domain/finding/decider.js';
import type { FindingCategory, FindingStatus, FollowUpOutcome, Severity } from '../../domain/finding/events.js';
import { isOverdue } from '../../domain/finding/rules.js';
import type { Page } from '../../application/page.js';

/** What a finding is about besides its project; absent fields were not named. */
export interface FindingConcernsView {
  invoiceRef?: string;
  claimRef?: string;
  indicatorId?: string;
}

/** A finding with everything recorded on it. */
export interface FindingView {
  findingId: string;
  projectId: string;
  status: FindingStatus;
  category: FindingCategory;
  severity: Severity;
  amountAtRiskCents: number;
  euShareCents: number;
  /** EU share above EUR 10,000 (1,000,000 cents): an irregularity reported onwards. */
  reportableIrregularity: boolean;
  concerns: FindingConcernsView;
  description: string;
  raisedAt: string;
  raisedBy: string;
  response?: BeneficiaryResponse;
  correctiveAction?: CorrectiveAction;
  /** The corrective action's deadline has passed (as of today, UTC; on a read with `asOf`, as of that day) and the finding is not closed. */
  overdue: boolean;
  followUps: FollowUp[];
  /**
   * Financial corrections applied. Each is booked on the project's budget too
   * (`budgetCorrectionId`, see GET /projects/{projectId}/budget); corrections recorded before
   * budgets were streams have none.
   */
  corrections: FinancialCorrection[];
  correctedCents: number;
  closure?: { conclusion: string; closedAt: string; closedBy: string };
  /** Stream version (as of `asOf` on a read); also the ETag. */
  streamVersion: number;
}

/** A finding as it stood at an instant (`GET /findings/{findingId}`, optionally `?asOf=`). */
export interface FindingAsOfView extends FindingView {
  /**
   * The instant this state is for: only events recorded at or before it count, so nothing
   * recorded later changes it. The request's `asOf`, or the time of the read when none was given.
   * @format date-time
   */
  asOf: string;
}

/** One line of the findings list. */
export interface FindingSummary {
  findingId: string;
  projectId: string;
  status: FindingStatus;
  category: FindingCategory;
  severity: Severity;
  amountAtRiskCents: number;
  euShareCents: number;
  reportableIrregularity: boolean;
  concerns: FindingConcernsView;
  raisedAt: string;
  raisedBy: string;
  respondedAt?: string;
  /** The corrective action's deadline, `YYYY-MM-DD`. */
  deadline?: string;
  /** Deadline passed and not closed, as of `overdueOn` when the list was asked with it, else `asOf`'s day, else today. */
  overdue: boolean;
  followUps: number;
  lastFollowUpOutcome?: FollowUpOutcome;
  correctedCents: number;
  closedAt?: string;
}

/** A page of the findings list; asked with `asOf`, the findings as they stood then. */
export interface FindingsPage extends Page<FindingSummary> {
  /**
   * The instant the list is for, only when it was asked with `asOf`: each finding's state is
   * then folded from its stream's events recorded at or before it.
   * @format date-time
   */
  asOf?: string;
}

export const todayUtc = (now = new Date()): string => now.toISOString().slice(0, 10);

const concernsOf = (c: { invoiceRef: string | null; claimRef: string | null; indicatorId: string | null }): FindingConcernsView => ({
  ...(c.invoiceRef !== null ? { invoiceRef: c.invoiceRef } : {}),
  ...(c.claimRef !== null ? { claimRef: c.claimRef } : {}),
  ...(c.indicatorId !== null ? { indicatorId: c.indicatorId } : {}),
});

/** What the finding view and a line of the findings list both say of a finding's state. */
function headerOf(state: Exclude<Finding, { status: 'none' }>) {
  return {
    findingId: state.findingId,
    projectId: state.projectId,
    status: state.status,
    category: state.category,
    severity: state.severity,
    amountAtRiskCents: state.amountAtRiskCents,
    euShareCents: state.euShareCents,
    reportableIrregularity: state.reportableIrregularity,
    concerns: concernsOf(state.concerns),
  };
}

export function findingView(state: Exclude<Finding, { status: 'none' }>, streamVersion: number, today = todayUtc()): FindingView {
  const action = 'correctiveAction' in state ? state.correctiveAction : undefined;
  return {
    ...headerOf(state),
    description: state.description,
    raisedAt: state.raisedAt,
    raisedBy: state.raisedBy,
    ...(state.response ? { response: state.response } : {}),
    ...(action ? { correctiveAction: action } : {}),
    overdue: isOverdue(action?.deadline ?? null, state.status === 'closed', today),
    followUps: state.followUps,
    corrections: state.corrections,
    correctedCents: state.corrections.reduce((sum, c) => sum + c.amountCents, 0),
    ...(state.status === 'closed' ? { closure: { conclusion: state.conclusion, closedAt: state.closedAt, closedBy: state.closedBy } } : {}),
    streamVersion,
  };
}

export function findingSummary(r: FindingRow, today: string): FindingSummary {
  return {
    findingId: r.findingId,
    projectId: r.projectId,
    status: r.status,
    category: r.category,
    severity: r.severity,
    amountAtRiskCents: Number(r.amountAtRiskCents),
    euShareCents: Number(r.euShareCents),
    reportableIrregularity: r.reportable,
    concerns: concernsOf(r),
    raisedAt: r.raisedAt.toISOString(),
    raisedBy: r.raisedBy,
    ...(r.respondedAt ? { respondedAt: r.respondedAt.toISOString() } : {}),
    ...(r.deadline !== null ? { deadline: r.deadline } : {}),
    overdue: isOverdue(r.deadline, r.status === 'closed', today),
    followUps: r.followUps,
    ...(r.lastFollowUpOutcome !== null ? { lastFollowUpOutcome: r.lastFollowUpOutcome } : {}),
    correctedCents: Number(r.correctedCents),
    ...(r.closedAt ? { closedAt: r.closedAt.toISOString() } : {}),
  };
}

/** One line of the findings list from a finding's state (the list as of an instant, folded from the streams). */
export function findingSummaryOf(state: Exclude<Finding, { status: 'none' }>, today: string): FindingSummary {
  const action = 'correctiveAction' in state ? state.correctiveAction : undefined;
  const lastFollowUp = state.followUps.at(-1);
  return {
    ...headerOf(state),
    raisedAt: new Date(state.raisedAt).toISOString(),
    raisedBy: state.raisedBy,
    ...(state.response ? { respondedAt: new Date(state.response.respondedAt).toISOString() } : {}),
    ...(action ? { deadline: action.deadline } : {}),
    overdue: isOverdue(action?.deadline ?? null, state.status === 'closed', today),
    followUps: state.followUps.length,
    ...(lastFollowUp ? { lastFollowUpOutcome: lastFollowUp.outcome } : {}),
    correctedCents: state.corrections.reduce((sum, c) => sum + c.amountCents, 0),
    ...(state.status === 'closed' ? { closedAt: new Date(state.closedAt).toISOString() } : {}),
  };
}
