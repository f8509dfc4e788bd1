import type pg from 'pg';
import { budgetStream } from '../../src/domain/budget/decider.js';
import { duplicateAlertStream } from '../../src/domain/dupalert/decider.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection, TableNames } from '../../src/projection-engine/projection.js';
import { alertTables, computeAlerts, seedKeysOf, storeAlerts, withCounts, type ComputedAlert } from './alerts.js';
import { loadFacts, plannedOn } from './facts.js';
import { DOUBLE_FUNDING } from './sql.js';

/**
 * Double-funding read model (dubultfinansējums) over every project, fund, programme and period.
 *
 * The facts: invoices keyed by (supplier registration number, normalised invoice number) with
 * where they were declared, what claims allocate from them and what the officers found
 * ineligible, the budgets they belong to, and the officers' decisions. Every fact row carries the
 * time its event was recorded and nothing is updated in place (a verification is its own row, not
 * a change to the claim item), so alerts can be derived as they stood at any past instant. Facts
 * are keyed by an event's identity (insert … on conflict do nothing), so replays change nothing.
 *
 * The alerts (`df_alerts`): one row per alert, kept as events arrive. Each batch re-evaluates
 * only what its events touch: the rules (src/domain/dupalert/rules.ts) run over the facts that can
 * involve the batch's invoices and claim items, the claims its verifications verify and the
 * invoices of the budgets it opens (facts.ts finds them through indexes), and the alerts that
 * involve them are written; a decision sets its alert's status. The window of rule 3 is part of
 * the version, so changing DUPCHECK_NEAR_DAYS rebuilds the alerts from zero.
 */
