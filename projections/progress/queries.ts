import type { MikroORM } from '@mikro-orm/postgresql';
import { ProgrammeNodeEntrySchema } from '../programme-structure/entity.js';
import { IndicatorRowSchema, type IndicatorHistoryRow, type IndicatorRow } from './entity.js';
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
 * What `evaluate` needs to answer as of `q.asOf`, read once; an earlier instant can be
 * evaluated from the same input with {@link restrictTo} (the council report compares two).
 * Null when nothing is selected.
 */
export async function progressInput(orm: MikroORM, q: ProgressQuery, scope: { partyOrganisation: string } | null): Promise<EvaluationInput | null> {
  const em = orm.em.fork();
  const where: Record<string, unknown> = { definedAt: { $lte: q.asOf } };
  for (const key of ['fund', 'programme', 'period', 'investment', 'projectId', 'indicatorId'] as const) {
    if (q[key] !== undefined) where[key] = q[key];
  }
  if (scope) {
    const visible = await visibleProjects(orm, scope, q.projectId);
    if (visible.length === 0) return null;
    where.projectId = { $in: visible };
  }
  const selection = await em.find(IndicatorRowSchema, where, { orderBy: { fund: 'asc', programme: 'asc', period: 'asc', investment: 'asc', level: 'asc', code: 'asc', indicatorId: 'asc' } });
  if (selection.length === 0) return null;
  // The investments' other indicators: contributors to sum, and investment indicators that already count a project's.
  const investments = unique(selection.map((r) => JSON.stringify([r.programme, r.period, r.investment])));
  const around = await em.find(IndicatorRowSchema, {
    definedAt: { $lte: q.asOf },
    $or: investments.map((k) => {
      const [programme, period, investment] = JSON.parse(k) as string[];
      return { programme, period, investment };
    }),
  });
  const rows = uniqueBy([...selection, ...around], (r) => r.indicatorId);
  const history = await historyOf(orm, rows.map((r) => r.indicatorId), q.asOf);
  const componentOf = await componentLookup(orm, rows);
  return { rows, selected: new Set(selection.map((r) => r.indicatorId)), history, asOf: q.asOf, componentOf };
}

/** The same input as the system knew it at an earlier instant: indicators defined by then (history is filtered by `evaluate`). */
export function restrictTo(input: EvaluationInput, asOf: Date): EvaluationInput {
  const rows = input.rows.filter((r) => r.definedAt.getTime() <= asOf.getTime());
  return { ...input, rows, selected: new Set(rows.map((r) => r.indicatorId).filter((id) => input.selected.has(id))), asOf };
}

/**
 * Reports and reviews recorded up to `asOf`, in stream order. Plain SQL rather than entities:
 * a council report reads every indicator's history (a million rows in the benchmark), and
 * hydrating entities took most of its time.
 */
async function historyOf(orm: MikroORM, indicatorIds: string[], asOf: Date): Promise<IndicatorHistoryRow[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<(Omit<IndicatorHistoryRow, 'recordedAt'> & { recordedAt: Date | string })[]>(
      `select indicator_id as "indicatorId", stream_version as "streamVersion", event, report, value::float8 as value,
              to_char(as_of_date, 'YYYY-MM-DD') as "asOfDate", qualifier, corrects, actor, recorded_at as "recordedAt"
         from indicator_history where indicator_id = any(?::uuid[]) and recorded_at <= ?
        order by indicator_id, stream_version`,
      // As one array literal: the driver would spread a JS array into a list of parameters.
      [`{${indicatorIds.join(',')}}`, asOf],
    );
  for (const r of rows) r.recordedAt = new Date(r.recordedAt);
  return rows as IndicatorHistoryRow[];
}

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
  return (programme: string, period: string, investment: string): string => {
    let code = investment;
    for (let hops = 0; hops < 10; hops++) {
      const parent = parents.get(`${programme} ${period} ${code}`);
      if (!parent) break;
      code = parent;
    }
    // An investment the structure does not know (yet): its first number is its component.
    return parents.has(`${programme} ${period} ${code}`) ? code : investment.split('.')[0]!;
  };
}

const unique = (xs: string[]) => [...new Set(xs)];
const uniqueBy = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
