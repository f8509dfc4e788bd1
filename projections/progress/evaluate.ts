import type { BilingualName } from '../../src/domain/fund/events.js';
import type { Qualifier } from '../../src/domain/indicator/events.js';
import {
  percentOfTarget,
  progressStatus,
  sumSeries,
  type Point,
  type ProgressStatus,
  type ValuesAsOf,
} from '../../src/domain/indicator/status.js';
import type { IndicatorRow } from './types.js';

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
  /** Each indicator's values as of `asOf`; none for an indicator with nothing reported. */
  values: ReadonlyMap<string, ValuesAsOf>;
  asOf: Date;
  /** Top-level node (component, policy objective) of an investment. */
  componentOf: (programme: string, period: string, investment: string) => string;
}

/** The table and the roll-up as they stood at `asOf`; `projectNodes: false` leaves the roll-up's project level out. */
export function evaluate(input: EvaluationInput, { projectNodes = true } = {}): { indicators: IndicatorProgress[]; rollup: RollupNode[] } {
  const table = progressTable(input);
  return { indicators: table, rollup: rollUp(table, input.rows, dateOf(input.asOf), input.componentOf, projectNodes) };
}

const dateOf = (instant: Date) => instant.toISOString().slice(0, 10);

/** The selected indicators' lines as they stood at `asOf`. */
export function progressTable({ rows, selected, values: own, asOf }: EvaluationInput): IndicatorProgress[] {
  const asOfDate = dateOf(asOf);
  const valuesOf = (id: string): ValuesAsOf => own.get(id) ?? NOTHING;
  const contributorsOf = contributorsAmong(rows);

  // Plain assignments rather than conditional spreads: this runs for every indicator of a council report.
  return rows
    .filter((r) => selected.has(r.indicatorId))
    .map((r) => {
      const values = indicatorValues(r, contributorsOf, valuesOf);
      const baseline = r.baselineValue === null || r.baselineDate === null ? null : { value: r.baselineValue, date: r.baselineDate };
      const status = progressStatus({
        kind: r.kind,
        baseline,
        target: { value: r.targetValue, dueDate: r.dueDate },
        series: values.series,
        asOfDate,
      });
      const percent = percentOfTarget(values.verified?.value, r.targetValue);
      const line = {
        indicatorId: r.indicatorId,
        level: r.level,
        fund: r.fund,
        programme: r.programme,
        period: r.period,
        investment: r.investment,
      } as IndicatorProgress;
      if (r.projectId) line.projectId = r.projectId;
      line.code = r.code;
      line.name = { lv: r.nameLv, en: r.nameEn };
      line.kind = r.kind;
      if (r.unitLv !== null && r.unitEn !== null) line.unit = { lv: r.unitLv, en: r.unitEn };
      if (baseline) line.baseline = baseline;
      line.target = r.targetValue !== null ? { value: r.targetValue, dueDate: r.dueDate } : { dueDate: r.dueDate };
      line.contributingProjects = r.contributingProjects;
      if (values.verified) line.verified = values.verified;
      if (values.pending) line.reported = values.pending;
      if (percent !== null) line.percentOfTarget = percent;
      line.status = status;
      return line;
    });
}

/**
 * The project indicators among `rows` summed into an investment indicator: same investment and
 * code, the project listed as contributor, the same unit. Indexed by investment and code on first
 * use, so a table stays linear in the number of indicators.
 */
export function contributorsAmong(rows: readonly IndicatorRow[]): (r: IndicatorRow) => IndicatorRow[] {
  let projectRows: Map<string, IndicatorRow[]> | undefined;
  return (r) => {
    projectRows ??= groupBy(
      rows.filter((p) => p.level === 'project'),
      (p) => `${investmentKey(p)} ${p.code}`,
    );
    return (projectRows.get(`${investmentKey(r)} ${r.code}`) ?? []).filter(
      (p) => r.contributingProjects.includes(p.projectId!) && p.unitEn === r.unitEn,
    );
  };
}

/**
 * An indicator's values: its own, or for an investment indicator with contributing projects the
 * sum of theirs. The one rule the progress table and an explanation of its values
 * (src/application/explain.ts) use, each with values from its own source.
 */
export function indicatorValues(
  r: IndicatorRow,
  contributorsOf: (r: IndicatorRow) => readonly IndicatorRow[],
  valuesOf: (indicatorId: string) => ValuesAsOf,
): ValuesAsOf {
  return r.contributingProjects.length ? summed(contributorsOf(r).map((p) => valuesOf(p.indicatorId))) : valuesOf(r.indicatorId);
}

/** The values of a progress line that can be explained event by event. */
export type ProgressFigure = 'verified' | 'reported' | 'target';

