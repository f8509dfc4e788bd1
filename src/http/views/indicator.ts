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
  /** Stream version (as of `asOf` on a read); also the ETag. */
  streamVersion: number;
}

/** An indicator as it stood at an instant (`GET /indicators/{indicatorId}`, optionally `?asOf=`). */
export interface IndicatorAsOfView extends IndicatorView {
  /**
   * The instant this state is for: only events recorded at or before it count, so nothing
   * recorded later changes it. The request's `asOf`, or the time of the read when none was given.
   * @format date-time
   */
  asOf: string;
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
