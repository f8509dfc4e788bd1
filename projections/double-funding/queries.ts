import type pg from 'pg';
import type { DuplicateRule } from '../../src/domain/dupalert/events.js';
import { alertPage, NO_TAIL, REPORT, seeded, TAIL } from './sql.js';

/** A double-funding alert: a warning for an officer, never a rejection. */
export interface DuplicateAlertView {
  /** Stable id: the same finding always gets the same id (md5 of rule and key). */
  alertId: string;
  rule: DuplicateRule;
  /** What the alert is about, e.g. supplier|normalised number. */
  key: string;
  /** Events involved (invoices and claims). */
  eventIds: string[];
  projectIds: string[];
  amountAtRiskCents: number;
  status: 'open' | 'confirmed' | 'dismissed';
  /** The officer's reason, once decided. */
  reason: string | null;
}

export interface AlertFilter {
  rule?: DuplicateRule;
  projectId?: string;
  status?: 'open' | 'confirmed' | 'dismissed';
  supplier?: string;
  /** Only facts and decisions recorded up to this instant count; default now. */
  asOf?: Date;
}

/**
 * Where the facts come from. `read_model_and_tail`: the read model plus the events of the log
 * after the read model's checkpoint, i.e. everything in the log (see {@link alertsAtSubmission});
 * `read_model`: the read model alone (an event log outside PostgreSQL, e.g. KurrentDB, where the
 * tail cannot be read in the same snapshot).
 */
export type FactSource = 'read_model_and_tail' | 'read_model';

interface Row {
  alert_id: string;
  rule: DuplicateRule;
  key: string;
  event_ids: string[];
  project_ids: string[];
  at_risk: string;
  status: DuplicateAlertView['status'];
  reason: string | null;
}
const view = (r: Row): DuplicateAlertView => ({
  alertId: r.alert_id,
  rule: r.rule,
  key: r.key,
  eventIds: [...r.event_ids].sort(),
  projectIds: [...r.project_ids].sort(),
  amountAtRiskCents: Number(r.at_risk),
  status: r.status,
  reason: r.reason,
});
/** Strongest rule first; the same ranks as RANK_SQL in sql.ts. */
export const RULE_RANK: Record<DuplicateRule, number> = {
  same_invoice: 1,
  over_allocation: 2,
  near_duplicate: 3,
  vat_twice: 4,
  overlapping_scope: 5,
};
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ordered = (rows: Row[]) => rows.map(view).sort((a, b) => RULE_RANK[a.rule] - RULE_RANK[b.rule] || byId(a.alertId, b.alertId));

/** An alert's place in the report's order: its rule's rank, then its id. */
export interface AlertKey {
  rank: number;
  alertId: string;
}

/** A keyset page of alerts: after this key (exclusive), at most `limit`; without them, every alert. */
export interface AlertPage {
  after?: AlertKey;
  limit?: number;
}

export const alertKey = (a: DuplicateAlertView): AlertKey => ({ rank: RULE_RANK[a.rule], alertId: a.alertId });
const pageParams = (page: AlertPage) => [page.after?.rank ?? null, page.after?.alertId ?? null, page.limit ?? null];

/**
 * The officers' report: every alert over all projects, strongest rule first (then by id),
 * filtered; as of `asOf` when given; a keyset page of it when `page` says so (filters apply
 * before the limit). Filtered by project (and not by supplier, which narrows rule 5's sums),
 * it is the project's view, read through indexes from the project's facts; otherwise every
 * rule runs over the whole read model (seconds at a million invoices).
 */
export async function listAlerts(
  pool: pg.Pool,
  filter: AlertFilter,
  nearDays: number,
  page: AlertPage = {},
): Promise<DuplicateAlertView[]> {
  if (filter.projectId !== undefined && filter.supplier === undefined) {
    return alertsForProject(pool, filter.projectId, nearDays, filter.asOf, 'read_model', {
      rule: filter.rule,
      status: filter.status,
      ...page,
    });
  }
  const { rows } = await pool.query<Row>(
    `with ${REPORT}
      where ($3::text is null or a.rule = $3) and ($4::text is null or $4 = any(a.project_ids))
        and ($5::text is null or coalesce(d.decision, 'open') = $5)${alertPage(7)}`,
    [
      filter.supplier ? [filter.supplier] : null,
      nearDays,
      filter.rule ?? null,
      filter.projectId ?? null,
      filter.status ?? null,
      filter.asOf ?? 'infinity',
      ...pageParams(page),
    ],
  );
  return ordered(rows);
}

/** One alert of the report, or null. */
export async function findAlert(pool: pg.Pool, alertId: string, nearDays: number): Promise<DuplicateAlertView | null> {
  return (await listAlerts(pool, {}, nearDays)).find((a) => a.alertId === alertId) ?? null;
}

/**
 * Submit-time check, run after the events are appended; returns the alerts that involve the
 * events just stored, limited to the suppliers at hand.
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
  const tail = source === 'read_model' ? 'no_tail' : 'tail';
  return ordered(
    await withGenericPlan(pool, `df_alerts_events_${tail}`, `with ${tail === 'tail' ? TAIL : NO_TAIL}, ${seeded('events')}`, [
      suppliers,
      nearDays,
      eventIds,
      null,
      'infinity',
    ]),
  );
}

/**
 * The alerts involving a project (it is among the alert's projects) as they stood at `asOf`:
 * only invoices, claims, verifications and officers' decisions recorded up to then count.
 * `select` narrows them by rule and status and takes a keyset page, in the statement.
 */
export async function alertsForProject(
  pool: pg.Pool,
  projectId: string,
  nearDays: number,
  asOf?: Date,
  source: FactSource = 'read_model_and_tail',
  select: AlertPage & Pick<AlertFilter, 'rule' | 'status'> = {},
): Promise<DuplicateAlertView[]> {
  const tail = source === 'read_model' ? 'no_tail' : 'tail';
  return ordered(
    await withGenericPlan(pool, `df_alerts_project_${tail}`, `with ${tail === 'tail' ? TAIL : NO_TAIL}, ${seeded('project')}`, [
      null,
      nearDays,
      null,
      projectId,
      asOf ?? 'infinity',
      select.rule ?? null,
      select.status ?? null,
      ...pageParams(select),
    ]),
  );
}

/**
 * Runs a named (per-connection prepared) statement with a generic plan and index access only.
 * Planning the seeded statement (some thirty small CTEs) takes 3–5 ms, more than running it;
 * its plan is the same whatever the seeds, so it is planned once per connection. PostgreSQL's
 * automatic choice keeps planning afresh (custom plans look cheaper), hence forced, for this
 * transaction only. Every table here is meant to be reached through an index from a handful
 * of rows, but a generic plan cannot know how short the tail is (a row comparison with a
 * parameter is estimated at a third of es_events: a sequential scan, ~1 s at 1.6 M events),
 * so sequential scans are ruled out for the statement.
 */
async function withGenericPlan(pool: pg.Pool, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const client = await pool.connect();
  try {
    await client.query('begin read only; set local plan_cache_mode = force_generic_plan; set local enable_seqscan = off');
    const { rows } = await client.query<Row>({ name, text, values });
    // A read-only transaction: the answer need not wait for its commit; the connection goes back after it.
    client.query('commit').then(
      () => client.release(),
      () => client.release(true),
    );
    return rows;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    client.release(true);
    throw error;
  }
}
