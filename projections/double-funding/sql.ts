/*
 * How the double-funding facts an answer can involve are found (facts.ts runs it; the rules
 * themselves are pure functions in src/domain/dupalert/rules.ts). Parameters: $1 suppliers
 * (null: any), $2 near-duplicate window in days, $3 seed event ids, $4 seed project ids, $5 as of.
 * The seeds are the invoices and claim items of the events $3 (of the suppliers $1 when given),
 * of the projects $4, or, with neither, of the suppliers $1.
 */

/** The projection's name, as its checkpoint row knows it. */
export const DOUBLE_FUNDING = 'double_funding';

/** The read model's tables a statement reads: the active generation's views, or one generation's own tables. */
export interface FactTables {
  df_invoices: string;
  df_claim_items: string;
  df_verifications: string;
  df_budgets: string;
}
export const ACTIVE_TABLES: FactTables = {
  df_invoices: 'df_invoices',
  df_claim_items: 'df_claim_items',
  df_verifications: 'df_verifications',
  df_budgets: 'df_budgets',
};

/**
 * The events of the log after the read model's checkpoint, parsed like the projection parses
 * them, each kind up to $5. The time filter is applied to the parsed rows, not in the scan, so
 * the scan always takes the (transaction id, position) index from the checkpoint. Recorded
 * times are cut to the millisecond, as the read model stores them (events reach projections
 * with JavaScript dates), so an as-of answer is the same before and after the runner catches up.
 */
export const TAIL = `
  cp as materialized (
    select coalesce((select checkpoint_tx from projection_generations where projection = '${DOUBLE_FUNDING}' and status = 'active'), '0'::xid8) as tx,
           coalesce((select checkpoint_pos from projection_generations where projection = '${DOUBLE_FUNDING}' and status = 'active'), 0) as pos),
  tail as materialized (
    select e.event_id, e.stream_id, e.type, e.payload, date_trunc('milliseconds', e.recorded_at) as recorded from es_events e
     where (e.transaction_id, e.position) > ((select tx from cp), (select pos from cp)) and e.stream_type = 'budget'),
  t_inv as materialized (
    select (payload->>'invoiceId')::uuid as invoice_id, substr(stream_id, 8)::uuid as project_id, event_id,
           payload->>'supplierRegNo' as supplier, payload->>'normalisedNumber' as norm_number, (payload->>'date')::date as invoice_date,
           (payload->>'netCents')::bigint as net, (payload->>'vatCents')::bigint as vat, (payload->>'grossCents')::bigint as gross,
           payload->>'costLine' as cost_line, nullif(upper(trim(payload->>'assetRef')), '') as asset_ref, recorded as recorded_at
      from tail where type = 'InvoiceSubmitted.v1' and recorded <= $5),
  t_items as materialized (
    select (e.payload->>'claimId')::uuid as claim_id, (it->>'invoiceId')::uuid as invoice_id, substr(e.stream_id, 8)::uuid as project_id,
           e.event_id, it->>'supplierRegNo' as supplier, it->>'normalisedNumber' as norm_number, (it->>'cents')::bigint as cents,
           e.recorded as recorded_at
      from tail e cross join lateral jsonb_array_elements(e.payload->'items') it where e.type = 'PaymentClaimSubmitted.v1' and e.recorded <= $5),
  t_ver as materialized (
    select (payload->>'claimId')::uuid as claim_id, (payload->>'invoiceId')::uuid as invoice_id, (payload->>'ineligibleCents')::bigint as ineligible,
           recorded as recorded_at
      from tail where type = 'InvoiceVerified.v1' and recorded <= $5),
  t_bud as materialized (
    select substr(stream_id, 8)::uuid as project_id, payload->>'recipientOrg' as recipient_org, payload->'programme'->>'fund' as fund,
           payload->'programme'->>'programme' as programme, payload->'programme'->>'investment' as investment,
           payload->>'vatSource' as vat_source, payload->'costLines' as cost_lines, recorded as recorded_at
      from tail where type = 'BudgetOpened.v1' and recorded <= $5)`;

const INV_COLS =
  'invoice_id, project_id, event_id, supplier, norm_number, invoice_date, net, vat, gross, cost_line, asset_ref, recorded_at';
const ITEM_COLS = 'claim_id, invoice_id, project_id, event_id, supplier, norm_number, cents, recorded_at';
const BUDGET_COLS = 'project_id, recipient_org, fund, programme, investment, vat_source, cost_lines, recorded_at';

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
  ineligible: 'bigint',
  recipient_org: 'text',
  fund: 'text',
  programme: 'text',
  investment: 'text',
  vat_source: 'text',
  cost_lines: 'jsonb',
  recorded_at: 'timestamptz',
};
const empty = (name: string, columns: string) =>
  `${name} as (select ${columns
    .split(', ')
    .map((c) => `null::${TYPES[c]} as ${c}`)
    .join(', ')} where false)`;

