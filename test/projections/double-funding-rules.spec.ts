import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doubleFundingProjection } from '../../projections/double-funding/projection.js';
import {
  alertCounts,
  alertQueue,
  alertsAsOf,
  alertsAtSubmission,
  countAlerts,
  queryAlerts,
  selectAlerts,
  sortValue,
  type AlertFilter,
  type AlertQuery,
  type DuplicateAlertView,
} from '../../projections/double-funding/queries.js';
import { normaliseInvoiceNumber } from '../../src/domain/budget/content.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import type { DuplicateAlertEvent } from '../../src/domain/dupalert/events.js';
import { alertsOf, factsAsOf, seenTimes, type Facts } from '../../src/domain/dupalert/rules.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eAdrese } from '../support/passport-builders.js';

/*
 * The alerts read model against the rules themselves: random invoices, claims, verifications and
 * budgets (dense enough that every rule fires) are appended while the projection catches up in
 * small batches at random moments; then the read model must hold exactly the alerts the pure
 * rules raise over every fact in the log (read here straight from the log, not through the read
 * model), with the same first and last seen times; a rebuild from zero in one large batch must
 * give the same rows, decisions included.
 */

const NEAR_DAYS = 5;
let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
const projection = doubleFundingProjection(NEAR_DAYS);
const managerOf = (batchSize: number) =>
  new ProjectionManager(db.pool, store, [projection], { batchSize, pollMs: 50, logger: pino({ level: 'silent' }) });

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}

async function append(streamId: string, events: (BudgetEvent | DuplicateAlertEvent)[]): Promise<void> {
  const { length } = await store.readStream(streamId);
  await store.append(
    streamId,
    events.map((e) => ({ ...e, metadata: buildMetadata() })),
    { expectedVersion: length },
  );
}

const T = '2024-04-01T09:00:00.000Z';
const RECIPIENTS = ['90000038578', '90000012345'];
const SUPPLIERS = ['40003011203', '40003000001', '50003000002'];
const NUMBERS = ['LVRTC-2024/0117', 'LVRTC-2024/0118', 'INV 7', 'inv-7', 'A-1', 'A-2'];
const GROSS = [121_000, 60_500, 242_000];
const DATES = ['2024-03-15', '2024-03-17', '2024-03-19', '2024-03-27', '2025-01-10'];
const OUTPUTS = ['Vienotās saziņas platforma', 'E-adreses risinājums'];

interface Scenario {
  projects: { id: string; opened: boolean }[];
  invoices: { projectId: string; invoiceId: string; supplier: string; number: string; net: number }[];
  claims: { projectId: string; claimId: string; items: { invoiceId: string; supplier: string; number: string; cents: number }[] }[];
}

