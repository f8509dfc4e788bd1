import type { Qualifier } from './events.js';

/*
 * Progress to target, as pure functions of an indicator's history. The read model stores
 * every report and review with the time it was recorded; these functions see only the rows
 * recorded up to the chosen instant, so a past `asOf` answers exactly what was known then.
 */

export type ProgressStatus = 'achieved' | 'on_track' | 'at_risk' | 'overdue' | 'not_started';
export const PROGRESS_STATUSES: readonly ProgressStatus[] = ['achieved', 'on_track', 'at_risk', 'overdue', 'not_started'];

/** A value as of a date. */
export interface Point {
  value: number;
  asOfDate: string;
  qualifier: Qualifier;
}

/** One report or review of a report, as recorded. */
export interface HistoryEntry {
  event: 'reported' | 'verified' | 'rejected';
  report: number;
  /** Reports only. */
  value: number | null;
  asOfDate: string | null;
  qualifier: Qualifier | null;
  corrects: number | null;
  recordedAt: Date;
}

export interface ValuesAsOf {
  /** Verified values, one per as-of date, oldest first; corrected reports left out. */
  series: Point[];
  /** The verified value with the latest as-of date. */
  verified: Point | null;
  /** The latest report not yet verified or rejected. */
  pending: Point | null;
}

/** What was known at `asOf`: only entries recorded up to that instant count. */
export function valuesAsOf(history: readonly HistoryEntry[], asOf: Date): ValuesAsOf {
  const known = history.filter((h) => h.recordedAt.getTime() <= asOf.getTime());
  const reports = new Map(known.filter((h) => h.event === 'reported').map((h) => [h.report, h]));
  const reviewed = new Map(known.filter((h) => h.event !== 'reported').map((h) => [h.report, h.event]));
  const verified = [...reports.values()].filter((r) => reviewed.get(r.report) === 'verified');
  const corrected = new Set(verified.map((r) => r.corrects).filter((c): c is number => c !== null));
  const byDate = new Map<string, HistoryEntry>();
  for (const r of verified.filter((r) => !corrected.has(r.report)).sort((a, b) => a.report - b.report)) byDate.set(r.asOfDate!, r);
  const series = [...byDate.values()].map(point).sort((a, b) => a.asOfDate.localeCompare(b.asOfDate));
  const pending = [...reports.values()]
    .filter((r) => !reviewed.has(r.report))
    .sort((a, b) => a.report - b.report)
    .at(-1);
  return { series, verified: series.at(-1) ?? null, pending: pending ? point(pending) : null };
}

const point = (h: HistoryEntry): Point => ({ value: h.value!, asOfDate: h.asOfDate!, qualifier: h.qualifier! });

/**
 * The running sum of several contributors' series (an investment's target summed from its
 * projects): at each date a contributor reported, every contributor's latest value up to then.
 */
export function sumSeries(contributors: readonly Point[][]): Point[] {
  const dates = [...new Set(contributors.flat().map((p) => p.asOfDate))].sort();
  return dates.map((date) => {
    const latest = contributors.map((s) => s.filter((p) => p.asOfDate <= date).at(-1)).filter((p): p is Point => p !== undefined);
    return { value: latest.reduce((n, p) => n + p.value, 0), asOfDate: date, qualifier: combineQualifiers(latest.map((p) => p.qualifier)) };
  });
}

/** A sum is exact only if every part is; "more than" and "at least" survive addition, "approximately" wins over both. */
export function combineQualifiers(qs: readonly Qualifier[]): Qualifier {
  if (qs.includes('approximately')) return 'approximately';
  if (qs.includes('more_than')) return 'more_than';
  if (qs.includes('at_least')) return 'at_least';
  return 'exact';
}

export interface StatusInput {
  kind: 'milestone' | 'target';
  baseline: { value: number; date: string } | null;
  target: { value: number | null; dueDate: string };
  /** Verified values, oldest first (see valuesAsOf). */
  series: readonly Point[];
  /** The calendar date status is judged on. */
  asOfDate: string;
}

/**
 * - achieved: the latest verified value reaches the target (a milestone: verified as 1);
 * - overdue: the due date has passed and it is not achieved;
 * - not_started: nothing verified yet, due date not passed;
 * - at_risk: the pace still needed (remaining ÷ days left) is above the recent pace (change
 *   between the last two verified values, or baseline → first value, per day); also on the
 *   due date itself when the target is not reached;
 * - on_track: otherwise; a milestone with a verified "not yet" (0) before its due date.
 * Targets below the baseline (a reduction) are judged in the downward direction.
 */
export function progressStatus({ kind, baseline, target, series, asOfDate }: StatusInput): ProgressStatus {
  const latest = series.at(-1);
  const overdue = asOfDate > target.dueDate;
  if (kind === 'milestone' || target.value === null) {
    if (latest?.value === 1) return 'achieved';
    if (overdue) return 'overdue';
    return latest ? 'on_track' : 'not_started';
  }
  const direction = baseline && target.value < baseline.value ? -1 : 1;
  if (latest && direction * (latest.value - target.value) >= 0) return 'achieved';
  if (overdue) return 'overdue';
  if (!latest) return 'not_started';
  const daysLeft = daysBetween(asOfDate, target.dueDate);
  if (daysLeft <= 0) return 'at_risk';
  const previous =
    series.at(-2) ?? (baseline ? { value: baseline.value, asOfDate: baseline.date } : { value: 0, asOfDate: latest.asOfDate });
  const needed = (direction * (target.value - latest.value)) / daysLeft;
  const recent = (direction * (latest.value - previous.value)) / Math.max(1, daysBetween(previous.asOfDate, latest.asOfDate));
  return needed > recent ? 'at_risk' : 'on_track';
}

/** Verified value as a percentage of the target, one decimal; null when there is nothing to compare. */
export function percentOfTarget(value: number | null | undefined, target: number | null): number | null {
  if (value === null || value === undefined || !target) return null;
  return Math.round((value / target) * 1000) / 10;
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