export const doubleFundingProjection = (nearDays: number): Projection<AnyEvent> => ({
  name: DOUBLE_FUNDING,
  version: 4000 + nearDays,
  tables: ['df_budgets', 'df_invoices', 'df_claim_items', 'df_verifications', 'df_decisions', 'df_alerts', 'df_alert_counts'],
  createTables: (t) => [
    `create table ${t.df_budgets} (
       project_id    uuid primary key,
       recipient_org text not null,
       fund          text not null,
       programme     text not null,
       investment    text not null,
       period        text not null,
       vat_source    text not null,
       cost_lines    jsonb not null,
       event_id      uuid not null,
       recorded_at   timestamptz not null
     )`,
    // Rule 5 looks for the same recipient's projects in the other fund.
    `create index on ${t.df_budgets} (recipient_org)`,
    `create table ${t.df_invoices} (
       invoice_id   uuid primary key,
       project_id   uuid not null,
       event_id     uuid not null,
       supplier     text not null,
       norm_number  text not null,
       number       text not null,
       invoice_date date not null,
       net          bigint not null,
       vat          bigint not null,
       gross        bigint not null,
       cost_line    text not null,
       funds        text[] not null,
       asset_ref    text,
       recorded_at  timestamptz not null
     )`,
    // Rules 1, 2, 4 by key; rule 3 by supplier, gross and a date range; rule 5 and the project view by project; the submit-time check by event.
    `create index on ${t.df_invoices} (supplier, norm_number)`,
    `create index on ${t.df_invoices} (supplier, gross, invoice_date)`,
    `create index on ${t.df_invoices} (project_id, supplier)`,
    `create index on ${t.df_invoices} (event_id)`,
    `create table ${t.df_claim_items} (
       claim_id    uuid not null,
       invoice_id  uuid not null,
       project_id  uuid not null,
       event_id    uuid not null,
       supplier    text not null,
       norm_number text not null,
       cents       bigint not null,
       period_from date not null,
       period_to   date not null,
       recorded_at timestamptz not null,
       primary key (claim_id, invoice_id)
     )`,
    `create index on ${t.df_claim_items} (supplier, norm_number)`,
    `create index on ${t.df_claim_items} (project_id)`,
    `create index on ${t.df_claim_items} (event_id)`,
    `create table ${t.df_verifications} (
       claim_id    uuid not null,
       invoice_id  uuid not null,
       event_id    uuid not null,
       eligible    bigint not null,
       ineligible  bigint not null,
       recorded_at timestamptz not null,
       primary key (claim_id, invoice_id)
     )`,
    `create table ${t.df_decisions} (
       alert_id    text primary key,
       decision    text not null,
       reason      text not null,
       decided_by  text not null,
       decided_at  timestamptz not null,
       event_id    uuid not null,
       recorded_at timestamptz not null
     )`,
    ...alertTables(t.df_alerts!, t.df_alert_counts!),
  ],
  async apply(tx, events, t) {
    const rows: Record<'budgets' | 'invoices' | 'items' | 'verifications' | 'decisions', unknown[]> = {
      budgets: [],
      invoices: [],
      items: [],
      verifications: [],
      decisions: [],
    };
    for (const e of events) {
      const recordedAt = e.recordedAt.toISOString();
      if (duplicateAlertStream.owns(e)) {
        const decision = e.type === 'DuplicateAlertConfirmed.v2' ? 'confirmed' : 'dismissed';
        const d = e.data;
        rows.decisions.push({
          alert_id: d.alertId,
          decision,
          reason: d.reason,
          decided_by: d.decidedBy,
          decided_at: d.decidedAt,
          event_id: e.id,
          recorded_at: recordedAt,
        });
        continue;
      }
      if (!budgetStream.owns(e)) continue;
      const projectId = e.streamId.slice('budget-'.length);
      switch (e.type) {
        case 'BudgetOpened.v1': {
          const d = e.data;
          rows.budgets.push({
            project_id: projectId,
            recipient_org: d.recipientOrg,
            fund: d.programme.fund,
            programme: d.programme.programme,
            investment: d.programme.investment,
            period: d.programme.period,
            vat_source: d.vatSource,
            cost_lines: d.costLines,
            event_id: e.id,
            recorded_at: recordedAt,
          });
          break;
        }
        case 'SupplierContractRegistered.v1':
        case 'ClaimPaid.v1':
        case 'FinancialCorrectionBooked.v1':
          break; // contracts and payments do not take part in the rules yet
        case 'InvoiceSubmitted.v1': {
          const d = e.data;
          rows.invoices.push({
            invoice_id: d.invoiceId,
            project_id: projectId,
            event_id: e.id,
            supplier: d.supplierRegNo,
            norm_number: d.normalisedNumber,
            number: d.number,
            invoice_date: d.date,
            net: d.netCents,
            vat: d.vatCents,
            gross: d.grossCents,
            cost_line: d.costLine,
            funds: [...new Set(d.allocations.map((a) => a.fund))],
            asset_ref: assetRefOf(d),
            recorded_at: recordedAt,
          });
          break;
        }
        case 'PaymentClaimSubmitted.v1':
          for (const item of e.data.items) {
            rows.items.push({
              claim_id: e.data.claimId,
              invoice_id: item.invoiceId,
              project_id: projectId,
              event_id: e.id,
              supplier: item.supplierRegNo,
              norm_number: item.normalisedNumber,
              cents: item.cents,
              period_from: e.data.periodFrom,
              period_to: e.data.periodTo,
              recorded_at: recordedAt,
            });
          }
          break;
        case 'InvoiceVerified.v1':
          // Its own row with its time, not an update of the claim item: an as-of view needs to know when it happened.
          rows.verifications.push({
            claim_id: e.data.claimId,
            invoice_id: e.data.invoiceId,
            event_id: e.id,
            eligible: e.data.eligibleCents,
            ineligible: e.data.ineligibleCents,
            recorded_at: recordedAt,
          });
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`double_funding projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
    const insert = async (table: string, batch: unknown[], columns: string) => {
      if (batch.length === 0) return;
      await tx.query(`insert into ${table} select * from jsonb_to_recordset($1::jsonb) as x(${columns}) on conflict do nothing`, [
        JSON.stringify(batch),
      ]);
    };
    await insert(
      t.df_budgets!,
      rows.budgets,
      'project_id uuid, recipient_org text, fund text, programme text, investment text, period text, vat_source text, cost_lines jsonb, event_id uuid, recorded_at timestamptz',
    );
    await insert(
      t.df_invoices!,
      rows.invoices,
      'invoice_id uuid, project_id uuid, event_id uuid, supplier text, norm_number text, number text, invoice_date date, net bigint, vat bigint, gross bigint, cost_line text, funds text[], asset_ref text, recorded_at timestamptz',
    );
    await insert(
      t.df_claim_items!,
      rows.items,
      'claim_id uuid, invoice_id uuid, project_id uuid, event_id uuid, supplier text, norm_number text, cents bigint, period_from date, period_to date, recorded_at timestamptz',
    );
    await insert(
      t.df_verifications!,
      rows.verifications,
      'claim_id uuid, invoice_id uuid, event_id uuid, eligible bigint, ineligible bigint, recorded_at timestamptz',
    );
    await insert(
      t.df_decisions!,
      rows.decisions,
      'alert_id text, decision text, reason text, decided_by text, decided_at timestamptz, event_id uuid, recorded_at timestamptz',
    );
    const { alerts, keys } = await alertsTouched(tx, events, t, nearDays);
    const decided = rows.decisions.map((d) => (d as { alert_id: string }).alert_id);
    if (alerts.length === 0 && keys.length === 0 && decided.length === 0) return;
    const tables = { df_alerts: t.df_alerts!, df_alert_counts: t.df_alert_counts!, df_decisions: t.df_decisions! };
    await withCounts(tx, tables, { alertIds: [...alerts.map((a) => a.alertId), ...decided], invoiceKeys: keys }, async () => {
      await storeAlerts(tx, tables, alerts, keys);
      if (decided.length === 0) return;
      await tx.query(
        `update ${t.df_alerts!} a set status = d.decision, reason = d.reason, decided_by = d.decided_by, decided_at = d.decided_at
           from ${t.df_decisions!} d where d.alert_id = a.alert_id and d.alert_id = any($1::text[])`,
        [decided],
      );
    });
  },
});

/** The read model the service runs, with the default window; `doubleFundingProjection` for another. */
export const doubleFunding = doubleFundingProjection(5);

/**
 * Re-evaluates the alerts the batch's facts can change: the seeds are its invoices and claims,
 * the claims its verifications verify (a verification lowers rule 2's cap) and the invoices of
 * the budgets it opens (rules 4 and 5 need the budget). Runs after the batch's facts are in the
 * generation's tables, so the rules see them. Returns the alerts as they now are and the seeds'
 * invoice keys (whose rule 1 and 2 alerts not among them have ended).
 */
async function alertsTouched(
  tx: pg.ClientBase,
  events: readonly StoredEvent<AnyEvent>[],
  t: TableNames,
  nearDays: number,
): Promise<{ alerts: ComputedAlert[]; keys: string[] }> {
  const eventIds: string[] = [];
  const projectIds: string[] = [];
  const verified: { claim_id: string; invoice_id: string }[] = [];
  for (const e of events) {
    if (e.type === 'InvoiceSubmitted.v1' || e.type === 'PaymentClaimSubmitted.v1') eventIds.push(e.id);
    else if (e.type === 'BudgetOpened.v1') projectIds.push(e.streamId.slice('budget-'.length));
    else if (e.type === 'InvoiceVerified.v1') verified.push({ claim_id: e.data.claimId, invoice_id: e.data.invoiceId });
  }
  if (verified.length) {
    const { rows } = await tx.query<{ event_id: string }>(
      `select distinct i.event_id from jsonb_to_recordset($1::jsonb) as v(claim_id uuid, invoice_id uuid)
         join ${t.df_claim_items!} i using (claim_id, invoice_id)`,
      [JSON.stringify(verified)],
    );
    eventIds.push(...rows.map((r) => r.event_id));
  }
  if (eventIds.length === 0 && projectIds.length === 0) return { alerts: [], keys: [] };
  const tables = {
    df_invoices: t.df_invoices!,
    df_claim_items: t.df_claim_items!,
    df_verifications: t.df_verifications!,
    df_budgets: t.df_budgets!,
  };
  const seeded = await loadFacts(plannedOn(tx), { eventIds, projectIds }, nearDays, undefined, { tables });
  const keys = seedKeysOf(seeded);
  return { alerts: computeAlerts(seeded, nearDays, keys), keys };
}

/** The asset the invoice pays for (inventory or cadastre number), when the beneficiary named one. */
function assetRefOf(invoice: object): string | null {
  const ref = (invoice as { assetRef?: unknown }).assetRef;
  return typeof ref === 'string' && ref.trim() !== '' ? ref.trim().toUpperCase() : null;
}
