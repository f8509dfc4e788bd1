import type { MikroORM } from '@mikro-orm/postgresql';
import { ProgrammeNodeEntrySchema } from '../programme-structure/entity.js';
import { valuesAsOf, type HistoryEntry, type Point, type ValuesAsOf } from '../../src/domain/indicator/status.js';
import type { Qualifier } from '../../src/domain/indicator/events.js';
import type { IndicatorRow } from './types.js';
import { evaluate, type EvaluationInput, type IndicatorProgress, type RollupNode } from './evaluate.js';

export interface ProgressQuery {
  /** The instant the answer is for: only what was recorded up to it counts. */
  asOf: Date;
  fund?: string;
  programme?: string;
  period?: string;
  investment?: string;
  projectId?: string;
  indicatorId?: string;
}

export interface ProgressTable {
  indicators: IndicatorProgress[];
  rollup: RollupNode[];
}

/**
 * Progress to target as the system knew it at `asOf`. `scope` (a beneficiary's organisation)
 * keeps only indicators of projects where it is the recipient or a partner.
 */
export async function progressAsOf(orm: MikroORM, q: ProgressQuery, scope: { partyOrganisation: string } | null): Promise<ProgressTable> {
  const input = await progressInput(orm, q, scope);
  return input ? evaluate(input) : { indicators: [], rollup: [] };
}

/**
 * What `evaluate` needs to answer as of `q.asOf`: the indicators defined by then, and each
 * one's state then (one row per indicator from `indicator_states`). Investment targets summed
 * from their projects need the parts' whole series: those parts' histories are read and
 * replayed. Null when nothing is selected.
 */
export async function progressInput(orm: MikroORM, q: ProgressQuery, scope: { partyOrganisation: string } | null): Promise<(EvaluationInput & { everything: boolean }) | null> {
  const db = orm.em.fork().getConnection();
  const conditions = ['defined_at <= ?'];
  const params: unknown[] = [q.asOf];
  for (const [key, column] of FILTERS) {
    if (q[key] === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(q[key]);
  }
  if (scope) {
    const visible = await visibleProjects(orm, scope, q.projectId);
    if (visible.length === 0) return null;
    conditions.push('project_id = any(?::uuid[])');
    params.push(uuidArray(visible));
  }
  const selection = await definitions(db, conditions.join(' and '), params);
  if (selection.length === 0) return null;
  let rows = selection;
  const everything = !scope && FILTERS.every(([key]) => q[key] === undefined);
  if (!everything) {
    // The investments' other indicators: contributors to sum, and investment indicators that already count a project's.
    const investments = unique(selection.map((r) => JSON.stringify([r.programme, r.period, r.investment]))).map((k) => JSON.parse(k) as string[]);
    const around = await definitions(db, `defined_at <= ? and (programme, period, investment) in (${investments.map(() => '(?, ?, ?)').join(', ')})`, [
      q.asOf,
      ...investments.flat(),
    ]);
    rows = uniqueBy([...selection, ...around], (r) => r.indicatorId);
  }
  const [values, componentOf] = await Promise.all([valuesOf(orm, rows, everything, q.asOf), componentLookup(orm, rows)]);
  return { rows, selected: new Set(selection.map((r) => r.indicatorId)), values, asOf: q.asOf, componentOf, everything };
}

/**
 * The same selection as the system knew it at an earlier instant: the indicators defined by
 * then, and their states then (the council report compares the window's start and end).
 */
export async function restrictTo(orm: MikroORM, input: EvaluationInput & { everything: boolean }, asOf: Date): Promise<EvaluationInput> {
  const rows = input.rows.filter((r) => r.definedAt.getTime() <= asOf.getTime());
  const values = rows.length ? await valuesOf(orm, rows, input.everything, asOf) : new Map<string, ValuesAsOf>();
  return { ...input, rows, selected: new Set(rows.map((r) => r.indicatorId).filter((id) => input.selected.has(id))), values, asOf };
}

/** Each row's values as of `asOf`: from its state then, or for a part of a summed target, its history. */
async function valuesOf(orm: MikroORM, rows: readonly IndicatorRow[], everything: boolean, asOf: Date): Promise<Map<string, ValuesAsOf>> {
  const values = await statesAsOf(orm.em.fork().getConnection(), everything ? null : rows.map((r) => r.indicatorId), asOf);
  const parts = contributorsOf(rows);
  if (parts.length) {
    const history = await historyOf(orm, parts, asOf);
    for (const id of parts) values.set(id, valuesAsOf(history.get(id) ?? [], asOf));
  }
  return values;
}

const FILTERS = [
  ['fund', 'fund'],
  ['programme', 'programme'],
  ['period', 'period'],
  ['investment', 'investment'],
  ['projectId', 'project_id'],
  ['indicatorId', 'indicator_id'],
] as const;

type Connection = ReturnType<ReturnType<MikroORM['em']['fork']>['getConnection']>;

/** Definitions in the order of the table: fund, programme, period, investment, level, code (by code unit). */
async function definitions(db: Connection, where: string, params: unknown[]): Promise<IndicatorRow[]> {
  const rows = await db.execute<(Omit<IndicatorRow, 'definedAt'> & { definedAt: string | Date })[]>(
    `select indicator_id as "indicatorId", level, fund, programme, period, investment, project_id as "projectId", code,
            name_lv as "nameLv", name_en as "nameEn", kind, unit_lv as "unitLv", unit_en as "unitEn",
            baseline_value::float8 as "baselineValue", to_char(baseline_date, 'YYYY-MM-DD') as "baselineDate",
            target_value::float8 as "targetValue", to_char(due_date, 'YYYY-MM-DD') as "dueDate",
            contributing_projects::text[] as "contributingProjects", defined_at as "definedAt"
       from indicators where ${where}
`,
    params,
  );
  // Sorted here: PostgreSQL would sort the whole wide rows, on disk past work_mem.
  const keyed = rows.map((r) => {
    r.definedAt = new Date(r.definedAt);
    return { key: `${r.fund}\u0000${r.programme}\u0000${r.period}\u0000${r.investment}\u0000${r.level}\u0000${r.code}\u0000${r.indicatorId}`, row: r as IndicatorRow };
  });
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.row);
}

