import type { MikroORM } from '@mikro-orm/postgresql';
import { ProgrammeNodeEntrySchema } from '../programme-structure/entity.js';
import { valuesAsOf, type HistoryEntry, type ValuesAsOf } from '../../src/domain/indicator/status.js';
import type { Qualifier } from '../../src/domain/indicator/events.js';
import type { IndicatorRow } from './types.js';
import { evaluate, inTableOrder, type EvaluationInput, type IndicatorProgress, type RollupNode } from './evaluate.js';

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
  if (!input) return { indicators: [], rollup: [] };
  const { indicators, rollup } = evaluate(input);
  return { indicators: inTableOrder(indicators), rollup };
}

/**
 * What `evaluate` needs to answer as of `q.asOf`: the indicators defined by then, and each
 * one's state then (one row per indicator from `indicator_states`). Investment targets summed
 * from their projects need the parts' whole series: those parts' histories are read and
 * replayed. Null when nothing is selected.
 */
export async function progressInput(
  orm: MikroORM,
  q: ProgressQuery,
  scope: { partyOrganisation: string } | null,
): Promise<(EvaluationInput & { everything: boolean }) | null> {
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
  const selection = await definitions(db, conditions.join(' and '), params, q.asOf);
  if (selection.rows.length === 0) return null;
  let rows = selection.rows;
  const values = selection.values;
  const everything = !scope && FILTERS.every(([key]) => q[key] === undefined);
  if (!everything) {
    // The investments' other indicators: contributors to sum, and investment indicators that already count a project's.
    const investments = unique(rows.map((r) => JSON.stringify([r.programme, r.period, r.investment]))).map(
      (k) => JSON.parse(k) as string[],
    );
    const around = await definitions(
      db,
      `defined_at <= ? and (programme, period, investment) in (${investments.map(() => '(?, ?, ?)').join(', ')})`,
      [q.asOf, ...investments.flat()],
      q.asOf,
    );
    rows = uniqueBy([...rows, ...around.rows], (r) => r.indicatorId);
    for (const [id, v] of around.values) values.set(id, v);
  }
  const [history, componentOf] = await Promise.all([partsReplayed(orm, rows, q.asOf), componentLookup(orm, rows)]);
  for (const [id, v] of history) values.set(id, v);
  return { rows, selected: new Set(selection.rows.map((r) => r.indicatorId)), values, asOf: q.asOf, componentOf, everything };
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
  for (const [id, v] of await partsReplayed(orm, rows, asOf)) values.set(id, v);
  return values;
}

/** The parts of summed investment targets, replayed from their histories: a sum needs their whole series. */
async function partsReplayed(orm: MikroORM, rows: readonly IndicatorRow[], asOf: Date): Promise<Map<string, ValuesAsOf>> {
  const parts = contributorsOf(rows);
  if (parts.length === 0) return new Map();
  const history = await historyOf(orm, parts, asOf);
  return new Map(parts.map((id) => [id, valuesAsOf(history.get(id) ?? [], asOf)]));
}

const FILTERS = [
  ['fund', 'fund'],
  ['programme', 'programme'],
  ['period', 'period'],
  ['investment', 'investment'],
  ['projectId', 'project_id'],
  ['indicatorId', 'd.indicator_id'],
] as const;

type Connection = ReturnType<ReturnType<MikroORM['em']['fork']>['getConnection']>;

/**
 * What an indicator's state is, as of an instant: the current state if it began by then, else
 * the one valid then. Three parameters, all the instant.
 */
const STATE_COLUMNS = `indicator_id, verified_value as vv, verified_date as vd, verified_qualifier as vq,
       previous_value as pv, previous_date as pd, previous_qualifier as pq, pending_value as nv, pending_date as nd, pending_qualifier as nq`;
const statesAt = (only = '') => `select ${STATE_COLUMNS} from indicator_current where valid_from <= ?${only}
     union all
     select ${STATE_COLUMNS} from indicator_states where valid_to > ? and valid_to <> 'infinity' and valid_from <= ?${only}`;

