import type { BilingualName } from '../../src/domain/fund/events.js';
import type { Qualifier } from '../../src/domain/indicator/events.js';
import {
  percentOfTarget,
  progressStatus,
  sumSeries,
  valuesAsOf,
  type HistoryEntry,
  type Point,
  type ProgressStatus,
  type ValuesAsOf,
} from '../../src/domain/indicator/status.js';
import type { IndicatorHistoryRow, IndicatorRow } from './entity.js';

/** A value as of a date, with how exact it is. */
export interface ValuePoint {
  value: number;
  asOfDate: string;
  qualifier: Qualifier;
}

/** One line of the progress-to-target table. */
export interface IndicatorProgress {
  indicatorId: string;
  level: 'investment' | 'project';
  fund: string;
  programme: string;
  period: string;
  investment: string;
  projectId?: string;
  code: string;
  name: BilingualName;
  kind: 'milestone' | 'target';
  unit?: BilingualName;
  baseline?: { value: number; date: string };
  target: { value?: number; dueDate: string };
  /** Investment indicators: the projects whose same-coded indicators are summed into this one. */
  contributingProjects: string[];
  /** The verified value with the latest as-of date (for a sum: the sum of the parts' latest). */
  verified?: ValuePoint;
  /** The latest value reported but not yet verified or rejected. */
  reported?: ValuePoint;
  /** Verified value as % of the target value. */
  percentOfTarget?: number;
  status: ProgressStatus;
}

export interface StatusCounts {
  achieved: number;
  on_track: number;
  at_risk: number;
  overdue: number;
  not_started: number;
}

/** Quantitative indicators of one code and unit, summed. */
export interface RollupQuantity {
  code: string;
  unit: BilingualName;
  target: number;
  verified: number;
  /** Verified, plus what is reported and awaiting verification. */
  reported: number;
  percentOfTarget?: number;
  indicators: number;
}

/** Progress summed for a project, an investment, a component (or policy objective) or a fund. */
export interface RollupNode {
  level: 'project' | 'investment' | 'component' | 'fund';
  fund: string;
  programme?: string;
  period?: string;
  component?: string;
  investment?: string;
  projectId?: string;
  quantities: RollupQuantity[];
  /** Milestones: reached, due by the as-of date, and all. */
  milestones: { achieved: number; due: number; total: number };
  statuses: StatusCounts;
}

export interface EvaluationInput {
  /** Every indicator needed: the selection, plus the investment indicators and contributors around it. */
  rows: readonly IndicatorRow[];
  selected: ReadonlySet<string>;
  history: readonly IndicatorHistoryRow[];
  asOf: Date;
  /** Top-level node (component, policy objective) of an investment. */
  componentOf: (programme: string, period: string, investment: string) => string;
}

/** The table and the roll-up as they stood at `asOf`. */
export function evaluate({ rows, selected, history, asOf, componentOf }: EvaluationInput): { indicators: IndicatorProgress[]; rollup: RollupNode[] } {
  const asOfDate = asOf.toISOString().slice(0, 10);
  const byIndicator = new Map<string, HistoryEntry[]>();
  for (const h of history) {
    const list = byIndicator.get(h.indicatorId) ?? [];
    if (list.length === 0) byIndicator.set(h.indicatorId, list);
    list.push(h as HistoryEntry);
  }
  const own = new Map(rows.map((r) => [r.indicatorId, valuesAsOf(byIndicator.get(r.indicatorId) ?? [], asOf)]));
  // Indexed by investment and code, so the table is linear in the number of indicators.
  const projectRows = groupBy(rows.filter((r) => r.level === 'project'), (r) => `${investmentKey(r)} ${r.code}`);
  const contributorsOf = (r: IndicatorRow) =>
    (projectRows.get(`${investmentKey(r)} ${r.code}`) ?? []).filter((p) => r.contributingProjects.includes(p.projectId!) && p.unitEn === r.unitEn);

  const table = rows.filter((r) => selected.has(r.indicatorId)).map((r) => {
    const values = r.contributingProjects.length ? summed(contributorsOf(r).map((p) => own.get(p.indicatorId)!)) : own.get(r.indicatorId)!;
    const baseline = r.baselineValue === null || r.baselineDate === null ? null : { value: r.baselineValue, date: r.baselineDate };
    const target = { value: r.targetValue, dueDate: r.dueDate };
    const status = progressStatus({ kind: r.kind, baseline, target, series: values.series, asOfDate });
    const percent = percentOfTarget(values.verified?.value, r.targetValue);
    const line: IndicatorProgress = {
      indicatorId: r.indicatorId,
      level: r.level,
      fund: r.fund,
      programme: r.programme,
      period: r.period,
      investment: r.investment,
      ...(r.projectId ? { projectId: r.projectId } : {}),
      code: r.code,
      name: { lv: r.nameLv, en: r.nameEn },
      kind: r.kind,
      ...(r.unitLv !== null && r.unitEn !== null ? { unit: { lv: r.unitLv, en: r.unitEn } } : {}),
      ...(baseline ? { baseline } : {}),
      target: { ...(r.targetValue !== null ? { value: r.targetValue } : {}), dueDate: r.dueDate },
      contributingProjects: r.contributingProjects,
      ...(values.verified ? { verified: values.verified } : {}),
      ...(values.pending ? { reported: values.pending } : {}),
      ...(percent !== null ? { percentOfTarget: percent } : {}),
      status,
    };
    return line;
  });
  return { indicators: table, rollup: rollUp(table, rows, asOfDate, componentOf) };
}