interface StateRow {
  id: string;
  vv: number | null;
  vd: string | null;
  vq: Qualifier | null;
  pv: number | null;
  pd: string | null;
  pq: Qualifier | null;
  nv: number | null;
  nd: string | null;
  nq: Qualifier | null;
}

/**
 * Each indicator's state as of `asOf` (null ids: every indicator): the current one if it began
 * by then, else the one that was valid then. The series holds the two latest verified values,
 * all that a status needs; an indicator without a state had nothing reported.
 */
async function statesAsOf(db: Connection, ids: string[] | null, asOf: Date): Promise<Map<string, ValuesAsOf>> {
  const columns = `indicator_id as id, verified_value as vv, to_char(verified_date, 'YYYY-MM-DD') as vd, verified_qualifier as vq,
            previous_value as pv, to_char(previous_date, 'YYYY-MM-DD') as pd, previous_qualifier as pq,
            pending_value as nv, to_char(pending_date, 'YYYY-MM-DD') as nd, pending_qualifier as nq`;
  const only = ids ? ' and indicator_id = any(?::uuid[])' : '';
  const rows = await db.execute<StateRow[]>(
    `select ${columns} from indicator_current where valid_from <= ?${only}
     union all
     select ${columns} from indicator_states where valid_to > ? and valid_to <> 'infinity' and valid_from <= ?${only}`,
    ids ? [asOf, uuidArray(ids), asOf, asOf, uuidArray(ids)] : [asOf, asOf, asOf],
  );
  const point = (value: number | null, asOfDate: string | null, qualifier: Qualifier | null): Point | null =>
    value === null ? null : { value, asOfDate: asOfDate!, qualifier: qualifier! };
  const values = new Map<string, ValuesAsOf>();
  for (const r of rows) {
    const verified = point(r.vv, r.vd, r.vq);
    const previous = point(r.pv, r.pd, r.pq);
    values.set(r.id, { series: [previous, verified].filter((p): p is Point => p !== null), verified, pending: point(r.nv, r.nd, r.nq) });
  }
  return values;
}

