import type pg from 'pg';
import type { DuplicateRule } from '../../src/domain/dupalert/events.js';

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
}

/* Sources: the same rules run over the read model (report) or straight over es_events (submit time). */
const READ_MODEL = `
  b as (select * from df_budgets),
  inv as (select invoice_id, project_id, event_id, supplier, norm_number, invoice_date, net, vat, gross, cost_line
            from df_invoices where ($1::text[] is null or supplier = any($1))),
  items as (select claim_id, invoice_id, project_id, event_id, supplier, norm_number, cents, ineligible
              from df_claim_items where ($1::text[] is null or supplier = any($1)))`;

const EVENT_LOG = `
  b as (select substr(stream_id, 8)::uuid as project_id, payload->>'recipientOrg' as recipient_org,
               payload->'programme'->>'fund' as fund, payload->'programme'->>'programme' as programme,
               payload->'programme'->>'period' as period, payload->>'vatSource' as vat_source, payload->'costLines' as cost_lines
          from es_events where type = 'BudgetOpened.v1'),
  inv as (select (payload->>'invoiceId')::uuid as invoice_id, substr(stream_id, 8)::uuid as project_id, event_id,
                 payload->>'supplierRegNo' as supplier, payload->>'normalisedNumber' as norm_number, (payload->>'date')::date as invoice_date,
                 (payload->>'netCents')::bigint as net, (payload->>'vatCents')::bigint as vat, (payload->>'grossCents')::bigint as gross,
                 payload->>'costLine' as cost_line
            from es_events where type = 'InvoiceSubmitted.v1' and payload->>'supplierRegNo' = any($1)),
  ver as (select payload->>'claimId' as claim_id, payload->>'invoiceId' as invoice_id, (payload->>'ineligibleCents')::bigint as ineligible
            from es_events where type = 'InvoiceVerified.v1'),
  items as (select (e.payload->>'claimId')::uuid as claim_id, (it->>'invoiceId')::uuid as invoice_id, substr(e.stream_id, 8)::uuid as project_id,
                   e.event_id, it->>'supplierRegNo' as supplier, it->>'normalisedNumber' as norm_number, (it->>'cents')::bigint as cents,
                   coalesce(v.ineligible, 0) as ineligible
              from es_events e cross join lateral jsonb_array_elements(e.payload->'items') it
              left join ver v on v.claim_id = e.payload->>'claimId' and v.invoice_id = it->>'invoiceId'
             where e.type = 'PaymentClaimSubmitted.v1' and it->>'supplierRegNo' = any($1))`;

