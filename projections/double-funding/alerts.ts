import type pg from 'pg';
import {
  alertsOf,
  invoiceKey,
  RULE_RANK,
  seenTimes,
  sorted as distinct,
  type AlertFact,
  type BudgetFact,
  type Facts,
} from '../../src/domain/dupalert/rules.js';
import { namedAfter, type PlannedQuery, type SeededFacts } from './facts.js';

/** An alert as the rules raise it over the facts, with what the queue filters on, and when it was first and last seen. */
export interface ComputedAlert extends AlertFact {
  /** Stable id: the same rule over the same key is always the same alert (md5 of rule and key). */
  alertId: string;
  /** The invoices among its events. */
  invoiceIds: string[];
  suppliers: string[];
  /** The recipients (organisations) of its projects' budgets. */
  organisations: string[];
  funds: string[];
  programmes: string[];
  investments: string[];
  /** When the rule first raised it: the earliest recorded time of its facts at which it held. */
  firstSeenAt: string;
  /** When it last changed: the latest recorded time of the facts it is made of. */
  lastSeenAt: string;
}

/** Rules 1 and 2 are about one invoice key (supplier|normalised number) and can end as facts arrive. */
export const KEYED_RULES = ['same_invoice', 'over_allocation'] as const;
const keyed = (a: AlertFact) => (KEYED_RULES as readonly string[]).includes(a.rule);

/** The invoice keys of the seeds' invoices and claim items: every fact of each is among the facts loaded. */
export function seedKeysOf({ facts, seedEvents }: SeededFacts): string[] {
  return distinct([...facts.invoices, ...facts.items].filter((f) => seedEvents.has(f.eventId)).map(invoiceKey));
}

/**
 * The alerts the rules raise over the facts that involve one of the seeds' events, with their
 * queue fields and times; with `keys`, also the rule 1 and 2 alerts on those invoice keys (a
 * claim item seeds its key, but rule 1's alert on it names only invoices).
 */
export function computeAlerts(seeded: SeededFacts, windowDays: number, keys: readonly string[] = []): ComputedAlert[] {
  const onKeys = new Set(keys);
  return alertsOf(seeded.facts, windowDays)
    .filter((a) => a.eventIds.some((e) => seeded.seedEvents.has(e)) || (keyed(a) && onKeys.has(a.key)))
    .map((a) => described(seeded.facts, a, windowDays));
}

/** What an alert's budgets say of its scope: their recipients, funds, programmes and investments. */
export function budgetScope(budgets: readonly BudgetFact[]): Pick<ComputedAlert, 'organisations' | 'funds' | 'programmes' | 'investments'> {
  return {
    organisations: distinct(budgets.map((b) => b.recipientOrg)),
    funds: distinct(budgets.map((b) => b.fund)),
    programmes: distinct(budgets.map((b) => b.programme)),
    investments: distinct(budgets.map((b) => b.investment)),
  };
}

function described(facts: Facts, alert: AlertFact & { alertId: string }, windowDays: number): ComputedAlert {
  const events = new Set(alert.eventIds);
  const projects = new Set(alert.projectIds);
  const invoices = facts.invoices.filter((i) => events.has(i.eventId));
  const budgets = facts.budgets.filter((b) => projects.has(b.projectId));
  const { first, last } = seenTimes(facts, alert, windowDays);
  return {
    ...alert,
    invoiceIds: distinct(invoices.map((i) => i.invoiceId)),
    suppliers: distinct(invoices.map((i) => i.supplier)),
    ...budgetScope(budgets),
    firstSeenAt: first,
    lastSeenAt: last,
  };
}

/** The scope dimensions the counts table keeps, each with the alert's column it counts by. */
export const COUNTED = { fund: 'funds', programme: 'programmes', investment: 'investments', organisation: 'organisations' } as const;
/** What the counts group and filter by, covered by the amount and date orders' indexes. */
const COVERED = ['status', 'rule', ...Object.values(COUNTED)].join(', ');