const investmentKey = (r: Pick<IndicatorRow, 'programme' | 'period' | 'investment'>) => `${r.programme} ${r.period} ${r.investment}`;

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const x of xs) {
    const list = groups.get(key(x)) ?? [];
    if (list.length === 0) groups.set(key(x), list);
    list.push(x);
  }
  return groups;
}

/** An investment indicator with contributors: the parts' running sum; pending = parts' latest known values, if any part is pending. */
function summed(parts: ValuesAsOf[]): ValuesAsOf {
  const series = sumSeries(parts.map((p) => p.series));
  const anyPending = parts.some((p) => p.pending);
  const latest = parts.map((p) => p.pending ?? p.verified).filter((p): p is Point => p !== null);
  const pending: Point | null = anyPending
    ? { value: latest.reduce((n, p) => n + p.value, 0), asOfDate: latest.map((p) => p.asOfDate).sort().at(-1)!, qualifier: sumSeries(latest.map((p) => [p])).at(-1)!.qualifier }
    : null;
  return { series, verified: series.at(-1) ?? null, pending };
}

/**
 * Project → investment → component → fund. A project indicator that an investment indicator
 * already sums (same code, project listed as contributor) counts at the project level only,
 * so nothing is counted twice above it.
 */
function rollUp(table: IndicatorProgress[], rows: readonly IndicatorRow[], asOfDate: string, componentOf: EvaluationInput['componentOf']): RollupNode[] {
  const summing = groupBy(rows.filter((r) => r.level === 'investment' && r.contributingProjects.length > 0), (r) => `${investmentKey(r)} ${r.code}`);
  const covered = (x: IndicatorProgress) =>
    x.level === 'project' && (summing.get(`${investmentKey(x)} ${x.code}`) ?? []).some((r) => r.contributingProjects.includes(x.projectId!));
  const nodes = new Map<string, RollupNode>();
  const add = (key: Omit<RollupNode, 'quantities' | 'milestones' | 'statuses'>, x: IndicatorProgress) => {
    const id = JSON.stringify(key);
    const node = nodes.get(id) ?? { ...key, quantities: [], milestones: { achieved: 0, due: 0, total: 0 }, statuses: { achieved: 0, on_track: 0, at_risk: 0, overdue: 0, not_started: 0 } };
    nodes.set(id, node);
    node.statuses[x.status] += 1;
    if (x.kind === 'milestone' || !x.unit) {
      node.milestones.total += 1;
      if (x.status === 'achieved') node.milestones.achieved += 1;
      if (x.target.dueDate <= asOfDate) node.milestones.due += 1;
      return;
    }
    let q = node.quantities.find((y) => y.code === x.code && y.unit.en === x.unit!.en);
    if (!q) node.quantities.push((q = { code: x.code, unit: x.unit, target: 0, verified: 0, reported: 0, indicators: 0 }));
    q.indicators += 1;
    q.target += x.target.value ?? 0;
    q.verified += x.verified?.value ?? 0;
    q.reported += (x.reported ?? x.verified)?.value ?? 0;
    const percent = percentOfTarget(q.verified, q.target);
    if (percent === null) delete q.percentOfTarget;
    else q.percentOfTarget = percent;
  };
  for (const x of table) {
    if (x.projectId) add({ level: 'project', fund: x.fund, programme: x.programme, period: x.period, investment: x.investment, projectId: x.projectId }, x);
    if (covered(x)) continue;
    const component = componentOf(x.programme, x.period, x.investment);
    add({ level: 'investment', fund: x.fund, programme: x.programme, period: x.period, component, investment: x.investment }, x);
    add({ level: 'component', fund: x.fund, programme: x.programme, period: x.period, component }, x);
    add({ level: 'fund', fund: x.fund }, x);
  }
  for (const node of nodes.values()) node.quantities.sort((a, b) => a.code.localeCompare(b.code) || a.unit.en.localeCompare(b.unit.en));
  const order = ['fund', 'component', 'investment', 'project'];
  const key = (n: RollupNode) => [n.fund, n.programme, n.period, n.component, n.investment, n.projectId].join(' ');
  return [...nodes.values()].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level) || key(a).localeCompare(key(b)));
}
