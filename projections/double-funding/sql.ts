import { doubleFunding } from './projection.js';

/*
 * The SQL of the double-funding rules (queries.ts runs it). Parameters: $1 suppliers (null: any),
 * $2 near-duplicate window in days; report: $3 rule, $4 project, $5 status, $6 as of; seeded:
 * $3 event ids, $4 project, $5 as of (project mode also $6 rule, $7 status and a keyset page,
 * see {@link PROJECT_PAGE}).
 */

/** The report's order is strongest rule first, then alert id: this is the rule's rank in it. */
const RANK_SQL = `(case a.rule when 'same_invoice' then 1 when 'over_allocation' then 2 when 'near_duplicate' then 3
                           when 'vat_twice' then 4 else 5 end)`;
const ALERT_ID = `md5(a.rule || ':' || a.key)`;

/**
 * A keyset page of alerts in the report's order: after (rank $n, alert id $n+1) when given,
 * at most $n+2 rows (null: all). Alert ids are hex, compared byte by byte.
 */
export const alertPage = (n: number) => `
   and ($${n}::int is null or ${RANK_SQL} > $${n}::int or (${RANK_SQL} = $${n}::int and ${ALERT_ID} collate "C" > $${n + 1}::text))
 order by ${RANK_SQL}, ${ALERT_ID} collate "C"
 limit $${n + 2}::bigint`;

/** Project mode's filters and page: $6 rule, $7 status (null: any), then the page from $8. */
const PROJECT_PAGE = `
   and ($6::text is null or a.rule = $6::text) and ($7::text is null or coalesce(d.decision, 'open') = $7::text)${alertPage(8)}`;

/** The output of the invoice's cost line: what rule 5 compares (case and spaces aside). */
const scopeOf = (invoice: string, budget = 'b') =>
  `(select lower(trim(l->>'output')) from jsonb_array_elements(${budget}.cost_lines) l where l->>'code' = ${invoice}.cost_line limit 1)`;
/*
 * The rules, written once over relations `inv` (invoices), `items` (claim items with the
 * ineligible amount verified), `b` (budgets), `ivb` (inv with budget and scope) and `ivb5`
 * (the invoices rule 5 pairs, likewise). The report binds them to the whole read model; the
 * submit-time and per-project checks bind them to the few facts an answer can involve, found
 * through indexes (see `seeded`). $2 is the near-duplicate window in days.
 */
const SCOPE = scopeOf('inv');
const IVB = `ivb as (select inv.*, b.recipient_org, b.fund, b.vat_source, ${SCOPE} as scope from inv join b using (project_id))`;
const RULES = `
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
  -- Rule 5: the same asset when both invoices name one (Task C: assetRef), else the same supplier.
  pairs as (select distinct r.project_id as rp, e.project_id as ep, r.scope, r.invoice_id as ri, r.gross as rg, r.event_id as rev,
                   e.invoice_id as ei, e.gross as eg, e.event_id as eev
              from ivb5 r join ivb5 e on r.recipient_org = e.recipient_org and r.fund = 'RRF' and e.fund = 'ERDF' and r.scope = e.scope
                                   and extract(year from r.invoice_date) = extract(year from e.invoice_date)
                                   and (case when r.asset_ref is not null and e.asset_ref is not null then r.asset_ref = e.asset_ref
                                             else r.supplier = e.supplier end)),
  r5 as (select 'overlapping_scope', p.rp || '|' || p.ep || '|' || p.scope,
                array_agg(distinct p.rev::text) || array_agg(distinct p.eev::text), array[p.rp::text, p.ep::text],
                least((select sum(rg) from (select distinct ri, rg from pairs q where q.rp = p.rp and q.ep = p.ep and q.scope = p.scope) s),
                      (select sum(eg) from (select distinct ei, eg from pairs q where q.rp = p.rp and q.ep = p.ep and q.scope = p.scope) s))
           from pairs p group by p.rp, p.ep, p.scope),
  alerts as (select * from r1 union all select * from r2 union all select * from r3 union all select * from r4 union all select * from r5)`;

const INV_COLS = 'invoice_id, project_id, event_id, supplier, norm_number, invoice_date, net, vat, gross, cost_line, asset_ref';
const ITEM_COLS = 'claim_id, invoice_id, project_id, event_id, supplier, norm_number, cents';
const BUDGET_COLS = 'project_id, recipient_org, fund, vat_source, cost_lines';