/** The alerts read model: one row per alert, with the officers' decision; indexed for the queue's filters and orders. */
export const alertTables = (table: string, counts: string) => [
  `create table ${table} (
     alert_id      text primary key,
     rule          text not null,
     rank          int not null,
     key           text not null,
     event_ids     text[] not null,
     project_ids   text[] not null,
     invoice_ids   text[] not null,
     suppliers     text[] not null,
     organisations text[] not null,
     funds         text[] not null,
     programmes    text[] not null,
     investments   text[] not null,
     at_risk       bigint not null,
     status        text not null,
     reason        text,
     decided_by    text,
     decided_at    timestamptz,
     first_seen    timestamptz not null,
     last_seen     timestamptz not null
   ) with (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02)`,
  // The queue's orders (strongest rule, largest amount, newest), with and without the status filter in front.
  `create index on ${table} (status, rank, alert_id collate "C")`,
  `create index on ${table} (rank, alert_id collate "C")`,
  `create index on ${table} (status, at_risk desc, alert_id collate "C")`,
  // With what the counts group and filter by, so counting under an amount or date filter reads the index alone
  // (the table is vacuumed often for that: an index-only scan reads the rows of pages changed since).
  `create index on ${table} (at_risk desc, alert_id collate "C") include (${COVERED})`,
  `create index on ${table} (status, first_seen desc, alert_id collate "C")`,
  `create index on ${table} (first_seen desc, alert_id collate "C") include (${COVERED})`,
  // A rule filter with the amount or date order (a rare rule would otherwise be looked for along the whole order).
  `create index on ${table} (status, rule, at_risk desc, alert_id collate "C")`,
  `create index on ${table} (rule, at_risk desc, alert_id collate "C")`,
  `create index on ${table} (status, rule, first_seen desc, alert_id collate "C")`,
  `create index on ${table} (rule, first_seen desc, alert_id collate "C")`,
  // Rules 1 and 2 are keyed by the invoice; an alert of either can end when a new fact arrives.
  `create index on ${table} (key)`,
  `create index on ${table} using gin (project_ids)`,
  `create index on ${table} using gin (organisations)`,
  `create index on ${table} using gin (funds)`,
  `create index on ${table} using gin (programmes)`,
  `create index on ${table} using gin (investments)`,
  `create index on ${table} using gin (suppliers)`,
  // The queue's counts: alerts by status and rule, over all of them and per combination of fund, programme, investment and organisation values.
  `create table ${counts} (
     dimension text not null,
     value     text not null,
     status    text not null,
     rule      text not null,
     n         bigint not null,
     primary key (dimension, value, status, rule)
   )`,
];

export type CountedDimension = keyof typeof COUNTED;
const DIMENSIONS = Object.keys(COUNTED) as CountedDimension[];

/**
 * Every combination of the scope dimensions (in {@link COUNTED}'s order): the counts are kept
 * for each, so any mix of scope filters reads its counts from one row per (status, rule).
 */
const COMBINATIONS: CountedDimension[][] = Array.from({ length: 2 ** DIMENSIONS.length - 1 }, (_, bits) =>
  DIMENSIONS.filter((_, i) => (bits + 1) & (1 << i)),
);

/** Where the counts of a combination of scope values are kept: its dimensions joined by '+', its values by U+001F. */
export function countsKey(scope: Partial<Record<CountedDimension, string>>): { dimension: string; value: string } {
  const given = DIMENSIONS.filter((d) => scope[d] !== undefined);
  return given.length === 0
    ? { dimension: 'all', value: '' }
    : { dimension: given.join('+'), value: given.map((d) => scope[d]).join('\u001f') };
}

/** The alerts a batch touches: computed again, decided, or of rules 1 and 2 on a seed's invoice key (which it may end). */
const TOUCHED = `(a.alert_id = any($1::text[]) or (a.key = any($2::text[]) and a.rule = any($3::text[])))`;

type CountedRow = { status: string; rule: string } & Record<(typeof COUNTED)[CountedDimension], string[]>;

/**
 * Adds `sign` for each counts row the touched alerts are counted in: per (status, rule), over
 * all alerts and under every combination of their scope values.
 */
async function countTouched(tx: pg.ClientBase, table: string, params: unknown[], sign: 1 | -1, into: Map<string, number>): Promise<void> {
  const { rows } = await tx.query<CountedRow>(
    `select status, rule, ${Object.values(COUNTED).join(', ')} from ${table} a where ${TOUCHED}`,
    params,
  );
  for (const row of rows) {
    const add = (dimension: string, value: string) => {
      const key = [dimension, value, row.status, row.rule].join('\u0000');
      into.set(key, (into.get(key) ?? 0) + sign);
    };
    add('all', '');
    for (const dims of COMBINATIONS) {
      // Every scope the alert is in under these dimensions, kept where countsKey says the queue reads it.
      let scopes: Partial<Record<CountedDimension, string>>[] = [{}];
      for (const d of dims) scopes = scopes.flatMap((scope) => row[COUNTED[d]].map((x) => ({ ...scope, [d]: x })));
      for (const scope of scopes) {
        const { dimension, value } = countsKey(scope);
        add(dimension, value);
      }
    }
  }
}

/**
 * Applies one batch's changes to the alerts (`change`: its upserts, deletions and decisions) with
 * the counts kept in step in the same transaction: the touched alerts are counted out before and
 * in after, and only the counts that moved are written. An alert whose amount or dates change
 * but not its status, rule or scope (most of a live batch) writes none.
 */
export async function withCounts(
  tx: pg.ClientBase,
  t: { df_alerts: string; df_alert_counts: string },
  touched: { alertIds: readonly string[]; invoiceKeys: readonly string[] },
  change: () => Promise<void>,
): Promise<void> {
  const params = [touched.alertIds, touched.invoiceKeys, KEYED_RULES];
  const moved = new Map<string, number>();
  await countTouched(tx, t.df_alerts, params, -1, moved);
  await change();
  await countTouched(tx, t.df_alerts, params, 1, moved);
  const changed = [...moved].filter(([, n]) => n !== 0).map(([key, n]) => [...key.split('\u0000'), n] as const);
  if (changed.length === 0) return;
  await tx.query(
    `insert into ${t.df_alert_counts} (dimension, value, status, rule, n)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
     on conflict (dimension, value, status, rule) do update set n = ${t.df_alert_counts}.n + excluded.n`,
    [0, 1, 2, 3, 4].map((i) => changed.map((c) => c[i])),
  );
}