/** $1 suppliers (null: all), $2 near-duplicate window in days. */
const RULES = `
  ivb as (select inv.*, b.recipient_org, b.fund, b.programme, b.period, b.vat_source,
                 (select lower(trim(l->>'output')) from jsonb_array_elements(b.cost_lines) l where l->>'code' = inv.cost_line limit 1) as scope
            from inv join b using (project_id)),
  r1 as (select 'same_invoice' as rule, supplier || '|' || norm_number as key, array_agg(distinct event_id::text) as event_ids,
                array_agg(distinct project_id::text) as project_ids, sum(gross) - max(gross) as at_risk
           from inv group by supplier, norm_number having count(*) > 1),
  alloc as (select supplier, norm_number, sum(cents) as allocated, sum(ineligible) as ineligible,
                   array_agg(distinct event_id::text) as evs, array_agg(distinct project_id::text) as projs
              from items group by supplier, norm_number),
  cap as (select supplier, norm_number, max(gross) as gross, array_agg(distinct event_id::text) as evs from inv group by supplier, norm_number),
  r2 as (select 'over_allocation', a.supplier || '|' || a.norm_number, a.evs || c.evs, a.projs, a.allocated - (c.gross - a.ineligible)
           from alloc a join cap c using (supplier, norm_number) where a.allocated > c.gross - a.ineligible),
  r3 as (select 'near_duplicate', x.supplier || '|' || x.norm_number || '|' || y.norm_number,
                array_agg(distinct x.event_id::text) || array_agg(distinct y.event_id::text),
                array(select distinct unnest(array_agg(x.project_id::text) || array_agg(y.project_id::text))), max(x.gross)
           from inv x join inv y on x.supplier = y.supplier and x.gross = y.gross and x.norm_number < y.norm_number
                                and abs(x.invoice_date - y.invoice_date) <= $2
          group by x.supplier, x.norm_number, y.norm_number),
  r4 as (select 'vat_twice', i.claim_id || '|' || i.invoice_id, array[i.event_id::text, v.event_id::text], array[i.project_id::text],
                least(v.vat, i.cents - v.net)
           from items i join ivb v on v.invoice_id = i.invoice_id
          where v.vat_source = 'state_budget' and v.vat > 0 and i.cents > v.net),
  pairs as (select distinct r.project_id as rp, e.project_id as ep, r.scope, r.invoice_id as ri, r.gross as rg, r.event_id as rev,
                   e.invoice_id as ei, e.gross as eg, e.event_id as eev
              from ivb r join ivb e on r.recipient_org = e.recipient_org and r.fund = 'RRF' and e.fund = 'ERDF' and r.scope = e.scope
                                   and r.supplier = e.supplier and extract(year from r.invoice_date) = extract(year from e.invoice_date)),
  r5 as (select 'overlapping_scope', p.rp || '|' || p.ep || '|' || p.scope,
                array_agg(distinct p.rev::text) || array_agg(distinct p.eev::text), array[p.rp::text, p.ep::text],
                least((select sum(rg) from (select distinct ri, rg from pairs q where q.rp = p.rp and q.ep = p.ep and q.scope = p.scope) s),
                      (select sum(eg) from (select distinct ei, eg from pairs q where q.rp = p.rp and q.ep = p.ep and q.scope = p.scope) s))
           from pairs p group by p.rp, p.ep, p.scope),
  alerts as (select * from r1 union all select * from r2 union all select * from r3 union all select * from r4 union all select * from r5)
select md5(a.rule || ':' || a.key) as alert_id, a.rule, a.key, a.event_ids, a.project_ids, a.at_risk::bigint as at_risk,
       coalesce(d.decision, 'open') as status, d.reason
  from alerts a left join df_decisions d on d.alert_id = md5(a.rule || ':' || a.key)`;

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
const RANK: Record<DuplicateRule, number> = { same_invoice: 1, over_allocation: 2, near_duplicate: 3, vat_twice: 4, overlapping_scope: 5 };

/** The officers' report: every alert over all projects, strongest rule first, filtered. */
export async function listAlerts(pool: pg.Pool, filter: AlertFilter, nearDays: number): Promise<DuplicateAlertView[]> {
  const { rows } = await pool.query<Row>(
    `with ${READ_MODEL}, ${RULES}
      where ($3::text is null or a.rule = $3) and ($4::text is null or $4 = any(a.project_ids))
        and ($5::text is null or coalesce(d.decision, 'open') = $5)`,
    [filter.supplier ? [filter.supplier] : null, nearDays, filter.rule ?? null, filter.projectId ?? null, filter.status ?? null],
  );
  return rows.map(view).sort((a, b) => RANK[a.rule] - RANK[b.rule] || a.alertId.localeCompare(b.alertId));
}

/** One alert of the report, or null. */
export async function findAlert(pool: pg.Pool, alertId: string, nearDays: number): Promise<DuplicateAlertView | null> {
  return (await listAlerts(pool, {}, nearDays)).find((a) => a.alertId === alertId) ?? null;
}

/**
 * Submit-time check, run after the events are appended: reads the event log itself (not the
 * read model, which may lag), limited to the suppliers at hand, and returns the alerts that
 * involve the events just stored. Because each submission checks after its own commit, of two
 * concurrent submissions of one invoice the later check always sees the other's event.
 */
export async function alertsAtSubmission(
  pool: pg.Pool,
  suppliers: string[],
  eventIds: readonly string[],
  nearDays: number,
  source: 'event_log' | 'read_model' = 'event_log',
): Promise<DuplicateAlertView[]> {
  const { rows } = await pool.query<Row>(`with ${source === 'event_log' ? EVENT_LOG : READ_MODEL}, ${RULES} where a.event_ids && $3::text[]`, [
    suppliers,
    nearDays,
    eventIds,
  ]);
  return rows.map(view).sort((a, b) => RANK[a.rule] - RANK[b.rule] || a.alertId.localeCompare(b.alertId));
}