/** One random step: open a budget, submit an invoice, a claim or a verification. */
async function step(r: ReturnType<typeof random>, s: Scenario): Promise<void> {
  const closed = s.projects.filter((p) => !p.opened);
  const open = s.projects.filter((p) => p.opened);
  const roll = r.next();
  if (open.length === 0 || (closed.length && roll < 0.12)) {
    const project = r.pick(closed);
    project.opened = true;
    const fund = r.next() < 0.5 ? 'RRF' : 'ERDF';
    await append(`budget-${project.id}`, [
      {
        type: 'BudgetOpened.v1',
        data: {
          projectId: project.id,
          passportVersion: 1,
          programme: { ...eAdrese.programme, fund, investment: r.pick(['2.1.2.1.i.', '1.1.1.1.']) },
          recipientOrg: r.pick(RECIPIENTS),
          costLines: [
            { code: '4.3', output: r.pick(OUTPUTS), indicativeCents: 100_000_000, maximumCents: null, vatable: true },
            { code: '5.1', output: OUTPUTS[1]!, indicativeCents: 100_000_000, maximumCents: null, vatable: true },
          ],
          totalCents: 200_000_000,
          vatCents: 0,
          vatSource: r.next() < 0.5 ? 'state_budget' : 'own',
          vatRecoverable: false,
          advanceCents: 0,
          shares: [{ fund, cents: 200_000_000 }],
          openedAt: T,
          openedBy: 'janis',
        },
      },
    ]);
    return;
  }
  const project = r.pick(open);
  const own = s.invoices.filter((i) => i.projectId === project.id);
  if (roll < 0.65 || own.length === 0) {
    const gross = r.pick(GROSS);
    const net = Math.round(gross / 1.21);
    const invoice = { projectId: project.id, invoiceId: randomUUID(), supplier: r.pick(SUPPLIERS), number: r.pick(NUMBERS), net };
    s.invoices.push(invoice);
    await append(`budget-${project.id}`, [
      {
        type: 'InvoiceSubmitted.v1',
        data: {
          invoiceId: invoice.invoiceId,
          supplierRegNo: invoice.supplier,
          number: invoice.number,
          normalisedNumber: normaliseInvoiceNumber(invoice.number),
          date: r.pick(DATES),
          netCents: net,
          vatCents: gross - net,
          grossCents: gross,
          costLine: r.pick(['4.3', '5.1']),
          allocations: [{ fund: 'RRF', cents: gross }],
          ...(r.next() < 0.3 ? { assetRef: r.pick(['INV-0042', 'inv-0043 ']) } : {}),
          submittedAt: T,
          submittedBy: 'anna',
        },
      },
    ]);
    return;
  }
  const claims = s.claims.filter((c) => c.projectId === project.id);
  if (roll < 0.85 || claims.length === 0) {
    const items = [...new Set([r.pick(own), r.pick(own)])].map((i) => ({
      invoiceId: i.invoiceId,
      supplier: i.supplier,
      number: i.number,
      cents: r.pick([i.net, Math.round(i.net * 1.1), 121_000, 200_000]),
    }));
    const claim = { projectId: project.id, claimId: randomUUID(), items };
    s.claims.push(claim);
    await append(`budget-${project.id}`, [
      {
        type: 'PaymentClaimSubmitted.v1',
        data: {
          claimId: claim.claimId,
          kind: 'interim',
          periodFrom: '2024-01-01',
          periodTo: '2024-06-30',
          requestedCents: items.reduce((n, i) => n + i.cents, 0),
          items: items.map((i) => ({
            invoiceId: i.invoiceId,
            cents: i.cents,
            supplierRegNo: i.supplier,
            normalisedNumber: normaliseInvoiceNumber(i.number),
          })),
          submittedAt: T,
          submittedBy: 'anna',
        },
      },
    ]);
    return;
  }
  const claim = r.pick(claims);
  const item = claim.items.shift();
  if (!item) return;
  const ineligible = r.pick([0, 10_000, 50_000]);
  await append(`budget-${project.id}`, [
    {
      type: 'InvoiceVerified.v1',
      data: {
        claimId: claim.claimId,
        invoiceId: item.invoiceId,
        eligibleCents: Math.max(0, item.cents - ineligible),
        ineligibleCents: ineligible,
        verifiedAt: T,
        verifiedBy: 'ilze',
      },
    },
  ]);
}