/**
 * The report over the whole read model. $1 suppliers (null: all), $2 window, $6 as of
 * (facts and decisions recorded up to then).
 */
export const REPORT = `
  inv as (select ${INV_COLS} from df_invoices where ($1::text[] is null or supplier = any($1)) and recorded_at <= $6),
  items as (select i.claim_id, i.invoice_id, i.project_id, i.event_id, i.supplier, i.norm_number, i.cents, coalesce(v.ineligible, 0) as ineligible
              from df_claim_items i left join df_verifications v on v.claim_id = i.claim_id and v.invoice_id = i.invoice_id and v.recorded_at <= $6
             where ($1::text[] is null or i.supplier = any($1)) and i.recorded_at <= $6),
  b as (select ${BUDGET_COLS} from df_budgets where recorded_at <= $6),
  ${IVB},
  ivb5 as (select * from ivb),
  ${RULES}
select md5(a.rule || ':' || a.key) as alert_id, a.rule, a.key, a.event_ids, a.project_ids, a.at_risk::bigint as at_risk,
       coalesce(d.decision, 'open') as status, d.reason
  from alerts a left join df_decisions d on d.alert_id = md5(a.rule || ':' || a.key) and d.recorded_at <= $6`;

/**
 * The events of the log after the read model's checkpoint, parsed like the projection parses
 * them, each kind up to $5. The time filter is applied to the parsed rows, not in the scan, so
 * the scan always takes the (transaction id, position) index from the checkpoint. Recorded
 * times are cut to the millisecond, as the read model stores them (events reach projections
 * with JavaScript dates), so an as-of answer is the same before and after the runner catches up.
 */
export const TAIL = `
  cp as materialized (
    select coalesce((select checkpoint_tx from projection_generations where projection = '${doubleFunding.name}' and status = 'active'), '0'::xid8) as tx,
           coalesce((select checkpoint_pos from projection_generations where projection = '${doubleFunding.name}' and status = 'active'), 0) as pos),
  tail as materialized (
    select e.event_id, e.stream_id, e.type, e.payload, date_trunc('milliseconds', e.recorded_at) as recorded from es_events e
     where (e.transaction_id, e.position) > ((select tx from cp), (select pos from cp)) and e.stream_type in ('budget', 'dupalert')),
  t_inv as materialized (
    select (payload->>'invoiceId')::uuid as invoice_id, substr(stream_id, 8)::uuid as project_id, event_id,
           payload->>'supplierRegNo' as supplier, payload->>'normalisedNumber' as norm_number, (payload->>'date')::date as invoice_date,
           (payload->>'netCents')::bigint as net, (payload->>'vatCents')::bigint as vat, (payload->>'grossCents')::bigint as gross,
           payload->>'costLine' as cost_line, nullif(upper(trim(payload->>'assetRef')), '') as asset_ref
      from tail where type = 'InvoiceSubmitted.v1' and recorded <= $5),
  t_items as materialized (
    select (e.payload->>'claimId')::uuid as claim_id, (it->>'invoiceId')::uuid as invoice_id, substr(e.stream_id, 8)::uuid as project_id,
           e.event_id, it->>'supplierRegNo' as supplier, it->>'normalisedNumber' as norm_number, (it->>'cents')::bigint as cents
      from tail e cross join lateral jsonb_array_elements(e.payload->'items') it where e.type = 'PaymentClaimSubmitted.v1' and e.recorded <= $5),
  t_ver as materialized (
    select (payload->>'claimId')::uuid as claim_id, (payload->>'invoiceId')::uuid as invoice_id, (payload->>'ineligibleCents')::bigint as ineligible
      from tail where type = 'InvoiceVerified.v1' and recorded <= $5),
  t_bud as materialized (
    select substr(stream_id, 8)::uuid as project_id, payload->>'recipientOrg' as recipient_org, payload->'programme'->>'fund' as fund,
           payload->>'vatSource' as vat_source, payload->'costLines' as cost_lines
      from tail where type = 'BudgetOpened.v1' and recorded <= $5),
  -- The tail is the raw log, not upcast: a confirmation stored before v2 is still 'DuplicateAlertConfirmed.v1'.
  t_dec as materialized (
    select payload->>'alertId' as alert_id,
           case when type in ('DuplicateAlertConfirmed.v1', 'DuplicateAlertConfirmed.v2') then 'confirmed' else 'dismissed' end as decision,
           payload->>'reason' as reason
      from tail where stream_id like 'dupalert-%' and recorded <= $5)`;

