import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepFactsPlanned } from '../../projections/double-funding/facts.js';
import { doubleFunding } from '../../projections/double-funding/projection.js';
import { createPool } from '../../src/db/database.js';
import {
  alertsAsOf,
  alertsAtSubmission,
  alertsForProject,
  queryAlerts,
  selectAlerts,
  type AlertFilter,
} from '../../projections/double-funding/queries.js';
import { normaliseInvoiceNumber, type InvoiceInput } from '../../src/domain/budget/content.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import type { DuplicateAlertEvent } from '../../src/domain/dupalert/events.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames } from '../../src/projection-engine/projection.js';
import { buildInvoice } from '../support/budget-builders.js';
import { buildMetadata } from '../support/builders.js';
import { insertLegacyStream } from '../support/legacy.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eAdrese } from '../support/passport-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let manager: ProjectionManager<AnyEvent>;
beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  manager = new ProjectionManager(db.pool, store, [doubleFunding], { batchSize: 100, pollMs: 50, logger: pino({ level: 'silent' }) });
  await manager.prepare();
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const T = '2024-04-01T09:00:00.000Z';
const NEAR_DAYS = 5;
const RECIPIENT = eAdrese.recipient.registrationNumber;
/** Each test gets its own supplier, so the report filtered by supplier shows only its alerts. */
const newSupplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;

async function append(streamId: string, events: (BudgetEvent | DuplicateAlertEvent)[]): Promise<string[]> {
  const { length } = await store.readStream(streamId);
  const r = await store.append(
    streamId,
    events.map((e) => ({ ...e, metadata: buildMetadata() })),
    { expectedVersion: length },
  );
  return [...r.eventIds];
}

interface BudgetOptions {
  fund?: string;
  recipientOrg?: string;
  vatSource?: 'state_budget' | 'own' | 'not_requested';
  output?: string;
  period?: string;
}
async function givenBudget(o: BudgetOptions = {}): Promise<string> {
  const projectId = randomUUID();
  await append(`budget-${projectId}`, [
    {
      type: 'BudgetOpened.v1',
      data: {
        projectId,
        passportVersion: 1,
        programme: { ...eAdrese.programme, fund: o.fund ?? 'RRF', period: o.period ?? eAdrese.programme.period },
        recipientOrg: o.recipientOrg ?? RECIPIENT,
        costLines: [
          {
            code: '4.3',
            output: o.output ?? 'Modernizēta e-adrešu sistēma',
            indicativeCents: 100_000_000,
            maximumCents: 100_000_000,
            vatable: true,
          },
        ],
        totalCents: 100_000_000,
        vatCents: 0,
        vatSource: o.vatSource ?? 'own',
        vatRecoverable: false,
        advanceCents: 0,
        shares: [{ fund: 'RRF', cents: 100_000_000 }],
        openedAt: T,
        openedBy: 'janis',
      },
    },
  ]);
  return projectId;
}
async function givenInvoice(
  projectId: string,
  overrides: Partial<InvoiceInput> = {},
): Promise<{ invoiceId: string; eventId: string; invoice: InvoiceInput }> {
  const invoiceId = randomUUID();
  const invoice = buildInvoice(overrides);
  const [eventId] = await append(`budget-${projectId}`, [
    {
      type: 'InvoiceSubmitted.v1',
      data: { ...invoice, invoiceId, normalisedNumber: normaliseInvoiceNumber(invoice.number), submittedAt: T, submittedBy: 'anna' },
    },
  ]);
  return { invoiceId, eventId: eventId!, invoice };
}
async function givenClaim(
  projectId: string,
  items: { invoice: InvoiceInput; invoiceId: string; cents: number }[],
  claimId = randomUUID(),
): Promise<string> {
  await append(`budget-${projectId}`, [
    {
      type: 'PaymentClaimSubmitted.v1',
      data: {
        claimId,
        kind: 'interim',
        periodFrom: '2024-01-01',
        periodTo: '2024-06-30',
        requestedCents: items.reduce((n, i) => n + i.cents, 0),
        items: items.map((i) => ({
          invoiceId: i.invoiceId,
          cents: i.cents,
          supplierRegNo: i.invoice.supplierRegNo,
          normalisedNumber: normaliseInvoiceNumber(i.invoice.number),
        })),
        submittedAt: T,
        submittedBy: 'anna',
      },
    },
  ]);
  return claimId;
}
/**
 * The officers' queue in the rules' order: now, the alerts read model; as of an instant, computed
 * from the facts recorded by then (of the supplier, when named).
 */