/** Every fact in the log, read from the events themselves (not through the read model). */
async function factsFromLog(): Promise<Facts> {
  const { rows } = await db.pool.query<{
    event_id: string;
    stream_id: string;
    type: string;
    payload: Record<string, never>;
    recorded_at: Date;
  }>(
    `select event_id, stream_id, type, payload, recorded_at from es_events where stream_type = 'budget' order by transaction_id, position`,
  );
  const facts = { invoices: [], items: [], budgets: [] } as { -readonly [K in keyof Facts]: Facts[K][number][] };
  const verified = new Map<string, { ineligible: number; at: string }>();
  for (const e of rows) {
    const projectId = e.stream_id.slice('budget-'.length);
    const recordedAt = e.recorded_at.toISOString();
    const d = e.payload as Record<string, unknown>;
    if (e.type === 'BudgetOpened.v1') {
      const programme = d.programme as { fund: string; programme: string; investment: string };
      facts.budgets.push({
        projectId,
        recipientOrg: d.recipientOrg as string,
        fund: programme.fund,
        programme: programme.programme,
        investment: programme.investment,
        vatSource: d.vatSource as string,
        costLines: (d.costLines as { code: string; output: string }[]).map((l) => ({ code: l.code, output: l.output })),
        recordedAt,
      });
    } else if (e.type === 'InvoiceSubmitted.v1') {
      const asset = typeof d.assetRef === 'string' && d.assetRef.trim() ? d.assetRef.trim().toUpperCase() : null;
      facts.invoices.push({
        invoiceId: d.invoiceId as string,
        projectId,
        eventId: e.event_id,
        supplier: d.supplierRegNo as string,
        normNumber: d.normalisedNumber as string,
        invoiceDate: d.date as string,
        net: d.netCents as number,
        vat: d.vatCents as number,
        gross: d.grossCents as number,
        costLine: d.costLine as string,
        assetRef: asset,
        recordedAt,
      });
    } else if (e.type === 'PaymentClaimSubmitted.v1') {
      for (const it of d.items as { invoiceId: string; cents: number; supplierRegNo: string; normalisedNumber: string }[]) {
        facts.items.push({
          claimId: d.claimId as string,
          invoiceId: it.invoiceId,
          projectId,
          eventId: e.event_id,
          supplier: it.supplierRegNo,
          normNumber: it.normalisedNumber,
          cents: it.cents,
          recordedAt,
          ineligible: 0,
          verifiedAt: null,
        });
      }
    } else if (e.type === 'InvoiceVerified.v1') {
      verified.set(`${d.claimId as string}|${d.invoiceId as string}`, { ineligible: d.ineligibleCents as number, at: recordedAt });
    }
  }
  facts.items = facts.items.map((i) => {
    const v = verified.get(`${i.claimId}|${i.invoiceId}`);
    return v ? { ...i, ineligible: v.ineligible, verifiedAt: v.at } : i;
  });
  return facts;
}

const essentials = (a: DuplicateAlertView | (ReturnType<typeof alertsOf>[number] & { firstSeenAt: string; lastSeenAt: string })) => ({
  alertId: a.alertId,
  rule: a.rule,
  key: a.key,
  eventIds: a.eventIds,
  projectIds: a.projectIds,
  amountAtRiskCents: a.amountAtRiskCents,
  firstSeenAt: a.firstSeenAt,
  lastSeenAt: a.lastSeenAt,
});
const everyAlert = () => queryAlerts(db.pool, { filter: {}, sort: 'rule', limit: null });

/** The counts the projection keeps equal the counts over the rows, for every alert and for each combination of fund, programme, investment and organisation. */
async function expectCountsKept(rows: DuplicateAlertView[]) {
  const filters: AlertFilter[] = [
    {},
    { status: 'open' },
    ...[...new Set(rows.flatMap((a) => a.funds))].map((fund) => ({ fund, rule: 'same_invoice' as const })),
    ...[...new Set(rows.flatMap((a) => a.programmes))].map((programme) => ({ programme })),
    ...[...new Set(rows.flatMap((a) => a.investments))].map((investment) => ({ investment, status: 'dismissed' as const })),
    ...[...new Set(rows.flatMap((a) => a.organisations))].map((organisation) => ({ organisation })),
    // Combinations of scope filters, as found on the alerts (and one that no alert has).
    ...rows.flatMap((a) => [
      { fund: a.funds[0], organisation: a.organisations.at(-1) },
      { fund: a.funds.at(-1), programme: a.programmes[0], investment: a.investments.at(-1), status: 'open' as const },
      { programme: a.programmes[0], investment: a.investments[0], organisation: a.organisations[0], fund: a.funds[0] },
    ]),
    { fund: 'RRF', investment: 'no such investment' },
  ];
  expect(filters.length).toBeGreaterThan(6);
  for (const filter of filters) expect(await alertCounts(db.pool, filter), JSON.stringify(filter)).toEqual(countAlerts(rows, filter));
  // The queue's pages: read whole and sorted (few matches) or along the order's index, both as the rules order them in memory.
  for (const filter of [...filters.slice(0, 12), { minAmountCents: 50_000 }, { supplier: rows[0]!.suppliers[0]! }]) {
    for (const sort of ['rule', 'amount', 'newest'] as const) {
      const first: AlertQuery = { filter, sort, limit: 3 };
      const expected = selectAlerts(rows, first);
      const after = expected.at(-1) && { value: sortValue(expected.at(-1)!, sort), alertId: expected.at(-1)!.alertId };
      for (const q of after ? [first, { ...first, after }] : [first]) {
        const shown = JSON.stringify({ filter, sort, after: q.after });
        const page = await alertQueue(db.pool, q);
        expect(page.alerts, shown).toEqual(selectAlerts(rows, q));
        expect(await queryAlerts(db.pool, q), shown).toEqual(page.alerts);
      }
    }
  }
}

