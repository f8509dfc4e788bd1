import type pg from 'pg';
import { splitProRata, type FundShare } from '../../src/domain/budget/content.js';
import { budgetStream } from '../../src/domain/budget/decider.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection, TableNames } from '../../src/projection-engine/projection.js';

/**
 * Budget execution (budžeta izpilde) per project and funding source: an append-only ledger of
 * signed movements, one row per (event, measure, funding source), each with the time its event
 * was recorded. Summing the rows recorded up to an instant answers "as the system knew it
 * then"; `be_totals` keeps the same sums for now, so the usual question reads one small table.
 *
 * How each measure is split between funding sources (RRF, ERDF, STATE, OWN), to the cent with
 * largest-remainder rounding (splitProRata):
 * - planned: the budget's fund shares as opened (passport total plus requested VAT);
 * - contracted: a supplier contract's amount, pro-rata to the fund shares (contracts name no fund);
 * - claimed: each claim item, pro-rata to its invoice's allocations (advances claim no expenditure);
 * - verified eligible: each verification's eligible amount, pro-rata to its invoice's allocations;
 * - paid: a payment, pro-rata to the claim's verified eligible split (an advance, or a claim with
 *   nothing eligible: to the fund shares);
 * - corrected: the financial correction's own split, as booked.
 *
 * Idempotent: ledger rows are keyed by (event id, measure, source) and inserted "on conflict do
 * nothing"; only rows actually inserted are added to the totals, in the same statement, so a
 * replayed batch changes nothing. A batch is written with one statement per table.
 */