async function listAlerts(pool: typeof db.pool, filter: AlertFilter & { asOf?: Date }, nearDays: number) {
  const { asOf, ...rest } = filter;
  if (asOf === undefined) return queryAlerts(pool, { filter: rest, sort: 'rule', limit: null });
  const seeds = rest.supplier ? { suppliers: [rest.supplier] } : undefined;
  return selectAlerts(await alertsAsOf(pool, nearDays, asOf, 'read_model', seeds), { filter: rest, sort: 'rule', limit: null });
}
/** Every invoice and claim event naming the supplier, straight from the log. */
async function eventsOf(supplier: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ event_id: string }>(
    `select event_id from es_events where payload->>'supplierRegNo' = $1 or payload->'items' @> jsonb_build_array(jsonb_build_object('supplierRegNo', $1::text))`,
    [supplier],
  );
  return rows.map((r) => r.event_id);
}
/**
 * The report (read model) and the submit-time check must agree, both while the latest events
 * are only in the log after the read model's checkpoint (the tail) and once it has caught up.
 */
async function alertsFor(supplier: string) {
  const events = await eventsOf(supplier);
  const withTail = await alertsAtSubmission(db.pool, [supplier], events, NEAR_DAYS);
  await manager.catchUp();
  const report = await listAlerts(db.pool, { supplier }, NEAR_DAYS);
  expect(withTail).toEqual(report);
  expect(await alertsAtSubmission(db.pool, [supplier], events, NEAR_DAYS)).toEqual(report);
  expect(await alertsAtSubmission(db.pool, [supplier], events, NEAR_DAYS, 'read_model')).toEqual(report);
  for (const projectId of new Set(report.flatMap((a) => a.projectIds))) {
    expect(await alertsForProject(db.pool, projectId, NEAR_DAYS)).toEqual(report.filter((a) => a.projectIds.includes(projectId)));
  }
  return report;
}

describe('double-funding rule 1: the same invoice declared twice', () => {
  it('when one invoice, numbered differently in form, is declared in an RRF and an ERDF project (different outputs), one alert names both projects and the gross at risk', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget({ fund: 'ERDF', output: 'Cits rezultāts' })];
    const x = await givenInvoice(a, { supplierRegNo: supplier, number: 'INV-2024/0042' });
    const y = await givenInvoice(b, { supplierRegNo: supplier, number: 'inv 2024 42' });
    const alerts = await alertsFor(supplier);
    expect(alerts).toEqual([
      expect.objectContaining({
        rule: 'same_invoice',
        projectIds: [a, b].sort(),
        eventIds: [x.eventId, y.eventId].sort(),
        amountAtRiskCents: 121000,
        status: 'open',
      }),
    ]);
  });

  it('when the same number comes from a different supplier, there is no alert', async () => {
    const [s1, s2] = [newSupplier(), newSupplier()];
    const p = await givenBudget();
    await givenInvoice(p, { supplierRegNo: s1, number: 'INV-7', date: '2024-01-01' });
    await givenInvoice(p, { supplierRegNo: s2, number: 'INV-7', date: '2024-02-01' });
    expect(await alertsFor(s1)).toEqual([]);
    expect(await alertsFor(s2)).toEqual([]);
  });
});