const ALERT_COLUMNS =
  'alert_id text, rule text, rank int, key text, event_ids text[], project_ids text[], invoice_ids text[], suppliers text[], organisations text[], funds text[], programmes text[], investments text[], at_risk bigint, first_seen timestamptz, last_seen timestamptz';

/**
 * Writes the alerts just computed (their decision from the decisions table) and deletes the
 * alerts of rules 1 and 2 on the seeds' invoice keys that no longer hold: the only alerts a new
 * fact can end (a later invoice under the same number with a larger gross raises the cap of
 * rule 2). Every other rule only grows as facts arrive.
 */
export async function storeAlerts(
  tx: pg.ClientBase,
  t: { df_alerts: string; df_decisions: string },
  alerts: readonly ComputedAlert[],
  invoiceKeys: readonly string[],
): Promise<void> {
  if (alerts.length) {
    const rows = alerts.map((a) => ({
      alert_id: a.alertId,
      rule: a.rule,
      rank: RULE_RANK[a.rule],
      key: a.key,
      event_ids: a.eventIds,
      project_ids: a.projectIds,
      invoice_ids: a.invoiceIds,
      suppliers: a.suppliers,
      organisations: a.organisations,
      funds: a.funds,
      programmes: a.programmes,
      investments: a.investments,
      at_risk: a.amountAtRiskCents,
      first_seen: a.firstSeenAt,
      last_seen: a.lastSeenAt,
    }));
    await tx.query(
      `insert into ${t.df_alerts}
       select x.alert_id, x.rule, x.rank, x.key, x.event_ids, x.project_ids, x.invoice_ids, x.suppliers, x.organisations, x.funds,
              x.programmes, x.investments, x.at_risk, coalesce(d.decision, 'open'), d.reason, d.decided_by, d.decided_at, x.first_seen, x.last_seen
         from jsonb_to_recordset($1::jsonb) as x(${ALERT_COLUMNS}) left join ${t.df_decisions} d using (alert_id)
       on conflict (alert_id) do update set
         event_ids = excluded.event_ids, project_ids = excluded.project_ids, invoice_ids = excluded.invoice_ids, suppliers = excluded.suppliers,
         organisations = excluded.organisations, funds = excluded.funds, programmes = excluded.programmes, investments = excluded.investments,
         at_risk = excluded.at_risk, first_seen = excluded.first_seen, last_seen = excluded.last_seen`,
      [JSON.stringify(rows)],
    );
  }
  if (invoiceKeys.length) {
    await tx.query(
      `delete from ${t.df_alerts} where key = any($1::text[]) and rule = any($2::text[]) and not (alert_id = any($3::text[]))`,
      [invoiceKeys, KEYED_RULES, alerts.map((a) => a.alertId)],
    );
  }
}

/** The officers' decision on an alert. */
export interface Decision {
  status: 'confirmed' | 'dismissed';
  reason: string;
  decidedBy: string;
  decidedAt: string;
}

const DECISIONS = {
  log: `select distinct on (stream_id) substr(stream_id, 10) as alert_id,
                case when type like 'DuplicateAlertConfirmed.%' then 'confirmed' else 'dismissed' end as decision,
                payload->>'reason' as reason, payload->>'decidedBy' as decided_by, (payload->>'decidedAt')::timestamptz as decided_at
           from es_events where stream_id = any(select 'dupalert-' || unnest($1::text[])) and recorded_at <= $2
          order by stream_id, version`,
  read_model: `select alert_id, decision, reason, decided_by, decided_at from df_decisions where alert_id = any($1::text[]) and recorded_at <= $2`,
};

/**
 * The decisions on these alerts recorded up to `asOf`: from each alert's own stream in the log
 * (`dupalert-<id>`, by its primary index: exact the moment it is appended) or, for a log outside
 * PostgreSQL, from the read model's decisions.
 */
export async function decisionsOf(
  query: PlannedQuery,
  alertIds: readonly string[],
  asOf: Date | undefined,
  from: 'log' | 'read_model',
): Promise<Map<string, Decision>> {
  if (alertIds.length === 0) return new Map();
  const text = DECISIONS[from];
  const rows = await query<{ alert_id: string; decision: Decision['status']; reason: string; decided_by: string; decided_at: Date }>(
    namedAfter('df_decisions', text),
    text,
    [alertIds, asOf ?? 'infinity'],
  );
  return new Map(
    rows.map((r) => [
      r.alert_id,
      { status: r.decision, reason: r.reason, decidedBy: r.decided_by, decidedAt: new Date(r.decided_at).toISOString() },
    ]),
  );
}