/** Project indicators summed into an investment indicator (same code, project listed as contributor). */
function contributorsOf(rows: readonly IndicatorRow[]): string[] {
  const summing = rows.filter((r) => r.level === 'investment' && r.contributingProjects.length > 0);
  if (summing.length === 0) return [];
  const wanted = new Set(summing.flatMap((r) => r.contributingProjects.map((p) => `${r.programme} ${r.period} ${r.investment} ${r.code} ${p}`)));
  return rows.filter((r) => r.level === 'project' && wanted.has(`${r.programme} ${r.period} ${r.investment} ${r.code} ${r.projectId}`)).map((r) => r.indicatorId);
}

/** Reports and reviews recorded up to `asOf`, in stream order, by indicator. */
async function historyOf(orm: MikroORM, indicatorIds: string[], asOf: Date): Promise<Map<string, HistoryEntry[]>> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<(HistoryEntry & { indicatorId: string; recordedAt: Date | string })[]>(
      `select indicator_id as "indicatorId", event, report, value::float8 as value, to_char(as_of_date, 'YYYY-MM-DD') as "asOfDate",
              qualifier, corrects, recorded_at as "recordedAt"
         from indicator_history where indicator_id = any(?::uuid[]) and recorded_at <= ?
        order by indicator_id, stream_version`,
      [uuidArray(indicatorIds), asOf],
    );
  const byIndicator = new Map<string, HistoryEntry[]>();
  for (const r of rows) {
    r.recordedAt = new Date(r.recordedAt);
    const list = byIndicator.get(r.indicatorId) ?? [];
    if (list.length === 0) byIndicator.set(r.indicatorId, list);
    list.push(r);
  }
  return byIndicator;
}

/** As one array literal: the driver would spread a JS array into a list of parameters. */
const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** Projects where the organisation is the recipient or a partner (from the project list read model). */
async function visibleProjects(orm: MikroORM, scope: { partyOrganisation: string }, only?: string): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ project_id: string }[]>(
      `select project_id from projects where (recipient_org = ? or ? = any(partner_orgs))${only ? ' and project_id = ?::uuid' : ''}`,
      [scope.partyOrganisation, scope.partyOrganisation, ...(only ? [only] : [])],
    );
  return rows.map((r) => r.project_id);
}

/** The top-level node (component, policy objective) above each investment, from the programme structure. */
async function componentLookup(orm: MikroORM, rows: readonly IndicatorRow[]) {
  const em = orm.em.fork();
  const parents = new Map<string, string | null>();
  for (const pair of unique(rows.map((r) => JSON.stringify([r.programme, r.period])))) {
    const [programme, period] = JSON.parse(pair) as [string, string];
    for (const n of await em.find(ProgrammeNodeEntrySchema, { programme, period })) parents.set(`${programme} ${period} ${n.code}`, n.parentCode);
  }
  const found = new Map<string, string>();
  return (programme: string, period: string, investment: string): string => {
    const key = `${programme} ${period} ${investment}`;
    let component = found.get(key);
    if (component === undefined) found.set(key, (component = climb(programme, period, investment)));
    return component;
  };
  function climb(programme: string, period: string, investment: string): string {
    let code = investment;
    for (let hops = 0; hops < 10; hops++) {
      const parent = parents.get(`${programme} ${period} ${code}`);
      if (!parent) break;
      code = parent;
    }
    // An investment the structure does not know (yet): its first number is its component.
    return parents.has(`${programme} ${period} ${code}`) ? code : investment.split('.')[0]!;
  }
}

const unique = (xs: string[]) => [...new Set(xs)];
const uniqueBy = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
