import type pg from 'pg';
import { splitProRata, type FundShare, type FundingSource } from '../../src/domain/budget/content.js';
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
 * `ledgerMovements` is that rule, one event at a time; explanations of a figure use it too.
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
      const projectId = projectOf(e);
      const at = e.recordedAt.toISOString();
      const movements = ledgerMovements(e, known);
      rememberLedger(known, e, movements);
      for (const m of movements)
        if (m.cents !== 0)
          rows.ledger.push({
            event_id: e.id,
            measure: m.measure,
            source: m.source,
            project_id: projectId,
            claim_id: m.claimId,
            cents: m.cents,
            recorded_at: at,
          });
      if (e.type === 'BudgetOpened.v1') {
        const d = e.data;
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
      }
      if (e.type === 'InvoiceSubmitted.v1')
        rows.invoices.push({ invoice_id: e.data.invoiceId, project_id: projectId, allocations: e.data.allocations });
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

/** One signed amount an event adds to a measure of one funding source (zero parts included: they keep the split's order). */
export interface Movement {
  measure: Measure;
  source: FundingSource;
  cents: number;
  /** The claim it belongs to: claims, verifications, payments and corrections of a claim. */
  claimId: string | null;
}

/** What earlier budget events left that a later one's split needs. */
export interface LedgerContext {
  /** Each project's fund shares, as its budget was opened. */
  readonly shares: Map<string, readonly FundShare[]>;
  /** Each invoice's allocations to funding sources. */
  readonly allocations: Map<string, readonly FundShare[]>;
  /** Each claim's verified eligible parts, keyed `<event id> <source>`. */
  readonly verified: Map<string, Map<string, FundShare>>;
}

export const emptyLedgerContext = (): LedgerContext => ({ shares: new Map(), allocations: new Map(), verified: new Map() });

const projectOf = (e: StoredEvent<BudgetEvent>) => e.streamId.slice('budget-'.length);

/**
 * The movements one budget event makes, given what the events before it left (`known`): the
 * one rule of how budget execution is split between measures and funding sources. The
 * projection writes them to the ledger, and an explanation of a figure lists them per event
 * (src/application/explain.ts), so the two cannot disagree. Pure: `known` is only read.
 */
export function ledgerMovements(e: StoredEvent<BudgetEvent>, known: LedgerContext): Movement[] {
  const shares = known.shares.get(projectOf(e)) ?? [];
  const move = (measure: Measure, parts: readonly FundShare[], claimId: string | null = null): Movement[] =>
    parts.map((p) => ({ measure, source: p.fund, cents: p.cents, claimId }));
  switch (e.type) {
    case 'BudgetOpened.v1':
      return move('planned', e.data.shares);
    case 'SupplierContractRegistered.v1':
      return move('contracted', split(e.data.amountCents, shares));
    case 'InvoiceSubmitted.v1':
      return [];
    case 'PaymentClaimSubmitted.v1':
      return move(
        'claimed',
        sumByFund(e.data.items.flatMap((i) => split(i.cents, known.allocations.get(i.invoiceId) ?? shares))),
        e.data.claimId,
      );
    case 'InvoiceVerified.v1':
      return move('verified', split(e.data.eligibleCents, known.allocations.get(e.data.invoiceId) ?? shares), e.data.claimId);
    case 'ClaimPaid.v1': {
      const eligible = sumByFund([...(known.verified.get(e.data.claimId)?.values() ?? [])]).filter((p) => p.cents > 0);
      return move('paid', split(e.data.amountCents, eligible.length ? eligible : shares), e.data.claimId);
    }
    case 'FinancialCorrectionBooked.v1':
      return move('corrected', e.data.funds, e.data.claimId);
    default: {
      const exhaustive: never = e;
      throw new Error(`budget_execution projection: unhandled ${(exhaustive as { type: string }).type}`);
    }
  }
}

/** Adds what `e` (with its `movements`) leaves for the events after it to `known`. */
export function rememberLedger(known: LedgerContext, e: StoredEvent<BudgetEvent>, movements: readonly Movement[]): void {
  if (e.type === 'BudgetOpened.v1') known.shares.set(projectOf(e), e.data.shares);
  if (e.type === 'InvoiceSubmitted.v1') known.allocations.set(e.data.invoiceId, e.data.allocations);
  if (e.type === 'InvoiceVerified.v1') {
    const verified = known.verified.get(e.data.claimId) ?? new Map<string, FundShare>();
    for (const m of movements) verified.set(`${e.id} ${m.source}`, { fund: m.source, cents: m.cents });
    known.verified.set(e.data.claimId, verified);
  }
}

/** The figures budget execution shows (`…Cents` in the answer), each a signed sum of measures. */
export type BudgetFigure = 'planned' | 'contracted' | 'claimed' | 'verified' | 'paid' | 'corrected' | 'remaining';

/**
 * How each figure sums the measures: the one place `remaining` (planned − (verified eligible −
 * corrected)) is defined, used by the totals (queries.ts) and by explanations.
 */
export const BUDGET_FIGURES: Readonly<Record<BudgetFigure, Readonly<Partial<Record<Measure, 1 | -1>>>>> = {
  planned: { planned: 1 },
  contracted: { contracted: 1 },
  claimed: { claimed: 1 },
  verified: { verified: 1 },
  paid: { paid: 1 },
  corrected: { corrected: 1 },
  remaining: { planned: 1, verified: -1, corrected: 1 },
};

/** A figure from per-measure amounts (`of`), e.g. a project's sums or one event's movements. */
export function figureCents(figure: BudgetFigure, of: (measure: Measure) => number): number {
  let cents = 0;
  for (const [measure, sign] of Object.entries(BUDGET_FIGURES[figure]) as [Measure, 1 | -1][]) cents += sign * of(measure);
  return cents;
}

/** What one event's movements add to a figure, of one funding source or of all. */
export function contributionTo(figure: BudgetFigure, movements: readonly Movement[], source?: FundingSource): number {
  const mine = movements.filter((m) => source === undefined || m.source === source);
  return figureCents(figure, (measure) => mine.reduce((n, m) => (m.measure === measure ? n + m.cents : n), 0));
}

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
async function loadContext(tx: pg.ClientBase, events: readonly StoredEvent<BudgetEvent>[], t: TableNames): Promise<LedgerContext> {
  const invoiceIds = new Set<string>();
  const paidClaims = new Set<string>();
  for (const e of events) {
    if (e.type === 'PaymentClaimSubmitted.v1') for (const i of e.data.items) invoiceIds.add(i.invoiceId);
    if (e.type === 'InvoiceVerified.v1') invoiceIds.add(e.data.invoiceId);
    if (e.type === 'ClaimPaid.v1') paidClaims.add(e.data.claimId);
  }
  const projectIds = [...new Set(events.map(projectOf))];
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
  const verifiedByClaim = new Map<string, Map<string, FundShare>>();
  for (const r of verified.rows) {
    const m = verifiedByClaim.get(r.claim_id) ?? new Map<string, FundShare>();
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
