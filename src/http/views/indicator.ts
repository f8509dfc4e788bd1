import { ValidateError } from '@tsoa/runtime';
import type { IndicatorProgress } from '../../../projections/progress/evaluate.js';
import type { BilingualName } from '../../domain/fund/events.js';
import type { Indicator } from '../../domain/indicator/decider.js';
import type { Evidence, IndicatorPlacement, Qualifier } from '../../domain/indicator/events.js';

export interface ReportView {
  report: number;
  value: number;
  asOfDate: string;
  qualifier: Qualifier;
  evidence: Evidence[];
  corrects?: number;
  note?: string;
  reportedAt: string;
  reportedBy: string;
  review: 'pending' | 'verified' | 'rejected';
  reviewedBy?: string;
  reviewedAt?: string;
  /** The officer's reason for a rejection, or note on a verification. */
  reviewNote?: string;
}

export interface IndicatorView {
  indicatorId: string;
  on: IndicatorPlacement;
  code: string;
  name: BilingualName;
  kind: 'milestone' | 'target';
  unit?: BilingualName;
  baseline?: { value: number; date: string };
  target: { value?: number; dueDate: string };
  contributingProjects: string[];
  definedAt: string;
  definedBy: string;
  /** Every report in the order made; corrections are new reports naming the one they correct. */
  reports: ReportView[];
  /**
   * Verified value, value awaiting verification, % of target and status as of `asOf`, from
   * the progress read model; absent until that has caught up with the definition.
   */
  progress?: IndicatorProgress;
  /** Stream version; also the ETag. */
  streamVersion: number;
}

export function indicatorView(
  state: Exclude<Indicator, { status: 'none' }>,
  streamVersion: number,
  progress?: IndicatorProgress,
): IndicatorView {
  return {
    indicatorId: state.indicatorId,
    on: state.on,
    code: state.code,
    name: state.name,
    kind: state.kind,
    ...(state.unit ? { unit: state.unit } : {}),
    ...(state.baseline ? { baseline: state.baseline } : {}),
    target: { ...(state.target.value !== null ? { value: state.target.value } : {}), dueDate: state.target.dueDate },
    contributingProjects: state.contributingProjects,
    definedAt: state.definedAt,
    definedBy: state.definedBy,
    reports: state.reports.map(({ review, corrects, note, ...r }) => ({
      ...r,
      ...(corrects !== null ? { corrects } : {}),
      ...(note !== null ? { note } : {}),
      review: review.status,
      ...(review.status !== 'pending' ? { reviewedBy: review.by, reviewedAt: review.at } : {}),
      ...(review.status === 'rejected' ? { reviewNote: review.reason } : {}),
      ...(review.status === 'verified' && review.note !== null ? { reviewNote: review.note } : {}),
    })),
    ...(progress ? { progress } : {}),
    streamVersion,
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** With a zone (Z or ±hh:mm): an instant must not depend on the server's time zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `asOf` as an instant: a date means the end of that day (UTC), capped at now; a date-time
 * is taken as given. Absent → now. Unparseable or in the future → 422 naming `asOf`.
 */
export function parseAsOf(asOf: string | undefined, now = new Date()): Date {
  if (asOf === undefined) return now;
  const refuse = (message: string): never => {
    throw new ValidateError({ asOf: { message, value: asOf } }, message);
  };
  const instant = DATE.test(asOf) ? new Date(`${asOf}T23:59:59.999Z`) : DATE_TIME.test(asOf) ? new Date(asOf) : null;
  if (!instant || Number.isNaN(instant.getTime()) || (DATE.test(asOf) && instant.toISOString().slice(0, 10) !== asOf)) {
    return refuse(`${asOf} is neither a date (YYYY-MM-DD) nor an ISO 8601 date-time with a zone`);
  }
  if (DATE.test(asOf) ? asOf > now.toISOString().slice(0, 10) : instant.getTime() > now.getTime()) {
    return refuse(`${asOf} is in the future; progress is known only up to now (${now.toISOString()})`);
  }
  return instant.getTime() > now.getTime() ? now : instant;
}