/**
 * Each figure as a line shows it (`verified.value`, `reported.value`, `target.value`) and as
 * values and a definition give it: the same field, so an explanation sums to what the table shows.
 */
export const PROGRESS_FIGURES: Readonly<
  Record<
    ProgressFigure,
    {
      ofLine: (line: IndicatorProgress) => number | undefined;
      ofValues: (values: ValuesAsOf, r: Pick<IndicatorRow, 'targetValue'>) => number | undefined;
    }
  >
> = {
  verified: { ofLine: (x) => x.verified?.value, ofValues: (v) => v.verified?.value },
  reported: { ofLine: (x) => x.reported?.value, ofValues: (v) => v.pending?.value },
  target: { ofLine: (x) => x.target.value, ofValues: (_, r) => r.targetValue ?? undefined },
};

const NOTHING: ValuesAsOf = { series: [], verified: null, pending: null };

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
    ? {
        value: latest.reduce((n, p) => n + p.value, 0),
        asOfDate: latest
          .map((p) => p.asOfDate)
          .sort()
          .at(-1)!,
        qualifier: sumSeries(latest.map((p) => [p])).at(-1)!.qualifier,
      }
    : null;
  return { series, verified: series.at(-1) ?? null, pending };
}

/**
 * Project → investment → component → fund. A project indicator that an investment indicator
 * already sums (same code, project listed as contributor) counts at the project level only,
 * so nothing is counted twice above it.
 */
function rollUp(
  table: IndicatorProgress[],
  rows: readonly IndicatorRow[],
  asOfDate: string,
  componentOf: EvaluationInput['componentOf'],
  projectNodes: boolean,
): RollupNode[] {
  const summing = groupBy(
    rows.filter((r) => r.level === 'investment' && r.contributingProjects.length > 0),
    (r) => `${investmentKey(r)} ${r.code}`,
  );
  const covered = (x: IndicatorProgress) =>
    summing.size > 0 &&
    x.level === 'project' &&
    (summing.get(`${investmentKey(x)} ${x.code}`) ?? []).some((r) => r.contributingProjects.includes(x.projectId!));
  // Keyed (and later sorted) by level, then fund, programme, period, component, investment, project.
  const nodes = new Map<string, RollupNode>();
  const add = (id: string, key: () => Omit<RollupNode, 'quantities' | 'milestones' | 'statuses'>, x: IndicatorProgress) => {
    let node = nodes.get(id);
    if (!node)
      nodes.set(
        id,
        (node = {
          ...key(),
          quantities: [],
          milestones: { achieved: 0, due: 0, total: 0 },
          statuses: { achieved: 0, on_track: 0, at_risk: 0, overdue: 0, not_started: 0 },
        }),
      );
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
  };
  // The level's rank leads the id, so sorting ids orders the nodes fund → component → investment → project.
  for (const x of table) {
    const { fund, programme, period, investment, projectId } = x;
    if (projectId && projectNodes)
      add(
        `3\u0000${fund}\u0000${programme}\u0000${period}\u0000\u0000${investment}\u0000${projectId}`,
        () => ({ level: 'project', fund, programme, period, investment, projectId }),
        x,
      );
    if (covered(x)) continue;
    const component = componentOf(programme, period, investment);
    add(
      `2\u0000${fund}\u0000${programme}\u0000${period}\u0000${component}\u0000${investment}`,
      () => ({ level: 'investment', fund, programme, period, component, investment }),
      x,
    );
    add(
      `1\u0000${fund}\u0000${programme}\u0000${period}\u0000${component}`,
      () => ({ level: 'component', fund, programme, period, component }),
      x,
    );
    add(`0\u0000${fund}`, () => ({ level: 'fund', fund }), x);
  }
  for (const node of nodes.values()) {
    node.quantities.sort((a, b) => compare(a.code, b.code) || compare(a.unit.en, b.unit.en));
    for (const q of node.quantities) {
      const percent = percentOfTarget(q.verified, q.target);
      if (percent !== null) q.percentOfTarget = percent;
    }
  }
  return [...nodes.keys()].sort(compare).map((id) => nodes.get(id)!);
}

/** Lines sorted as the table is read: fund, programme, period, investment, investment level first, code, id (by code unit). */
export function inTableOrder<
  T extends Pick<IndicatorProgress, 'fund' | 'programme' | 'period' | 'investment' | 'level' | 'code' | 'indicatorId'>,
>(lines: readonly T[]): T[] {
  return lines
    .map((x) => ({
      key: `${x.fund}\u0000${x.programme}\u0000${x.period}\u0000${x.investment}\u0000${x.level}\u0000${x.code}\u0000${x.indicatorId}`,
      x,
    }))
    .sort((a, b) => compare(a.key, b.key))
    .map((k) => k.x);
}

/** Codes and ids compare by code unit: quicker than localeCompare, and the same on every machine. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