describe('double-funding rule 2: allocations above the eligible amount', () => {
  it('when two claims split an invoice pro-rata to exactly its gross, there is no alert; one cent more alerts with one cent at risk', async () => {
    const supplier = newSupplier();
    const p = await givenBudget();
    const inv = await givenInvoice(p, { supplierRegNo: supplier });
    await givenClaim(p, [{ ...inv, cents: 60500 }]);
    await givenClaim(p, [{ ...inv, cents: 60500 }]);
    expect(await alertsFor(supplier)).toEqual([]);
    await givenClaim(p, [{ ...inv, cents: 1 }]);
    expect(await alertsFor(supplier)).toEqual([
      expect.objectContaining({ rule: 'over_allocation', projectIds: [p], amountAtRiskCents: 1 }),
    ]);
  });

  it('when the officer found part ineligible, allocations are measured against the eligible amount', async () => {
    const supplier = newSupplier();
    const p = await givenBudget();
    const inv = await givenInvoice(p, { supplierRegNo: supplier });
    const claimId = await givenClaim(p, [{ ...inv, cents: 100000 }]);
    await append(`budget-${p}`, [
      {
        type: 'InvoiceVerified.v1',
        data: {
          claimId,
          invoiceId: inv.invoiceId,
          eligibleCents: 90000,
          ineligibleCents: 10000,
          reasonCode: 'OUT_OF_SCOPE',
          verifiedAt: T,
          verifiedBy: 'janis',
        },
      },
    ]);
    expect(await alertsFor(supplier)).toEqual([]);
    await givenClaim(p, [{ ...inv, cents: 11000 }]);
    // eligible 121000 − 10000 = 111000; allocated 111000 → 0 at risk; then one more cent
    expect(await alertsFor(supplier)).toEqual([]);
    await givenClaim(p, [{ ...inv, cents: 1 }]);
    expect(await alertsFor(supplier)).toEqual([expect.objectContaining({ rule: 'over_allocation', amountAtRiskCents: 1 })]);
  });
});

describe('double-funding rule 3: near-duplicates', () => {
  it(`when one supplier bills the same gross ${NEAR_DAYS} days apart under different numbers, it alerts; ${NEAR_DAYS + 1} days apart it does not`, async () => {
    const supplier = newSupplier();
    const p = await givenBudget();
    await givenInvoice(p, { supplierRegNo: supplier, number: 'A-1', date: '2024-03-01' });
    await givenInvoice(p, { supplierRegNo: supplier, number: 'A-2', date: '2024-03-06' });
    await givenInvoice(p, { supplierRegNo: supplier, number: 'A-3', date: '2024-03-12' });
    expect(await alertsFor(supplier)).toEqual([
      expect.objectContaining({ rule: 'near_duplicate', key: `${supplier}|A1|A2`, amountAtRiskCents: 121000 }),
    ]);
  });

  it('when the gross differs by one cent, there is no alert', async () => {
    const supplier = newSupplier();
    const p = await givenBudget();
    await givenInvoice(p, { supplierRegNo: supplier, number: 'B-1' });
    await givenInvoice(p, {
      supplierRegNo: supplier,
      number: 'B-2',
      netCents: 100001,
      grossCents: 121001,
      allocations: [{ fund: 'RRF', cents: 121001 }],
    });
    expect(await alertsFor(supplier)).toEqual([]);
  });
});