const TYPES: Record<string, string> = {
  invoice_id: 'uuid',
  project_id: 'uuid',
  event_id: 'uuid',
  supplier: 'text',
  norm_number: 'text',
  invoice_date: 'date',
  net: 'bigint',
  vat: 'bigint',
  gross: 'bigint',
  cost_line: 'text',
  asset_ref: 'text',
  claim_id: 'uuid',
  cents: 'bigint',
};

/** The same relations, empty: for a log outside PostgreSQL the read model is all there is. */
export const NO_TAIL = `
  t_inv as (select ${INV_COLS.split(', ')
    .map((c) => `null::${TYPES[c]} as ${c}`)
    .join(', ')} where false),
  t_items as (select ${ITEM_COLS.split(', ')
    .map((c) => `null::${TYPES[c]} as ${c}`)
    .join(', ')} where false),
  t_ver as (select null::uuid as claim_id, null::uuid as invoice_id, null::bigint as ineligible where false),
  t_bud as (select null::uuid as project_id, null::text as recipient_org, null::text as fund, null::text as vat_source, null::jsonb as cost_lines where false),
  t_dec as (select null::text as alert_id, null::text as decision, null::text as reason where false)`;

/**
 * The rules restricted to what can involve the seeds: the invoices and claim items of the
 * events just stored ($3, events mode; of the suppliers $1 when given) or of one project ($4,
 * project mode), over the read model ∪ the tail, as of $5. Every read-model lookup is an index
 * lookup driven by a few rows (lateral + `offset 0`, so no estimate can turn it into a scan):
 *  - rules 1, 2, 4 depend only on the invoices and items of one (supplier, normalised
 *    number) key, so the seeds' keys are enough (index on supplier, number);
 *  - rule 3 adds the keys of invoices of the same supplier and gross within ±$2 days of a
 *    seed invoice (index on supplier, gross, date), then pairs within those keys;
 *  - rule 5 first finds the seeds' counterparts: the same recipient's projects in the other
 *    fund (index on recipient), their invoices of the same supplier (index on project,
 *    supplier) or asset, same year and scope; only for the (RRF project, ERDF project, scope)
 *    found does it read both projects' invoices (index on project) to size the alert.
 * A rule's alert over those facts is the same alert as over everything, so the answer equals
 * the report's alerts that involve the seeds (test/projections/double-funding.spec.ts checks
 * this for every rule, with the newest facts in the tail and after catching up).
 */
