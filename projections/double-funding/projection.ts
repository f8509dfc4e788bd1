import type { BudgetEvent } from '../../src/domain/budget/events.js';
import type { DuplicateAlertEvent } from '../../src/domain/dupalert/events.js';
import type { Projection } from '../../src/projection-engine/projection.js';

type Stored<E> = E & { id: string; streamId: string; version: number };

/**
 * Double-funding index (dubultfinansējums) over every project, fund, programme and period:
 * invoices keyed by (supplier registration number, normalised invoice number) with where they
 * were declared, what claims allocate from them and what the officers found ineligible, plus
 * the officers' decisions on alerts. The alerts themselves are derived by queries.ts, so a
 * rule change needs no rebuild. Every write is keyed by an event's identity, so replays change nothing.
 */
export const doubleFunding: Projection = {
  name: 'double_funding',
  version: 1,
  tables: ['df_budgets', 'df_invoices', 'df_claim_items', 'df_decisions'],
  createTables: (t) => [
    `create table ${t.df_budgets} (
       project_id    uuid primary key,
       recipient_org text not null,
       fund          text not null,
       programme     text not null,
       period        text not null,
       vat_source    text not null,
       cost_lines    jsonb not null
     )`,
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
       funds        text[] not null
     )`,
    `create index on ${t.df_invoices} (supplier, norm_number)`,
    `create index on ${t.df_invoices} (supplier, gross, invoice_date)`,
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
       ineligible  bigint not null default 0,
       verified    boolean not null default false,
       primary key (claim_id, invoice_id)
     )`,
    `create index on ${t.df_claim_items} (supplier, norm_number)`,
    `create table ${t.df_decisions} (
       alert_id   text primary key,
       decision   text not null,
       reason     text not null,
       decided_by text not null,
       decided_at timestamptz not null
     )`,
  ],
  async apply(tx, events, t) {
    for (const stored of events) {
      if (stored.streamType === 'dupalert') {
        const e = stored as unknown as Stored<DuplicateAlertEvent>;
        const decision = e.type === 'DuplicateAlertConfirmed.v1' ? 'confirmed' : 'dismissed';
        await tx.query(
          `insert into ${t.df_decisions} values ($1, $2, $3, $4, $5) on conflict (alert_id) do nothing`,
          [e.data.alertId, decision, e.data.reason, e.data.decidedBy, e.data.decidedAt],
        );
        continue;
      }
      if (stored.streamType !== 'budget') continue;
      const e = stored as unknown as Stored<BudgetEvent>;
      const projectId = stored.streamId.slice('budget-'.length);
      switch (e.type) {
        case 'BudgetOpened.v1': {
          const d = e.data;
          await tx.query(
            `insert into ${t.df_budgets} values ($1, $2, $3, $4, $5, $6, $7) on conflict (project_id) do nothing`,
            [projectId, d.recipientOrg, d.programme.fund, d.programme.programme, d.programme.period, d.vatSource, JSON.stringify(d.costLines)],
          );
          break;
        }
        case 'SupplierContractRegistered.v1':
        case 'ClaimPaid.v1':
          break; // contracts and payments do not take part in the rules yet
        case 'InvoiceSubmitted.v1': {
          const d = e.data;
          await tx.query(
            `insert into ${t.df_invoices} values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (invoice_id) do nothing`,
            [d.invoiceId, projectId, e.id, d.supplierRegNo, d.normalisedNumber, d.number, d.date, d.netCents, d.vatCents, d.grossCents, d.costLine,
              [...new Set(d.allocations.map((a) => a.fund))]],
          );
          break;
        }
        case 'PaymentClaimSubmitted.v1':
          for (const item of e.data.items) {
            await tx.query(
              `insert into ${t.df_claim_items} (claim_id, invoice_id, project_id, event_id, supplier, norm_number, cents, period_from, period_to)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
              [e.data.claimId, item.invoiceId, projectId, e.id, item.supplierRegNo, item.normalisedNumber, item.cents, e.data.periodFrom, e.data.periodTo],
            );
          }
          break;
        case 'InvoiceVerified.v1':
          // Setting (not adding) the amount keeps a replay harmless.
          await tx.query(`update ${t.df_claim_items} set ineligible = $3, verified = true where claim_id = $1 and invoice_id = $2`, [
            e.data.claimId, e.data.invoiceId, e.data.ineligibleCents,
          ]);
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`double_funding projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
  },
};