export const budgetExecution: Projection<AnyEvent> = {
  name: 'budget_execution',
  version: 1,
  tables: ['be_budgets', 'be_invoices', 'be_ledger', 'be_totals'],
  createTables: (t) => [
    `create table ${t.be_budgets} (
       project_id    uuid primary key,
       fund          text not null,
       programme     text not null,
       period        text not null,
       investment    text not null,
       recipient_org text not null,
       shares        jsonb not null,
       opened_at     timestamptz not null
     )`,
    `create index on ${t.be_budgets} (fund, programme, period, investment)`,
    `create table ${t.be_invoices} (
       invoice_id  uuid primary key,
       project_id  uuid not null,
       allocations jsonb not null
     )`,
    `create table ${t.be_ledger} (
       event_id    uuid not null,
       measure     text not null,
       source      text not null,
       project_id  uuid not null,
       claim_id    uuid,
       cents       bigint not null,
       recorded_at timestamptz not null,
       primary key (event_id, measure, source)
     )`,
    `create index on ${t.be_ledger} (project_id, recorded_at)`,
    `create index on ${t.be_ledger} (recorded_at)`,
    `create index on ${t.be_ledger} (claim_id) where measure = 'verified'`,
    `create table ${t.be_totals} (
       project_id uuid not null,
       measure    text not null,
       source     text not null,
       cents      bigint not null,
       primary key (project_id, measure, source)
     )`,
  ],
  async apply(tx, events, t) {
    const budgetEvents = events.filter((e) => budgetStream.owns(e));
    if (budgetEvents.length === 0) return;
    const known = await loadContext(tx, budgetEvents, t);
    const rows = { budgets: [] as object[], invoices: [] as object[], ledger: [] as LedgerRow[] };
    for (const e of budgetEvents) {
      const projectId = e.streamId.slice('budget-'.length);
      const at = e.recordedAt.toISOString();
      const move = (measure: Measure, parts: readonly FundShare[], claimId: string | null = null) => {
        for (const p of parts)
          if (p.cents !== 0)
            rows.ledger.push({
              event_id: e.id,
              measure,
              source: p.fund,
              project_id: projectId,
              claim_id: claimId,
              cents: p.cents,
              recorded_at: at,
            });
      };
      const shares = () => known.shares.get(projectId) ?? [];
      switch (e.type) {
        case 'BudgetOpened.v1': {
          const d = e.data;
          known.shares.set(projectId, d.shares);
          rows.budgets.push({
            project_id: projectId,
            fund: d.programme.fund,
            programme: d.programme.programme,
            period: d.programme.period,
            investment: d.programme.investment,
            recipient_org: d.recipientOrg,
            shares: d.shares,
            opened_at: at,
          });
          move('planned', d.shares);
          break;
        }
        case 'SupplierContractRegistered.v1':
          move('contracted', split(e.data.amountCents, shares()));
          break;
        case 'InvoiceSubmitted.v1':
          known.allocations.set(e.data.invoiceId, e.data.allocations);
          rows.invoices.push({ invoice_id: e.data.invoiceId, project_id: projectId, allocations: e.data.allocations });
          break;
        case 'PaymentClaimSubmitted.v1':
          move(
            'claimed',
            sumByFund(e.data.items.flatMap((i) => split(i.cents, known.allocations.get(i.invoiceId) ?? shares()))),
            e.data.claimId,
          );
          break;
        case 'InvoiceVerified.v1': {
          const parts = split(e.data.eligibleCents, known.allocations.get(e.data.invoiceId) ?? shares());
          move('verified', parts, e.data.claimId);
          const verified = known.verified.get(e.data.claimId) ?? new Map<string, { fund: FundShare['fund']; cents: number }>();
          for (const p of parts) verified.set(`${e.id} ${p.fund}`, p);
          known.verified.set(e.data.claimId, verified);
          break;
        }
        case 'ClaimPaid.v1': {
          const eligible = sumByFund([...(known.verified.get(e.data.claimId)?.values() ?? [])]).filter((p) => p.cents > 0);
          move('paid', split(e.data.amountCents, eligible.length ? eligible : shares()), e.data.claimId);
          break;
        }
        case 'FinancialCorrectionBooked.v1':
          move('corrected', e.data.funds, e.data.claimId);
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`budget_execution projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
    await insertAll(
      tx,
      t.be_budgets!,
      rows.budgets,
      'project_id uuid, fund text, programme text, period text, investment text, recipient_org text, shares jsonb, opened_at timestamptz',
    );
    await insertAll(tx, t.be_invoices!, rows.invoices, 'invoice_id uuid, project_id uuid, allocations jsonb');
    if (rows.ledger.length > 0) {
      // Only what this statement inserted reaches the totals: a replayed row is skipped by both.
      await tx.query(
        `with added as (
           insert into ${t.be_ledger}
           select * from jsonb_to_recordset($1::jsonb) as x(event_id uuid, measure text, source text, project_id uuid, claim_id uuid, cents bigint, recorded_at timestamptz)
           on conflict do nothing
           returning project_id, measure, source, cents)
         insert into ${t.be_totals} (project_id, measure, source, cents)
         select project_id, measure, source, sum(cents) from added group by project_id, measure, source
         on conflict (project_id, measure, source) do update set cents = ${t.be_totals}.cents + excluded.cents`,
        [JSON.stringify(rows.ledger)],
      );
    }
  },
};

export type Measure = 'planned' | 'contracted' | 'claimed' | 'verified' | 'paid' | 'corrected';

interface LedgerRow {
  event_id: string;
  measure: Measure;
  source: string;
  project_id: string;
  claim_id: string | null;
  cents: number;
  recorded_at: string;
}

/** What earlier batches left that this one needs: fund shares, invoice allocations, claims' verified splits. */
async function loadContext(tx: pg.ClientBase, events: readonly StoredEvent<BudgetEvent>[], t: TableNames) {
  const invoiceIds = new Set<string>();
  const paidClaims = new Set<string>();
  for (const e of events) {
    if (e.type === 'PaymentClaimSubmitted.v1') for (const i of e.data.items) invoiceIds.add(i.invoiceId);
    if (e.type === 'InvoiceVerified.v1') invoiceIds.add(e.data.invoiceId);
    if (e.type === 'ClaimPaid.v1') paidClaims.add(e.data.claimId);
  }
  const projectIds = [...new Set(events.map((e) => e.streamId.slice('budget-'.length)))];
  // One connection: one query at a time.
  const budgets = await tx.query<{ project_id: string; shares: FundShare[] }>(
    `select project_id, shares from ${t.be_budgets} where project_id = any($1::uuid[])`,
    [projectIds],
  );
  const invoices = await tx.query<{ invoice_id: string; allocations: FundShare[] }>(
    `select invoice_id, allocations from ${t.be_invoices} where invoice_id = any($1::uuid[])`,
    [[...invoiceIds]],
  );
  const verified = await tx.query<{ claim_id: string; event_id: string; source: FundShare['fund']; cents: string }>(
    `select claim_id, event_id, source, cents from ${t.be_ledger} where measure = 'verified' and claim_id = any($1::uuid[])`,
    [[...paidClaims]],
  );
  const verifiedByClaim = new Map<string, Map<string, { fund: FundShare['fund']; cents: number }>>();
  for (const r of verified.rows) {
    const m = verifiedByClaim.get(r.claim_id) ?? new Map<string, { fund: FundShare['fund']; cents: number }>();
    m.set(`${r.event_id} ${r.source}`, { fund: r.source, cents: Number(r.cents) });
    verifiedByClaim.set(r.claim_id, m);
  }
  return {
    shares: new Map(budgets.rows.map((r) => [r.project_id, r.shares])),
    allocations: new Map(invoices.rows.map((r) => [r.invoice_id, r.allocations])),
    verified: verifiedByClaim,
  };
}

function split(cents: number, weights: readonly FundShare[]): FundShare[] {
  return splitProRata(
    cents,
    weights.map((w) => ({ key: w.fund, weight: w.cents })),
  ).map((p) => ({ fund: p.key, cents: p.cents }));
}

function sumByFund(parts: readonly FundShare[]): FundShare[] {
  const m = new Map<FundShare['fund'], number>();
  for (const p of parts) m.set(p.fund, (m.get(p.fund) ?? 0) + p.cents);
  return [...m].map(([fund, cents]) => ({ fund, cents }));
}

async function insertAll(tx: pg.ClientBase, table: string, rows: readonly object[], columns: string): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`insert into ${table} select * from jsonb_to_recordset($1::jsonb) as x(${columns}) on conflict do nothing`, [
    JSON.stringify(rows),
  ]);
}