describe('double-funding rule 4: VAT from the state budget also claimed as a cost', () => {
  it('when the state budget covers VAT and a claim includes the VAT, it alerts with the VAT at risk; claiming only the net does not', async () => {
    const supplier = newSupplier();
    const p = await givenBudget({ vatSource: 'state_budget' });
    const net = await givenInvoice(p, { supplierRegNo: supplier, number: 'V-1', date: '2024-01-01' });
    const gross = await givenInvoice(p, {
      supplierRegNo: supplier,
      number: 'V-2',
      date: '2024-02-01',
      netCents: 100001,
      grossCents: 121001,
      allocations: [{ fund: 'RRF', cents: 121001 }],
    });
    await givenClaim(p, [{ ...net, cents: 100000 }]);
    expect(await alertsFor(supplier)).toEqual([]);
    await givenClaim(p, [{ ...gross, cents: 121001 }]);
    expect(await alertsFor(supplier)).toEqual([expect.objectContaining({ rule: 'vat_twice', projectIds: [p], amountAtRiskCents: 21000 })]);
  });

  it('when VAT is paid from own funds, claiming it is no alert', async () => {
    const supplier = newSupplier();
    const p = await givenBudget({ vatSource: 'own' });
    const inv = await givenInvoice(p, { supplierRegNo: supplier });
    await givenClaim(p, [{ ...inv, cents: 121000 }]);
    expect(await alertsFor(supplier)).toEqual([]);
  });
});

describe('double-funding rule 5: overlapping scope in an RRF and an ERDF project', () => {
  it('when one beneficiary has the same output, supplier and year in an RRF and an ERDF project, it alerts with the smaller side at risk', async () => {
    const supplier = newSupplier();
    const rrf = await givenBudget({ output: 'Modernizēta e-adrešu sistēma' });
    const erdf = await givenBudget({ fund: 'ERDF', output: ' modernizēta E-adrešu sistēma ' });
    await givenInvoice(rrf, { supplierRegNo: supplier, number: 'S-1', date: '2024-01-10' });
    await givenInvoice(rrf, { supplierRegNo: supplier, number: 'S-2', date: '2024-06-10' });
    await givenInvoice(erdf, {
      supplierRegNo: supplier,
      number: 'S-9',
      date: '2024-09-10',
      netCents: 50000,
      vatCents: 10500,
      grossCents: 60500,
      allocations: [{ fund: 'RRF', cents: 60500 }],
    });
    expect(await alertsFor(supplier)).toEqual([
      expect.objectContaining({ rule: 'overlapping_scope', projectIds: [rrf, erdf].sort(), amountAtRiskCents: 60500 }),
    ]);
  });

  it('when the ERDF project belongs to another beneficiary, or the output differs, there is no alert', async () => {
    const supplier = newSupplier();
    const rrf = await givenBudget();
    const other = await givenBudget({ fund: 'ERDF', recipientOrg: '90000099999' });
    const elsewhere = await givenBudget({ fund: 'ERDF', output: 'Cita sistēma' });
    await givenInvoice(rrf, { supplierRegNo: supplier, number: 'T-1', date: '2024-01-10' });
    await givenInvoice(other, {
      supplierRegNo: supplier,
      number: 'T-2',
      date: '2024-09-10',
      grossCents: 60500,
      netCents: 50000,
      vatCents: 10500,
      allocations: [{ fund: 'RRF', cents: 60500 }],
    });
    await givenInvoice(elsewhere, {
      supplierRegNo: supplier,
      number: 'T-3',
      date: '2024-10-10',
      grossCents: 70500,
      netCents: 60000,
      vatCents: 10500,
      allocations: [{ fund: 'RRF', cents: 70500 }],
    });
    expect(await alertsFor(supplier)).toEqual([]);
  });
});

