import type pg from 'pg';
import type { DuplicateRule } from '../../src/domain/dupalert/events.js';
import { byCodeUnits, RULE_RANK } from '../../src/domain/dupalert/rules.js';
import { COUNTED, computeAlerts, countsKey, decisionsOf, type ComputedAlert } from './alerts.js';
import { inSnapshot, loadFacts, type FactSource, type Seeds } from './facts.js';
import { DOUBLE_FUNDING, TAIL } from './sql.js';
import { whenBuilt } from '../../src/projection-engine/projection.js';

export type { FactSource } from './facts.js';

export type AlertStatus = 'open' | 'confirmed' | 'dismissed';

/** A double-funding alert: a warning for an officer, never a rejection; with the officers' decision on it. */
export interface DuplicateAlertView extends ComputedAlert {
  status: AlertStatus;
  /** The officer's reason, once decided. */
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** The officers' queue filters; every one given must hold. */
export interface AlertFilter {
  status?: AlertStatus;
  rule?: DuplicateRule;
  fund?: string;
  programme?: string;
  investment?: string;
  /** A recipient organisation among the alert's projects. */
  organisation?: string;
  projectId?: string;
  supplier?: string;
  minAmountCents?: number;
  maxAmountCents?: number;
  /** First seen at or after. */
  seenFrom?: Date;
  /** First seen before. */
  seenBefore?: Date;
}

/** Strongest rule first; largest amount at risk first; most recently first seen first. Ties by alert id. */
export type AlertSort = 'rule' | 'amount' | 'newest';

/** Where a page goes on from: the last alert's sort value (rank, cents or ISO instant) and id. */
export interface AlertAfter {
  value: number | string;
  alertId: string;
}

export interface AlertQuery {
  filter: AlertFilter;
  sort: AlertSort;
  after?: AlertAfter;
  /** At most this many; null: all. */
  limit: number | null;
}

/** How many alerts match the filters, by status (whatever the status filter) and by rule (whatever the rule filter). */
export interface AlertCounts {
  byStatus: Record<AlertStatus, number>;
  byRule: Record<DuplicateRule, number>;
}

/** The value an alert is ordered by under a sort. */
export const sortValue = (a: DuplicateAlertView, sort: AlertSort): number | string =>
  sort === 'rule' ? RULE_RANK[a.rule] : sort === 'amount' ? a.amountAtRiskCents : a.firstSeenAt;

interface Row {
  alert_id: string;
  rule: DuplicateRule;
  key: string;
  event_ids: string[];
  project_ids: string[];
  invoice_ids: string[];
  suppliers: string[];
  organisations: string[];
  funds: string[];
  programmes: string[];
  investments: string[];
  at_risk: string;
  status: AlertStatus;
  reason: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  first_seen: Date;
  last_seen: Date;
}

const view = (r: Row): DuplicateAlertView => ({
  alertId: r.alert_id,
  rule: r.rule,
  key: r.key,
  eventIds: r.event_ids,
  projectIds: r.project_ids,
  invoiceIds: r.invoice_ids,
  suppliers: r.suppliers,
  organisations: r.organisations,
  funds: r.funds,
  programmes: r.programmes,
  investments: r.investments,
  amountAtRiskCents: Number(r.at_risk),
  status: r.status,
  reason: r.reason,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at && r.decided_at.toISOString(),
  firstSeenAt: r.first_seen.toISOString(),
  lastSeenAt: r.last_seen.toISOString(),
});

/** The filters (but the status and rule ones when `facets`) as SQL over df_alerts, adding their values to `params`. */
function where(filter: AlertFilter, params: unknown[], facets = false): string {
  const p = (value: unknown) => `$${params.push(value)}`;
  const conditions: string[] = [];
  if (!facets && filter.status !== undefined) conditions.push(`status = ${p(filter.status)}`);
  if (!facets && filter.rule !== undefined) conditions.push(`rule = ${p(filter.rule)}`);
  const contains = {
    fund: 'funds',
    programme: 'programmes',
    investment: 'investments',
    organisation: 'organisations',
    projectId: 'project_ids',
    supplier: 'suppliers',
  } as const;
  for (const [field, column] of Object.entries(contains)) {
    const value = filter[field as keyof typeof contains];
    if (value !== undefined) conditions.push(`${column} @> array[${p(value)}::text]`);
  }
  if (filter.minAmountCents !== undefined) conditions.push(`at_risk >= ${p(filter.minAmountCents)}`);
  if (filter.maxAmountCents !== undefined) conditions.push(`at_risk <= ${p(filter.maxAmountCents)}`);
  if (filter.seenFrom !== undefined) conditions.push(`first_seen >= ${p(filter.seenFrom)}`);
  if (filter.seenBefore !== undefined) conditions.push(`first_seen < ${p(filter.seenBefore)}`);
  return conditions.length ? conditions.join(' and ') : 'true';
}

const ORDER: Record<AlertSort, { column: string; direction: 'asc' | 'desc' }> = {
  rule: { column: 'rank', direction: 'asc' },
  amount: { column: 'at_risk', direction: 'desc' },
  newest: { column: 'first_seen', direction: 'desc' },
};

/**
 * At most this many matching alerts are read whole (through the filters' own indexes) and
 * sorted; more are read along the order's index, where matches are then at least this dense
 * among the alerts. Either way a page reads a bounded number of rows, whatever the planner
 * guesses of how the filters correlate (a rule only one fund has, an investment of the other fund).
 */
const FEW = 2000;

/**
 * A page of the queue from the read model (`df_alerts`): filtered, in the sort's order, after
 * `after`. `matching`, when known (the counts give it), is how many alerts the filters select.
 */
export async function queryAlerts(db: pg.Pool | pg.ClientBase, q: AlertQuery, matching?: number): Promise<DuplicateAlertView[]> {
  if (matching === 0) return [];
  const params: unknown[] = [];
  const { column, direction } = ORDER[q.sort];
  const filters = where(q.filter, params);
  let after = '';
  if (q.after) {
    const value = `$${params.push(q.after.value)}`;
    const id = `$${params.push(q.after.alertId)}`;
    const [bound, past] = direction === 'asc' ? ['>=', '>'] : ['<=', '<'];
    // The bound lets the index start at the cursor; the rest skips the ties already shown.
    after = ` and ${column} ${bound} ${value} and (${column} ${past} ${value} or alert_id collate "C" > ${id})`;
  }
  const order = ` order by ${column} ${direction}, alert_id collate "C"${q.limit === null ? '' : ` limit ${Number(q.limit)}`}`;
  const text =
    matching !== undefined && matching <= FEW
      ? `with m as materialized (select * from df_alerts where ${filters}) select * from m where true${after}${order}`
      : `select * from df_alerts where ${filters}${after}${order}`;
  const { rows } = await whenBuilt('df_alerts', () => db.query<Row>(text, params));
  return rows.map(view);
}

/** A page of the queue and its counts: the counts first, which tell how the page is best read. */
export async function alertQueue(db: pg.Pool, q: AlertQuery): Promise<{ alerts: DuplicateAlertView[]; counts: AlertCounts }> {
  const counts = await alertCounts(db, q.filter);
  const { byStatus } = counts;
  // byStatus holds the rule filter and every other one but status.
  const matching = q.filter.status ? byStatus[q.filter.status] : byStatus.open + byStatus.confirmed + byStatus.dismissed;
  return { alerts: await queryAlerts(db, q, matching), counts };
}

/** One alert of the read model, or null. */
export async function alertById(db: pg.Pool, alertId: string): Promise<DuplicateAlertView | null> {
  const { rows } = await whenBuilt('df_alerts', () => db.query<Row>('select * from df_alerts where alert_id = $1', [alertId]));
  return rows[0] ? view(rows[0]) : null;
}

const zeroCounts = (): AlertCounts => ({
  byStatus: { open: 0, confirmed: 0, dismissed: 0 },
  byRule: { same_invoice: 0, over_allocation: 0, near_duplicate: 0, vat_twice: 0, overlapping_scope: 0 },
});

/**
 * The queue's counts from the read model: from the counts the projection keeps when the only
 * filters (beside status and rule, which counts ignore) are scope ones (fund, programme,
 * investment, organisation); else counted over the alerts the other filters select.
 */
export async function alertCounts(db: pg.Pool, filter: AlertFilter): Promise<AlertCounts> {
  const { status: _status, rule: _rule, ...others } = filter;
  const given = Object.entries(others).filter(([, v]) => v !== undefined);
  if (given.every(([field]) => field in COUNTED)) {
    const { dimension, value } = countsKey(others);
    const { rows } = await whenBuilt('df_alert_counts', () =>
      db.query<{ status: AlertStatus; rule: DuplicateRule; n: string }>(
        'select status, rule, n from df_alert_counts where dimension = $1 and value = $2 and n > 0',
        [dimension, value],
      ),
    );
    return countsOf(rows, filter);
  }
  const params: unknown[] = [];
  const { rows } = await whenBuilt('df_alerts', () =>
    db.query<{ status: AlertStatus; rule: DuplicateRule; n: string }>(
      `select status, rule, count(*) as n from df_alerts where ${where(filter, params, true)} group by status, rule`,
      params,
    ),
  );
  return countsOf(rows, filter);
}

/** Counts by status and by rule from groups of (status, rule, n); n as PostgreSQL's count gives it (a bigint as text) or a number. */
function countsOf(groups: readonly { status: AlertStatus; rule: DuplicateRule; n: string | number }[], filter: AlertFilter): AlertCounts {
  const counts = zeroCounts();
  for (const g of groups) {
    if (filter.rule === undefined || g.rule === filter.rule) counts.byStatus[g.status] += Number(g.n);
    if (filter.status === undefined || g.status === filter.status) counts.byRule[g.rule] += Number(g.n);
  }
  return counts;
}

/** Where an alert stands in a sort's order. */
const positionOf = (a: DuplicateAlertView, sort: AlertSort): AlertAfter => ({ value: sortValue(a, sort), alertId: a.alertId });

function compareIn(sort: AlertSort, x: AlertAfter, y: AlertAfter): number {
  const byValue = x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
  return (ORDER[sort].direction === 'asc' ? byValue : -byValue) || byCodeUnits(x.alertId, y.alertId);
}

/** The same filters, order and page over alerts held in memory (computed as of an instant): what {@link queryAlerts} does in SQL. */
export function selectAlerts(alerts: readonly DuplicateAlertView[], q: AlertQuery): DuplicateAlertView[] {
  const selected = alerts
    .filter((a) => matches(a, q.filter) && (q.after === undefined || compareIn(q.sort, positionOf(a, q.sort), q.after) > 0))
    .sort((a, b) => compareIn(q.sort, positionOf(a, q.sort), positionOf(b, q.sort)));
  return q.limit === null ? selected : selected.slice(0, q.limit);
}

function matches(a: DuplicateAlertView, f: AlertFilter): boolean {
  return (
    (f.status === undefined || a.status === f.status) &&
    (f.rule === undefined || a.rule === f.rule) &&
    (f.fund === undefined || a.funds.includes(f.fund)) &&
    (f.programme === undefined || a.programmes.includes(f.programme)) &&
    (f.investment === undefined || a.investments.includes(f.investment)) &&
    (f.organisation === undefined || a.organisations.includes(f.organisation)) &&
    (f.projectId === undefined || a.projectIds.includes(f.projectId)) &&
    (f.supplier === undefined || a.suppliers.includes(f.supplier)) &&
    (f.minAmountCents === undefined || a.amountAtRiskCents >= f.minAmountCents) &&
    (f.maxAmountCents === undefined || a.amountAtRiskCents <= f.maxAmountCents) &&
    (f.seenFrom === undefined || Date.parse(a.firstSeenAt) >= f.seenFrom.getTime()) &&
    (f.seenBefore === undefined || Date.parse(a.firstSeenAt) < f.seenBefore.getTime())
  );
}

/** The counts over alerts held in memory. */
export function countAlerts(alerts: readonly DuplicateAlertView[], filter: AlertFilter): AlertCounts {
  const facets = { ...filter, status: undefined, rule: undefined };
  return countsOf(
    alerts.filter((a) => matches(a, facets)).map((a) => ({ status: a.status, rule: a.rule, n: 1 })),
    filter,
  );
}

/** Computed alerts with the decisions recorded up to `asOf`, as views. */
/**
 * The alerts involving the seeds' events, computed by the rules from the facts recorded up to
 * `asOf`, with their decisions then: facts and decisions read in one snapshot, on one connection.
 */
async function computed(pool: pg.Pool, seeds: Seeds, nearDays: number, asOf: Date | undefined, source: FactSource) {
  return inSnapshot(pool, async (query) => {
    const alerts = computeAlerts(await loadFacts(query, seeds, nearDays, asOf, source), nearDays);
    const decisions = await decisionsOf(
      query,
      alerts.map((a) => a.alertId),
      asOf,
      source === 'read_model_and_tail' ? 'log' : 'read_model',
    );
    return alerts.map((a): DuplicateAlertView => {
      const d = decisions.get(a.alertId);
      return {
        ...a,
        status: d?.status ?? 'open',
        reason: d?.reason ?? null,
        decidedBy: d?.decidedBy ?? null,
        decidedAt: d?.decidedAt ?? null,
      };
    });
  });
}

/**
 * Submit-time check, run after the events are appended; returns the alerts that involve the
 * events just stored, limited to the suppliers at hand, strongest rule first.
 *
 * Why read model ∪ tail: the read model alone may lag behind the append, and the event log
 * alone has no index on payload fields (reading it by type scans every invoice ever stored:
 * seconds at a million invoices). The projection runner moves the read model's rows and its
 * checkpoint in one transaction and only ever passes transactions older than every running
 * one, so every committed event is either in the read model (at or before the checkpoint) or
 * after the checkpoint in the log, never both. One statement reads both under one snapshot,
 * hence sees every event committed before it started: of two concurrent submissions of one
 * invoice, the one that commits second sees the other's event and alerts. The tail is read
 * by the (transaction id, position) index from the checkpoint and is as long as the runner's
 * lag (usually a few events). es_events gets no extra index, so appends do not slow down.
 */
export async function alertsAtSubmission(
  pool: pg.Pool,
  suppliers: string[] | null,
  eventIds: readonly string[],
  nearDays: number,
  source: FactSource = 'read_model_and_tail',
): Promise<DuplicateAlertView[]> {
  if (eventIds.length === 0) return [];
  return computed(pool, { eventIds, ...(suppliers ? { suppliers } : {}) }, nearDays, undefined, source);
}

/**
 * The alerts involving a project (it is among the alert's projects) as they stood at `asOf`
 * (default: everything committed, the read model and the log's tail), strongest rule first.
 */
export async function alertsForProject(
  pool: pg.Pool,
  projectId: string,
  nearDays: number,
  asOf?: Date,
  source: FactSource = 'read_model_and_tail',
): Promise<DuplicateAlertView[]> {
  const alerts = await computed(pool, { projectIds: [projectId] }, nearDays, asOf, source);
  return alerts.filter((a) => a.projectIds.includes(projectId));
}

/** Suppliers are taken this many at a time when every alert is computed. */
const SUPPLIER_BATCH = 200;

/**
 * Every alert as it stood at `asOf`, computed by the rules from the facts recorded up to then,
 * supplier by supplier (every alert involves an invoice, so every alert is some supplier's);
 * with `seeds`, only the alerts involving those. Seconds at a million invoices: this is the
 * auditors' view of a past instant, the queue itself reads the read model.
 */
export async function alertsAsOf(
  pool: pg.Pool,
  nearDays: number,
  asOf: Date,
  source: FactSource,
  seeds?: Seeds,
): Promise<DuplicateAlertView[]> {
  if (seeds) return computed(pool, seeds, nearDays, asOf, source);
  // The read model's suppliers, and the log tail's when it is read too.
  const { rows } = await pool.query<{ supplier: string }>(
    source === 'read_model_and_tail'
      ? `with ${TAIL.replaceAll('$5', '$1')} select supplier from df_invoices where recorded_at <= $1 union select supplier from t_inv order by supplier`
      : 'select distinct supplier from df_invoices where recorded_at <= $1 order by supplier',
    [asOf],
  );
  const byId = new Map<string, DuplicateAlertView>();
  for (let i = 0; i < rows.length; i += SUPPLIER_BATCH) {
    const suppliers = rows.slice(i, i + SUPPLIER_BATCH).map((r) => r.supplier);
    for (const alert of await computed(pool, { suppliers }, nearDays, asOf, source)) byId.set(alert.alertId, alert);
  }
  return [...byId.values()];
}

/** The read model's alerts of these ids (those it holds), in no particular order. */
export async function alertsByIds(db: pg.Pool, alertIds: readonly string[]): Promise<DuplicateAlertView[]> {
  if (alertIds.length === 0) return [];
  const { rows } = await whenBuilt('df_alerts', () =>
    db.query<Row>('select * from df_alerts where alert_id = any($1::text[])', [alertIds]),
  );
  return rows.map(view);
}

/**
 * How many events of the log the double-funding read model has not applied yet, counted up to
 * `cap`: the log's tail that every check reads beside the read model (PostgreSQL log only).
 */
export async function tailLength(pool: pg.Pool, cap: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from (
       select 1 from es_events e, projection_generations g
        where g.projection = '${DOUBLE_FUNDING}' and g.status = 'active' and (e.transaction_id, e.position) > (g.checkpoint_tx, g.checkpoint_pos)
        limit $1) x`,
    [cap],
  );
  return rows[0]?.n ?? 0;
}