/** The same relations, empty: for a log outside PostgreSQL, and inside the projection, the read model is all there is. */
export const NO_TAIL = [
  empty('t_inv', INV_COLS),
  empty('t_items', ITEM_COLS),
  empty('t_ver', 'claim_id, invoice_id, ineligible, recorded_at'),
  empty('t_bud', BUDGET_COLS),
].join(',\n  ');

/** The output of the invoice's cost line (case and spaces aside), as rule 5 compares it (rules.ts `scopeOf`). */
const scopeOf = (invoice: string, budget = 'b') =>
  `(select lower(trim(l->>'output')) from jsonb_array_elements(${budget}.cost_lines) l where l->>'code' = ${invoice}.cost_line limit 1)`;

/**
 * Every fact a rule needs to decide the alerts that involve the seeds, over the read model ∪ the
 * tail, as of $5; one row per fact: kind ('i' invoice, 'c' claim item, 'b' budget, 's' a seed's
 * event id) and the fact as JSON. Every read-model lookup is an index lookup driven by a few rows
 * (lateral + `offset 0`, so no estimate can turn it into a scan):
 *  - rules 1, 2, 4 depend only on the invoices and items of one (supplier, normalised number)
 *    key, so the seeds' keys are enough (index on supplier, number);
 *  - rule 3 adds the keys of invoices of the same supplier and gross within ±$2 days of a seed
 *    invoice (index on supplier, gross, date);
 *  - rule 5 first finds the seeds' counterparts: the same recipient's projects in the other fund
 *    (index on recipient), their invoices of the same supplier (index on project, supplier) or
 *    asset, same year and scope; only for the (RRF project, ERDF project, scope) found does it
 *    read both projects' invoices of those scopes (index on project), to size the alert.
 * A rule's alert over these facts is the same alert as over everything, for every alert that
 * involves a seed event (test/projections/double-funding-rules.spec.ts checks it).
 */