describe('double-funding rule 5 with assets named', () => {
  it('when both invoices name the same asset, different suppliers still overlap; the same supplier for different assets does not', async () => {
    const [s1, s2] = [newSupplier(), newSupplier()];
    const rrf = await givenBudget();
    const erdf = await givenBudget({ fund: 'ERDF' });
    await givenInvoice(rrf, { supplierRegNo: s1, number: 'K-1', date: '2024-02-01', assetRef: 'kadastrs 0100 012 0345' });
    await givenInvoice(erdf, {
      supplierRegNo: s2,
      number: 'K-2',
      date: '2024-05-01',
      assetRef: ' KADASTRS 0100 012 0345',
      grossCents: 60500,
      netCents: 50000,
      vatCents: 10500,
      allocations: [{ fund: 'RRF', cents: 60500 }],
    });
    await givenInvoice(erdf, {
      supplierRegNo: s1,
      number: 'K-3',
      date: '2024-06-01',
      assetRef: 'INV-77',
      grossCents: 70500,
      netCents: 60000,
      vatCents: 10500,
      allocations: [{ fund: 'RRF', cents: 70500 }],
    });
    await manager.catchUp();
    const alerts = await alertsForProject(db.pool, rrf, NEAR_DAYS);
    expect(alerts).toEqual([
      expect.objectContaining({ rule: 'overlapping_scope', projectIds: [rrf, erdf].sort(), amountAtRiskCents: 60500 }),
    ]);
    expect(alerts[0]!.eventIds).toHaveLength(2);
  });

  it('when only one side names an asset, the supplier decides as before', async () => {
    const supplier = newSupplier();
    const rrf = await givenBudget();
    const erdf = await givenBudget({ fund: 'ERDF' });
    await givenInvoice(rrf, { supplierRegNo: supplier, number: 'L-1', date: '2024-02-01', assetRef: 'INV-1' });
    await givenInvoice(erdf, {
      supplierRegNo: supplier,
      number: 'L-2',
      date: '2024-03-01',
      grossCents: 60500,
      netCents: 50000,
      vatCents: 10500,
      allocations: [{ fund: 'RRF', cents: 60500 }],
    });
    expect(await alertsFor(supplier)).toEqual([expect.objectContaining({ rule: 'overlapping_scope', amountAtRiskCents: 60500 })]);
  });
});