interface StateColumns {
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

/** The two latest verified values (all that a status needs) and the pending report, as `evaluate` takes them. */
function valuesFrom(r: StateColumns): ValuesAsOf {
  const verified = r.vv === null ? null : { value: r.vv, asOfDate: r.vd!, qualifier: r.vq! };
  const previous = r.pv === null ? null : { value: r.pv, asOfDate: r.pd!, qualifier: r.pq! };
  const pending = r.nv === null ? null : { value: r.nv, asOfDate: r.nd!, qualifier: r.nq! };
  return { series: previous ? (verified ? [previous, verified] : [previous]) : verified ? [verified] : [], verified, pending };
}

/**
 * Definitions, each with its state as of `asOf` in the same rows; an indicator without a state
 * had nothing reported. Unordered: callers put what they show in table order (inTableOrder),
 * which for a council report is far fewer lines than it reads. Plain SQL: a council report
 * reads every indicator.
 */
async function definitions(
  db: Connection,
  where: string,
  params: unknown[],
  asOf: Date,
): Promise<{ rows: IndicatorRow[]; values: Map<string, ValuesAsOf> }> {
  const found = await db.execute<(Omit<IndicatorRow, 'definedAt'> & { definedAt: number | Date } & StateColumns)[]>(
    `select d.indicator_id as "indicatorId", level, fund, programme, period, investment, project_id as "projectId", code,
            name_lv as "nameLv", name_en as "nameEn", kind, unit_lv as "unitLv", unit_en as "unitEn",
            baseline_value::float8 as "baselineValue", baseline_date as "baselineDate",
            target_value::float8 as "targetValue", due_date as "dueDate",
            contributing_projects::text[] as "contributingProjects", (extract(epoch from defined_at) * 1000)::float8 as "definedAt",
            s.vv, s.vd, s.vq, s.pv, s.pd, s.pq, s.nv, s.nd, s.nq
       from indicators d left join (${statesAt()}) s on s.indicator_id = d.indicator_id
      where ${where}`,
    [asOf, asOf, asOf, ...params],
  );
  const values = new Map<string, ValuesAsOf>();
  for (const r of found) {
    if (r.vv !== null || r.nv !== null || r.pv !== null) values.set(r.indicatorId, valuesFrom(r));
    r.definedAt = new Date(r.definedAt);
  }
  // Each row's definedAt is a Date now. The state columns stay on the rows unread; copying
  // 50,000 rows into new objects cost more than they weigh.
  return { rows: found as IndicatorRow[], values };
}

/** Each indicator's state as of `asOf` (null ids: every indicator). */
async function statesAsOf(db: Connection, ids: string[] | null, asOf: Date): Promise<Map<string, ValuesAsOf>> {
  const only = ids ? ' and indicator_id = any(?::uuid[])' : '';
  const rows = await db.execute<(StateColumns & { indicator_id: string })[]>(
    statesAt(only),
    ids ? [asOf, uuidArray(ids), asOf, asOf, uuidArray(ids)] : [asOf, asOf, asOf],
  );
  return new Map(rows.map((r) => [r.indicator_id, valuesFrom(r)]));
}

/** Project indicators summed into an investment indicator (same code, project listed as contributor). */
function contributorsOf(rows: readonly IndicatorRow[]): string[] {
  const summing = rows.filter((r) => r.level === 'investment' && r.contributingProjects.length > 0);
  if (summing.length === 0) return [];
  const wanted = new Set(
    summing.flatMap((r) => r.contributingProjects.map((p) => `${r.programme} ${r.period} ${r.investment} ${r.code} ${p}`)),
  );
  return rows
    .filter((r) => r.level === 'project' && wanted.has(`${r.programme} ${r.period} ${r.investment} ${r.code} ${r.projectId}`))
    .map((r) => r.indicatorId);
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
    for (const n of await em.find(ProgrammeNodeEntrySchema, { programme, period }))
      parents.set(`${programme} ${period} ${n.code}`, n.parentCode);
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