export const seeded = (mode: 'events' | 'project') => {
  const seed =
    mode === 'events' ? 'event_id = any($3::text[]::uuid[]) and ($1::text[] is null or supplier = any($1))' : 'project_id = $4::uuid';
  return `
  params as (select $1::text[] as suppliers, $3::text[] as event_ids, $4::uuid as project_id),
  seed_inv as materialized (
    select ${INV_COLS} from df_invoices where ${seed} and recorded_at <= $5
    union all select ${INV_COLS} from t_inv where ${seed}),
  seed_items as materialized (
    select ${ITEM_COLS} from df_claim_items where ${seed} and recorded_at <= $5
    union all select ${ITEM_COLS} from t_items where ${seed}),
  keys as materialized (
    select supplier, norm_number from seed_inv
    union select supplier, norm_number from seed_items
    union select y.supplier, y.norm_number from seed_inv x cross join lateral (
            select supplier, norm_number from df_invoices
             where supplier = x.supplier and gross = x.gross and invoice_date between x.invoice_date - $2::int and x.invoice_date + $2::int
               and recorded_at <= $5 offset 0) y
    union select y.supplier, y.norm_number from seed_inv x
            join t_inv y on y.supplier = x.supplier and y.gross = x.gross and abs(y.invoice_date - x.invoice_date) <= $2),
  inv as materialized (
    select i.* from keys k cross join lateral (
      select ${INV_COLS} from df_invoices where supplier = k.supplier and norm_number = k.norm_number and recorded_at <= $5 offset 0) i
    union all select i.invoice_id, i.project_id, i.event_id, i.supplier, i.norm_number, i.invoice_date, i.net, i.vat, i.gross, i.cost_line, i.asset_ref
      from keys k join t_inv i on i.supplier = k.supplier and i.norm_number = k.norm_number),
  raw_items as materialized (
    select i.* from keys k cross join lateral (
      select ${ITEM_COLS} from df_claim_items where supplier = k.supplier and norm_number = k.norm_number and recorded_at <= $5 offset 0) i
    union all select i.claim_id, i.invoice_id, i.project_id, i.event_id, i.supplier, i.norm_number, i.cents
      from keys k join t_items i on i.supplier = k.supplier and i.norm_number = k.norm_number),
  items as (
    select i.*, coalesce((select v.ineligible from df_verifications v where v.claim_id = i.claim_id and v.invoice_id = i.invoice_id and v.recorded_at <= $5),
                         (select v.ineligible from t_ver v where v.claim_id = i.claim_id and v.invoice_id = i.invoice_id limit 1), 0) as ineligible
      from raw_items i),
  sb as materialized (
    select b.* from (select distinct project_id from seed_inv) x cross join lateral (
      select project_id, recipient_org, fund, cost_lines from df_budgets
       where project_id = x.project_id and fund in ('RRF', 'ERDF') and recorded_at <= $5 offset 0) b
    union all select project_id, recipient_org, fund, cost_lines from t_bud where project_id in (select project_id from seed_inv) and fund in ('RRF', 'ERDF')),
  s5 as materialized (select x.*, b.recipient_org, b.fund, ${scopeOf('x')} as scope from seed_inv x join sb b using (project_id)),
  cb as materialized (
    select b.* from (select distinct recipient_org from sb) x cross join lateral (
      select project_id, recipient_org, fund, cost_lines from df_budgets
       where recipient_org = x.recipient_org and fund in ('RRF', 'ERDF') and recorded_at <= $5 offset 0) b
    union all select project_id, recipient_org, fund, cost_lines from t_bud where recipient_org in (select recipient_org from sb) and fund in ('RRF', 'ERDF')),
  keys5 as materialized (
    select distinct case when x.fund = 'RRF' then x.project_id else y.project_id end as rp,
                    case when x.fund = 'RRF' then y.project_id else x.project_id end as ep, x.scope
      from s5 x join cb b on b.recipient_org = x.recipient_org and b.fund <> x.fund
      cross join lateral (
        select ${INV_COLS} from df_invoices where project_id = b.project_id and supplier = x.supplier and recorded_at <= $5
        union all select ${INV_COLS} from df_invoices
         where x.asset_ref is not null and project_id = b.project_id and asset_ref = x.asset_ref and supplier <> x.supplier and recorded_at <= $5
        union all select ${INV_COLS} from t_inv where project_id = b.project_id and (supplier = x.supplier or asset_ref = x.asset_ref)) y
     where extract(year from y.invoice_date) = extract(year from x.invoice_date)
       and (case when x.asset_ref is not null and y.asset_ref is not null then x.asset_ref = y.asset_ref else x.supplier = y.supplier end)
       and ${scopeOf('y')} = x.scope),
  p5 as materialized (select rp as project_id from keys5 union select ep from keys5),
  b as materialized (
    select b.* from (select project_id from inv union select project_id from p5) x cross join lateral (
      select ${BUDGET_COLS} from df_budgets where project_id = x.project_id and recorded_at <= $5 offset 0) b
    union all select ${BUDGET_COLS} from t_bud where project_id in (select project_id from inv union select project_id from p5)),
  ivb5 as (
    select * from (
      select inv.*, b.recipient_org, b.fund, b.vat_source, ${SCOPE} as scope
        from (select i.* from p5 cross join lateral (
                select ${INV_COLS} from df_invoices where project_id = p5.project_id and recorded_at <= $5 offset 0) i
              union all select ${INV_COLS} from t_inv where project_id in (select project_id from p5)) inv
        join b using (project_id)) i
     where scope in (select scope from keys5)),
  ${IVB},
  ${RULES}
select md5(a.rule || ':' || a.key) as alert_id, a.rule, a.key, a.event_ids, a.project_ids, a.at_risk::bigint as at_risk,
       coalesce(d.decision, 'open') as status, d.reason
  from alerts a
  left join lateral (
    select decision, reason from df_decisions where alert_id = md5(a.rule || ':' || a.key) and recorded_at <= $5
    union all select decision, reason from t_dec where alert_id = md5(a.rule || ':' || a.key)
    limit 1) d on true
 where ${mode === 'events' ? 'a.event_ids && $3::text[]' : `$4::text = any(a.project_ids)${PROJECT_PAGE}`}`;
};