/** An officer's decision on an alert, appended to its own stream as the application would. */
async function decide(
  alert: { alertId: string; rule: DuplicateAlertEvent['data']['rule']; projectIds: string[]; amountAtRiskCents: number },
  type: DuplicateAlertEvent['type'],
  reason: string,
): Promise<void> {
  const data = {
    alertId: alert.alertId,
    rule: alert.rule,
    projectIds: alert.projectIds,
    amountAtRiskCents: alert.amountAtRiskCents,
    reason,
    decidedAt: T,
    decidedBy: 'janis',
  };
  await append(`dupalert-${alert.alertId}`, [
    type === 'DuplicateAlertConfirmed.v2' ? { type, data: { ...data, findings: [] } } : { type, data },
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The database's clock, which stamps events as recorded. */
const clock = async () => (await db.pool.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;

describe('double-funding alerts as of an instant', () => {
  it('when facts and decisions come after an instant, the project view as of then leaves them out', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await givenInvoice(a, { supplierRegNo: supplier, number: 'Q-1' });
    const t1 = await clock();
    await sleep(3); // recorded times count to the millisecond
    await givenInvoice(b, { supplierRegNo: supplier, number: 'Q-1' });
    const [alert] = await alertsForProject(db.pool, a, NEAR_DAYS);
    expect(alert).toMatchObject({ rule: 'same_invoice', status: 'open' });
    const t2 = await clock();
    await sleep(3);
    await append(`dupalert-${alert!.alertId}`, [
      {
        type: 'DuplicateAlertConfirmed.v2',
        data: {
          alertId: alert!.alertId,
          rule: alert!.rule,
          projectIds: alert!.projectIds,
          amountAtRiskCents: alert!.amountAtRiskCents,
          reason: 'checked',
          findings: [],
          decidedAt: T,
          decidedBy: 'janis',
        },
      },
    ]);
    for (const caughtUp of [false, true]) {
      if (caughtUp) await manager.catchUp();
      expect(await alertsForProject(db.pool, a, NEAR_DAYS, t1)).toEqual([]);
      expect(await alertsForProject(db.pool, a, NEAR_DAYS, t2)).toEqual([{ ...alert, status: 'open', reason: null }]);
      expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([
        { ...alert, status: 'confirmed', reason: 'checked', decidedBy: 'janis', decidedAt: T },
      ]);
    }
    expect(await listAlerts(db.pool, { supplier, asOf: t1 }, NEAR_DAYS)).toEqual([]);
    expect((await listAlerts(db.pool, { supplier, asOf: t2 }, NEAR_DAYS)).map((x) => x.status)).toEqual(['open']);
  });
});

describe('double-funding check at submission while the read model cannot advance', () => {
  it('when a long transaction holds the runner behind an earlier declaration, the second declaration still finds it in the tail', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await manager.catchUp();
    const holder = await db.pool.connect();
    try {
      // An open transaction with an id: no reader may pass it, so the runner's checkpoint stays below what follows.
      await holder.query('begin');
      await holder.query('select pg_current_xact_id()');
      const first = await givenInvoice(a, { supplierRegNo: supplier, number: 'H-1' });
      await manager.catchUp();
      expect((await db.pool.query('select count(*)::int as n from df_invoices where supplier = $1', [supplier])).rows[0].n).toBe(0);
      const second = await givenInvoice(b, { supplierRegNo: supplier, number: 'H-1' });
      expect(await alertsAtSubmission(db.pool, [supplier], [second.eventId], NEAR_DAYS)).toEqual([
        expect.objectContaining({ rule: 'same_invoice', eventIds: [first.eventId, second.eventId].sort() }),
      ]);
    } finally {
      await holder.query('rollback');
      holder.release();
    }
  });
});

describe('double-funding projection', () => {
  it('when an officer confirms or dismisses alerts, the report shows the decision and filters by it', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await givenInvoice(a, { supplierRegNo: supplier, number: 'D-1', date: '2024-01-01' });
    await givenInvoice(b, { supplierRegNo: supplier, number: 'D-1', date: '2024-01-01' });
    await givenInvoice(b, { supplierRegNo: supplier, number: 'D-2', date: '2024-01-03' });
    const [same, near] = await alertsFor(supplier);
    const decided = (type: DuplicateAlertEvent['type'], alert: typeof same) => {
      const data = {
        alertId: alert!.alertId,
        rule: alert!.rule,
        projectIds: alert!.projectIds,
        amountAtRiskCents: alert!.amountAtRiskCents,
        reason: 'checked',
        decidedAt: T,
        decidedBy: 'janis',
      };
      return append(`dupalert-${alert!.alertId}`, [
        type === 'DuplicateAlertConfirmed.v2' ? { type, data: { ...data, findings: [] } } : { type, data },
      ]);
    };
    await decided('DuplicateAlertConfirmed.v2', same);
    await decided('DuplicateAlertDismissed.v1', near);
    await manager.catchUp();
    expect((await listAlerts(db.pool, { supplier, status: 'confirmed' }, NEAR_DAYS)).map((x) => [x.rule, x.reason])).toEqual([
      ['same_invoice', 'checked'],
    ]);
    expect((await listAlerts(db.pool, { supplier, status: 'dismissed' }, NEAR_DAYS)).map((x) => x.rule)).toEqual(['near_duplicate']);
    expect(await listAlerts(db.pool, { supplier, status: 'open' }, NEAR_DAYS)).toEqual([]);
    expect((await listAlerts(db.pool, { supplier, rule: 'near_duplicate', projectId: b }, NEAR_DAYS)).map((x) => x.rule)).toEqual([
      'near_duplicate',
    ]);
    expect(await listAlerts(db.pool, { supplier, rule: 'near_duplicate', projectId: randomUUID() }, NEAR_DAYS)).toEqual([]);
  });

  it('when contracts are registered or claims paid the index ignores them, and when every event is replayed the index is unchanged', async () => {
    const supplier = newSupplier();
    const p = await givenBudget();
    await append(`budget-${p}`, [
      {
        type: 'SupplierContractRegistered.v1',
        data: {
          contractId: randomUUID(),
          supplierRegNo: supplier,
          procurementId: 'P',
          amountCents: 1,
          signedOn: '2024-01-01',
          endsOn: '2024-02-01',
          registeredAt: T,
          registeredBy: 'anna',
        },
      },
    ]);
    const inv = await givenInvoice(p, { supplierRegNo: supplier });
    const claimId = await givenClaim(p, [{ ...inv, cents: 121000 }]);
    await append(`budget-${p}`, [
      {
        type: 'InvoiceVerified.v1',
        data: { claimId, invoiceId: inv.invoiceId, eligibleCents: 121000, ineligibleCents: 0, verifiedAt: T, verifiedBy: 'janis' },
      },
    ]);
    await append(`budget-${p}`, [
      { type: 'ClaimPaid.v1', data: { claimId, amountCents: 121000, paidOn: '2024-07-01', paidAt: T, paidBy: 'liga' } },
    ]);
    await manager.catchUp();
    const snapshot = async () =>
      (
        await db.pool.query(
          `select (select json_agg(i order by invoice_id) from df_invoices i) as i, (select json_agg(c order by claim_id) from df_claim_items c) as c, (select json_agg(v order by claim_id) from df_verifications v) as v, (select count(*) from df_budgets) as b, (select count(*) from df_decisions) as d`,
        )
      ).rows[0];
    const before = await snapshot();
    expect((await db.pool.query('select eligible, ineligible from df_verifications where claim_id = $1', [claimId])).rows).toEqual([
      { eligible: '121000', ineligible: '0' },
    ]);
    const events = await store.readAll({ after: { transactionId: 0n, sequence: 0n }, limit: 100_000 });
    const [active] = await manager.status();
    const client = await db.pool.connect();
    try {
      await doubleFunding.apply(client, events, tableNames(doubleFunding, active!.generation));
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('when a confirmation (DuplicateAlertConfirmed.v2) is still only in the log after the read model, the project view shows the alert confirmed with its reason', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await givenInvoice(a, { supplierRegNo: supplier, number: 'V2-1' });
    await givenInvoice(b, { supplierRegNo: supplier, number: 'V2-1' });
    const [alert] = await alertsFor(supplier);
    await decide(alert!, 'DuplicateAlertConfirmed.v2', 'same invoice, checked');
    // Not caught up: the decision is read from the tail of the log.
    expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([
      { ...alert, status: 'confirmed', reason: 'same invoice, checked', decidedBy: 'janis', decidedAt: T },
    ]);
    await manager.catchUp();
    expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([
      { ...alert, status: 'confirmed', reason: 'same invoice, checked', decidedBy: 'janis', decidedAt: T },
    ]);
  });

  it('when a dismissal is still only in the log after the read model, the project view shows the alert dismissed with its reason', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await givenInvoice(a, { supplierRegNo: supplier, number: 'DS-1' });
    await givenInvoice(b, { supplierRegNo: supplier, number: 'DS-1' });
    const [alert] = await alertsFor(supplier);
    await decide(alert!, 'DuplicateAlertDismissed.v1', 'two deliveries');
    expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([
      { ...alert, status: 'dismissed', reason: 'two deliveries', decidedBy: 'janis', decidedAt: T },
    ]);
    await manager.catchUp();
    expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([
      { ...alert, status: 'dismissed', reason: 'two deliveries', decidedBy: 'janis', decidedAt: T },
    ]);
  });

  it('when a stored legacy DuplicateAlertConfirmed.v1 is read, it is DuplicateAlertConfirmed.v2 with no findings and the alert shows as confirmed', async () => {
    const supplier = newSupplier();
    const [a, b] = [await givenBudget(), await givenBudget()];
    await givenInvoice(a, { supplierRegNo: supplier, number: 'L-1' });
    await givenInvoice(b, { supplierRegNo: supplier, number: 'L-1' });
    const [alert] = await alertsFor(supplier);
    expect(alert).toMatchObject({ rule: 'same_invoice', status: 'open' });
    const streamId = `dupalert-${alert!.alertId}`;
    const legacy = {
      alertId: alert!.alertId,
      rule: alert!.rule,
      projectIds: alert!.projectIds,
      amountAtRiskCents: alert!.amountAtRiskCents,
      reason: 'confirmed before findings were recorded',
      decidedAt: T,
      decidedBy: 'janis',
    };
    // As a database from before v2 holds it.
    await insertLegacyStream(db.pool, streamId, [
      { type: 'DuplicateAlertConfirmed.v1', data: legacy, metadata: { actor: 'janis', role: 'officer' } },
    ]);

    const stored = await store.readStream(streamId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ version: 1, type: 'DuplicateAlertConfirmed.v2', data: { ...legacy, findings: [] } });
    expect(stored[0]!.data).toEqual({ ...legacy, findings: [] });

    await manager.catchUp();
    const confirmed = {
      ...alert,
      status: 'confirmed',
      reason: 'confirmed before findings were recorded',
      decidedBy: 'janis',
      decidedAt: T,
    };
    expect(await listAlerts(db.pool, { supplier }, NEAR_DAYS)).toEqual([confirmed]);
    expect(await listAlerts(db.pool, { supplier, status: 'confirmed' }, NEAR_DAYS)).toEqual([confirmed]);
    expect(await alertsForProject(db.pool, a, NEAR_DAYS)).toEqual([confirmed]);
    const { rows } = await db.pool.query('select decision, reason, decided_by from df_decisions where alert_id = $1', [alert!.alertId]);
    expect(rows).toEqual([{ decision: 'confirmed', reason: 'confirmed before findings were recorded', decided_by: 'janis' }]);
  });

  it('when the report is filtered by project, it answers from the project view exactly what the whole report says of that project', async () => {
    await manager.catchUp();
    const all = await listAlerts(db.pool, {}, NEAR_DAYS);
    const projects = [...new Set(all.flatMap((a) => a.projectIds))];
    expect(new Set(all.map((a) => a.rule)).size).toBeGreaterThanOrEqual(4);
    for (const projectId of projects) {
      expect(await listAlerts(db.pool, { projectId }, NEAR_DAYS), projectId).toEqual(all.filter((a) => a.projectIds.includes(projectId)));
    }
    // Projects whose alerts differ in rule, and in status: each filter keeps only its own.
    const of = (p: string) => all.filter((a) => a.projectIds.includes(p));
    const byRule = projects.find((p) => new Set(of(p).map((a) => a.rule)).size >= 2)!;
    const rule = of(byRule).at(-1)!.rule;
    expect(await listAlerts(db.pool, { projectId: byRule, rule }, NEAR_DAYS)).toEqual(of(byRule).filter((a) => a.rule === rule));
    const byStatus = projects.find((p) => new Set(of(p).map((a) => a.status)).size >= 2)!;
    const status = of(byStatus).find((a) => a.status !== 'open')!.status;
    expect(await listAlerts(db.pool, { projectId: byStatus, status }, NEAR_DAYS)).toEqual(of(byStatus).filter((a) => a.status === status));
  });
});

describe('the facts statement kept planned', () => {
  it('when a pool is planned, each of its connections holds the statement prepared before its first check, and the check runs on it', async () => {
    const pool = createPool(db.url, 2);
    try {
      await keepFactsPlanned(pool, 'read_model_and_tail', 2);
      const clients = await Promise.all([pool.connect(), pool.connect()]);
      const counts = await Promise.all(
        clients.map(
          async (c) =>
            (await c.query<{ n: number }>(`select count(*)::int as n from pg_prepared_statements where name like 'df_facts_%'`)).rows[0]!.n,
        ),
      );
      for (const c of clients) c.release();
      expect(counts).toEqual([1, 1]);
      expect(await alertsAtSubmission(pool, null, [randomUUID()], 5)).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