export const factsSql = (t: FactTables, tail: boolean) => `
  with ${tail ? TAIL : NO_TAIL},
  seed_inv as materialized (
    select ${INV_COLS} from ${t.df_invoices} where event_id = any($3::uuid[]) and ($1::text[] is null or supplier = any($1)) and recorded_at <= $5
    union select ${INV_COLS} from ${t.df_invoices} where project_id = any($4::uuid[]) and recorded_at <= $5
    union select ${INV_COLS} from ${t.df_invoices} where $3::uuid[] is null and $4::uuid[] is null and supplier = any($1) and recorded_at <= $5
    union select ${INV_COLS} from t_inv
     where (event_id in (select unnest($3::uuid[])) and ($1::text[] is null or supplier = any($1))) or project_id in (select unnest($4::uuid[]))
        or ($3::uuid[] is null and $4::uuid[] is null and supplier = any($1))),
  seed_items as materialized (
    select ${ITEM_COLS} from ${t.df_claim_items} where event_id = any($3::uuid[]) and ($1::text[] is null or supplier = any($1)) and recorded_at <= $5
    union select ${ITEM_COLS} from ${t.df_claim_items} where project_id = any($4::uuid[]) and recorded_at <= $5
    union select ${ITEM_COLS} from ${t.df_claim_items} where $3::uuid[] is null and $4::uuid[] is null and supplier = any($1) and recorded_at <= $5
    union select ${ITEM_COLS} from t_items
     where (event_id in (select unnest($3::uuid[])) and ($1::text[] is null or supplier = any($1))) or project_id in (select unnest($4::uuid[]))
        or ($3::uuid[] is null and $4::uuid[] is null and supplier = any($1))),
  keys as materialized (
    select supplier, norm_number from seed_inv
    union select supplier, norm_number from seed_items
    union select y.supplier, y.norm_number from seed_inv x cross join lateral (
            select supplier, norm_number from ${t.df_invoices}
             where supplier = x.supplier and gross = x.gross and invoice_date between x.invoice_date - $2::int and x.invoice_date + $2::int
               and recorded_at <= $5 offset 0) y
    union select y.supplier, y.norm_number from seed_inv x
            join t_inv y on y.supplier = x.supplier and y.gross = x.gross and abs(y.invoice_date - x.invoice_date) <= $2),
  inv as materialized (
    select i.* from keys k cross join lateral (
      select ${INV_COLS} from ${t.df_invoices} where supplier = k.supplier and norm_number = k.norm_number and recorded_at <= $5 offset 0) i
    union all select i.* from keys k join t_inv i on i.supplier = k.supplier and i.norm_number = k.norm_number),
  raw_items as materialized (
    select i.* from keys k cross join lateral (
      select ${ITEM_COLS} from ${t.df_claim_items} where supplier = k.supplier and norm_number = k.norm_number and recorded_at <= $5 offset 0) i
    union all select i.* from keys k join t_items i on i.supplier = k.supplier and i.norm_number = k.norm_number),
  items as (
    select i.*, v.ineligible, v.recorded_at as verified_at from raw_items i left join lateral (
      select ineligible, recorded_at from ${t.df_verifications} where claim_id = i.claim_id and invoice_id = i.invoice_id and recorded_at <= $5
      union all select ineligible, recorded_at from t_ver where claim_id = i.claim_id and invoice_id = i.invoice_id
      limit 1) v on true),
  sb as materialized (
    select b.* from (select distinct project_id from seed_inv) x cross join lateral (
      select project_id, recipient_org, fund, cost_lines from ${t.df_budgets}
       where project_id = x.project_id and fund in ('RRF', 'ERDF') and recorded_at <= $5 offset 0) b
    union all select project_id, recipient_org, fund, cost_lines from t_bud where project_id in (select project_id from seed_inv) and fund in ('RRF', 'ERDF')),
  s5 as materialized (select x.*, b.recipient_org, b.fund, ${scopeOf('x')} as scope from seed_inv x join sb b using (project_id)),
  cb as materialized (
    select b.* from (select distinct recipient_org from sb) x cross join lateral (
      select project_id, recipient_org, fund, cost_lines from ${t.df_budgets}
       where recipient_org = x.recipient_org and fund in ('RRF', 'ERDF') and recorded_at <= $5 offset 0) b
    union all select project_id, recipient_org, fund, cost_lines from t_bud where recipient_org in (select recipient_org from sb) and fund in ('RRF', 'ERDF')),
  -- The counterparts' invoices: from the read model by index, one lookup per (seed, budget); from the tail by one hash join.
  pairs5 as materialized (
    select x.project_id as xp, x.fund, x.scope, x.supplier as xs, x.asset_ref as xa, x.invoice_date as xd, b.cost_lines, y.*
      from s5 x join cb b on b.recipient_org = x.recipient_org and b.fund <> x.fund
      cross join lateral (
        select ${INV_COLS} from ${t.df_invoices} where project_id = b.project_id and supplier = x.supplier and recorded_at <= $5
        union all select ${INV_COLS} from ${t.df_invoices}
         where x.asset_ref is not null and project_id = b.project_id and asset_ref = x.asset_ref and supplier <> x.supplier and recorded_at <= $5) y
    union all
    select x.project_id, x.fund, x.scope, x.supplier, x.asset_ref, x.invoice_date, b.cost_lines, y.*
      from s5 x join cb b on b.recipient_org = x.recipient_org and b.fund <> x.fund
      join t_inv y on y.project_id = b.project_id and y.supplier = x.supplier
    -- Two joins, not one on "same supplier or same asset": an OR is no hash key, and 1,000 seeds against a
    -- tail of 5,000 invoices were then 5 million pairs tested one by one (0.5 s per import chunk).
    union all
    select x.project_id, x.fund, x.scope, x.supplier, x.asset_ref, x.invoice_date, b.cost_lines, y.*
      from s5 x join cb b on b.recipient_org = x.recipient_org and b.fund <> x.fund
      join t_inv y on y.project_id = b.project_id and y.asset_ref = x.asset_ref and y.supplier <> x.supplier),
  keys5 as materialized (
    select distinct case when y.fund = 'RRF' then y.xp else y.project_id end as rp,
                    case when y.fund = 'RRF' then y.project_id else y.xp end as ep, y.scope
      from pairs5 y
     where extract(year from y.invoice_date) = extract(year from y.xd)
       and (case when y.xa is not null and y.asset_ref is not null then y.xa = y.asset_ref else y.xs = y.supplier end)
       and ${scopeOf('y', 'y')} = y.scope),
  p5 as materialized (select rp as project_id from keys5 union select ep from keys5),
  b as materialized (
    select b.* from (select project_id from inv union select project_id from raw_items union select project_id from p5) x cross join lateral (
      select ${BUDGET_COLS} from ${t.df_budgets} where project_id = x.project_id and recorded_at <= $5 offset 0) b
    union all select ${BUDGET_COLS} from t_bud where project_id in (select project_id from inv union select project_id from raw_items union select project_id from p5)),
  inv5 as (
    select i.* from (
      select i.* from p5 cross join lateral (
        select ${INV_COLS} from ${t.df_invoices} where project_id = p5.project_id and recorded_at <= $5 offset 0) i
      union all select ${INV_COLS} from t_inv where project_id in (select project_id from p5)) i
      join b using (project_id)
     where ${scopeOf('i')} in (select scope from keys5))
  select 'i' as kind, to_jsonb(x) as fact from (select * from inv union select * from inv5) x
  union all select 'c', to_jsonb(x) from items x
  union all select 'b', to_jsonb(x) from b x
  union all select 's', to_jsonb(event_id) from (select event_id from seed_inv union select event_id from seed_items) x`;