describe('the double-funding alerts read model against the rules', () => {
  it('when random facts arrive in small batches, the read model holds exactly what the rules raise over all of them; a rebuild gives the same rows', async () => {
    const r = random(20241203);
    const scenario: Scenario = {
      projects: Array.from({ length: 8 }, () => ({ id: randomUUID(), opened: false })),
      invoices: [],
      claims: [],
    };
    const live = managerOf(3);
    await live.prepare();
    let midway = '';
    for (let i = 0; i < 160; i++) {
      await step(r, scenario);
      if (r.next() < 0.2) await live.catchUp();
      if (i === 80) midway = new Date().toISOString();
    }
    await live.catchUp();

    const facts = await factsFromLog();
    const expected = alertsOf(facts, NEAR_DAYS).map((a) => {
      const { first, last } = seenTimes(facts, a, NEAR_DAYS);
      return essentials({ ...a, firstSeenAt: first, lastSeenAt: last });
    });
    expect(new Set(expected.map((a) => a.rule))).toEqual(
      new Set(['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope']),
    );
    const rows = await everyAlert();
    expect(rows.map(essentials)).toEqual(expected);
    await expectCountsKept(rows);

    // Computed as of now and as of midway, supplier by supplier, the same rules give the same alerts.
    expect(await alertsAsOf(db.pool, NEAR_DAYS, new Date(), 'read_model')).toEqual(expect.arrayContaining(rows));
    expect((await alertsAsOf(db.pool, NEAR_DAYS, new Date(), 'read_model')).length).toBe(rows.length);
    const then = alertsOf(factsAsOf(facts, midway), NEAR_DAYS).map((a) => [a.alertId, a.amountAtRiskCents]);
    const computedThen = await alertsAsOf(db.pool, NEAR_DAYS, new Date(midway), 'read_model_and_tail');
    expect(computedThen.map((a) => [a.alertId, a.amountAtRiskCents]).sort()).toEqual(then.sort());

    // The check at submission (facts found through the indexes) agrees with the read model for every event.
    const sample = facts.invoices.slice(0, 20).map((i) => i.eventId);
    const atSubmission = await alertsAtSubmission(db.pool, null, sample, NEAR_DAYS);
    expect(atSubmission).toEqual(rows.filter((a) => a.eventIds.some((e) => sample.includes(e))));

    // An officer dismisses one alert; then the read model is rebuilt from zero in one batch.
    const dismissed = rows[0]!;
    await append(`dupalert-${dismissed.alertId}`, [
      {
        type: 'DuplicateAlertDismissed.v1',
        data: {
          alertId: dismissed.alertId,
          rule: dismissed.rule,
          projectIds: dismissed.projectIds,
          amountAtRiskCents: dismissed.amountAtRiskCents,
          reason: 'Divas atsevišķas piegādes',
          decidedAt: T,
          decidedBy: 'janis',
        },
      },
    ]);
    await live.catchUp();
    const before = await everyAlert();
    expect(before.find((a) => a.alertId === dismissed.alertId)).toMatchObject({ status: 'dismissed', decidedBy: 'janis', decidedAt: T });
    await expectCountsKept(before);

    const active = async () =>
      (
        await db.pool.query<{ generation: number }>(
          `select generation from projection_generations where projection = $1 and status = 'active'`,
          [projection.name],
        )
      ).rows;
    const [old] = await active();
    const rebuilt = managerOf(500);
    await rebuilt.prepare();
    await rebuilt.rebuild(projection.name);
    await rebuilt.catchUp();
    const [now] = await active();
    expect(now!.generation).toBeGreaterThan(old!.generation);
    expect(await everyAlert()).toEqual(before);
    await expectCountsKept(before);
  });
});
