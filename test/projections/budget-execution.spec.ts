import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetExecution as projection } from '../../projections/budget-execution/projection.js';
import { budgetExecution, type ExecutionMeasures } from '../../projections/budget-execution/queries.js';
import { initOrm } from '../../src/db/orm.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames, type TableNames } from '../../src/projection-engine/projection.js';
import { buildInvoice } from '../support/budget-builders.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eAdrese } from '../support/passport-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let orm: MikroORM;
let manager: ProjectionManager<AnyEvent>;
let t: TableNames;
let position = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, []);
  manager = new ProjectionManager(db.pool, store, [projection], { batchSize: 7, pollMs: 20, logger: pino({ level: 'silent' }) });
  await manager.prepare();
  await manager.catchUp();
  await useActiveGeneration();
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

async function useActiveGeneration(): Promise<void> {
  const active = (await manager.status()).find((s) => s.projection === 'budget_execution' && s.status === 'active');
  t = tableNames(projection, active!.generation);
}

const T = '2024-04-01T09:00:00.000Z';
const RRF_STATE = [
  { fund: 'RRF' as const, cents: 8_000 },
  { fund: 'STATE' as const, cents: 2_000 },
];

/** Budget events as the store would hand them over, recorded at the instants the test chooses. */
function stored(projectId: string, recordedAt: string, ...events: BudgetEvent[]): StoredEvent<AnyEvent>[] {
  return events.map((e) => ({
    ...e,
    id: randomUUID(),
    streamId: `budget-${projectId}`,
    streamType: 'budget',
    version: 1,
    metadata: buildMetadata(),
    recordedAt: new Date(recordedAt),
    position: { transactionId: BigInt(++position), sequence: BigInt(position) },
  }));
}
async function apply(events: readonly StoredEvent<AnyEvent>[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    await projection.apply(client, events, t);
    await client.query('commit');
  } finally {
    client.release();
  }
}

const opened = (projectId: string, shares = RRF_STATE): BudgetEvent => ({
  type: 'BudgetOpened.v1',
  data: {
    projectId,
    passportVersion: 1,
    programme: eAdrese.programme,
    recipientOrg: eAdrese.recipient.registrationNumber,
    costLines: [{ code: '4.3', output: 'x', indicativeCents: 10_000, maximumCents: 10_000, vatable: true }],
    totalCents: 10_000,
    vatCents: 0,
    vatSource: 'not_requested',
    vatRecoverable: false,
    advanceCents: 0,
    shares,
    openedAt: T,
    openedBy: 'janis',
  },
});
const contract = (amountCents: number): BudgetEvent => ({
  type: 'SupplierContractRegistered.v1',
  data: {
    contractId: randomUUID(),
    supplierRegNo: '40003000001',
    procurementId: 'P-1',
    amountCents,
    signedOn: '2024-01-01',
    endsOn: '2024-12-31',
    registeredAt: T,
    registeredBy: 'anna',
  },
});
const invoice = (invoiceId: string, allocations: { fund: 'RRF' | 'STATE'; cents: number }[]): BudgetEvent => {
  const gross = allocations.reduce((n, a) => n + a.cents, 0);
  return {
    type: 'InvoiceSubmitted.v1',
    data: {
      ...buildInvoice({ netCents: gross, vatCents: 0, grossCents: gross, allocations }),
      invoiceId,
      normalisedNumber: 'X1',
      submittedAt: T,
      submittedBy: 'anna',
    },
  };
};
const claim = (claimId: string, items: { invoiceId: string; cents: number }[]): BudgetEvent => ({
  type: 'PaymentClaimSubmitted.v1',
  data: {
    claimId,
    kind: 'interim',
    periodFrom: '2024-01-01',
    periodTo: '2024-06-30',
    requestedCents: items.reduce((n, i) => n + i.cents, 0),
    items: items.map((i) => ({ ...i, supplierRegNo: '40003000001', normalisedNumber: 'X1' })),
    submittedAt: T,
    submittedBy: 'anna',
  },
});
const verified = (claimId: string, invoiceId: string, eligibleCents: number, ineligibleCents = 0): BudgetEvent => ({
  type: 'InvoiceVerified.v1',
  data: {
    claimId,
    invoiceId,
    eligibleCents,
    ineligibleCents,
    ...(ineligibleCents ? { reasonCode: 'OUT_OF_SCOPE' } : {}),
    verifiedAt: T,
    verifiedBy: 'janis',
  },
});
const paid = (claimId: string, amountCents: number): BudgetEvent => ({
  type: 'ClaimPaid.v1',
  data: { claimId, amountCents, paidOn: '2024-07-01', paidAt: T, paidBy: 'liga' },
});
const corrected = (amountCents: number, funds: { fund: 'RRF' | 'STATE'; cents: number }[]): BudgetEvent => ({
  type: 'FinancialCorrectionBooked.v1',
  data: {
    correctionId: randomUUID(),
    costLine: '4.3',
    amountCents,
    funds,
    reason: 'x',
    source: { kind: 'officer' },
    claimId: null,
    invoiceId: null,
    appliedAt: T,
    appliedBy: 'janis',
  },
});

const figures = async (projectId: string, asOf?: string) => {
  const r = await budgetExecution(orm, { projectId, ...(asOf ? { asOf: new Date(asOf) } : {}) }, null);
  return {
    total: r.total,
    bySource: Object.fromEntries(r.projects[0]?.bySource.map(({ source, ...m }) => [source, m]) ?? []) as Record<string, ExecutionMeasures>,
  };
};

describe('budget execution projection', () => {
  it('when a budget is opened, planned is its fund shares and remaining is all of it', async () => {
    const p = randomUUID();
    await apply(stored(p, '2024-04-01T09:00:00Z', opened(p)));
    const f = await figures(p);
    expect(f.total).toMatchObject({ plannedCents: 10_000, remainingCents: 10_000, paidCents: 0 });
    expect(f.bySource).toMatchObject({ RRF: { plannedCents: 8_000 }, STATE: { plannedCents: 2_000 } });
  });

  it('when a contract is registered, it is split pro-rata to the shares with the odd cent to the largest remainder', async () => {
    const p = randomUUID();
    await apply(stored(p, '2024-04-01T09:00:00Z', opened(p), contract(1_001)));
    // 1001 × 0.8 = 800.8, × 0.2 = 200.2: RRF gets the left-over cent.
    expect((await figures(p)).bySource).toMatchObject({ RRF: { contractedCents: 801 }, STATE: { contractedCents: 200 } });
  });

  it('when a claim and its verification arrive, they are split by the invoice allocations, not the shares', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    await apply(
      stored(
        p,
        '2024-04-01T09:00:00Z',
        opened(p),
        invoice(inv, [
          { fund: 'RRF', cents: 500 },
          { fund: 'STATE', cents: 500 },
        ]),
        claim(c, [{ invoiceId: inv, cents: 1_000 }]),
        verified(c, inv, 700, 300),
      ),
    );
    const f = await figures(p);
    expect(f.bySource).toMatchObject({
      RRF: { claimedCents: 500, verifiedEligibleCents: 350 },
      STATE: { claimedCents: 500, verifiedEligibleCents: 350 },
    });
    expect(f.total).toMatchObject({ claimedCents: 1_000, verifiedEligibleCents: 700, remainingCents: 10_000 - 700 });
  });

  it('when a payment arrives in a later batch than its verification, it is split by the verified eligible split read back from the ledger', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    await apply(
      stored(
        p,
        '2024-04-01T09:00:00Z',
        opened(p),
        invoice(inv, [
          { fund: 'RRF', cents: 300 },
          { fund: 'STATE', cents: 100 },
        ]),
        claim(c, [{ invoiceId: inv, cents: 400 }]),
        verified(c, inv, 400),
      ),
    );
    await apply(stored(p, '2024-05-01T09:00:00Z', paid(c, 200)));
    expect((await figures(p)).bySource).toMatchObject({ RRF: { paidCents: 150 }, STATE: { paidCents: 50 } });
  });

  it('when a correction is booked, corrected takes its own split and remaining grows back by it', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    await apply(
      stored(
        p,
        '2024-04-01T09:00:00Z',
        opened(p),
        invoice(inv, [{ fund: 'RRF', cents: 1_000 }]),
        claim(c, [{ invoiceId: inv, cents: 1_000 }]),
        verified(c, inv, 1_000),
        corrected(300, [
          { fund: 'RRF', cents: 250 },
          { fund: 'STATE', cents: 50 },
        ]),
      ),
    );
    const f = await figures(p);
    expect(f.bySource).toMatchObject({
      RRF: { correctedCents: 250, remainingCents: 8_000 - (1_000 - 250) },
      STATE: { correctedCents: 50, remainingCents: 2_000 + 50 },
    });
    expect(f.total).toMatchObject({ correctedCents: 300, remainingCents: 10_000 - 700 });
  });

  it('when the same batch is applied again, nothing changes, now or as of any instant', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    const first = stored(
      p,
      '2024-04-01T09:00:00Z',
      opened(p),
      contract(999),
      invoice(inv, [
        { fund: 'RRF', cents: 600 },
        { fund: 'STATE', cents: 400 },
      ]),
      claim(c, [{ invoiceId: inv, cents: 1_000 }]),
      verified(c, inv, 900, 100),
    );
    const second = stored(p, '2024-05-01T09:00:00Z', paid(c, 900), corrected(90, [{ fund: 'RRF', cents: 90 }]));
    await apply(first);
    await apply(second);
    const once = await figures(p);
    await apply([...first, ...second]);
    await apply(second);
    expect(await figures(p)).toEqual(once);
    expect(await figures(p, '2024-12-31T00:00:00Z')).toEqual(once);
  });

  it('when asked as of an instant, only movements recorded by then count', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    await apply(
      stored(
        p,
        '2024-04-01T09:00:00Z',
        opened(p),
        invoice(inv, [{ fund: 'RRF', cents: 1_000 }]),
        claim(c, [{ invoiceId: inv, cents: 1_000 }]),
      ),
    );
    await apply(stored(p, '2024-05-01T09:00:00Z', verified(c, inv, 1_000)));
    await apply(stored(p, '2024-06-01T09:00:00Z', paid(c, 1_000)));
    expect((await figures(p, '2024-04-15T00:00:00Z')).total).toMatchObject({ claimedCents: 1_000, verifiedEligibleCents: 0, paidCents: 0 });
    expect((await figures(p, '2024-05-15T00:00:00Z')).total).toMatchObject({ verifiedEligibleCents: 1_000, paidCents: 0 });
    expect((await figures(p, '2024-06-01T09:00:00Z')).total).toMatchObject({ paidCents: 1_000 });
    expect((await budgetExecution(orm, { projectId: p, asOf: new Date('2024-03-31T00:00:00Z') }, null)).projects).toEqual([]);
  });
});

describe('budget execution rebuild', () => {
  it('when rebuilt from zero, a new generation gives exactly the same figures as the one it replaces', async () => {
    const p = randomUUID();
    const [inv, c] = [randomUUID(), randomUUID()];
    const events = [
      opened(p),
      contract(12_345),
      invoice(inv, [
        { fund: 'RRF', cents: 7_001 },
        { fund: 'STATE', cents: 2_999 },
      ]),
      claim(c, [{ invoiceId: inv, cents: 10_000 }]),
      verified(c, inv, 9_001, 999),
      paid(c, 9_000),
      corrected(1_001, [{ fund: 'RRF', cents: 1_001 }]),
    ];
    // Appended one by one so batches of 7 cut across the project's history.
    for (const [n, e] of events.entries()) await store.append(`budget-${p}`, [{ ...e, metadata: buildMetadata() }], { expectedVersion: n });
    await manager.catchUp();
    const before = await budgetExecution(orm, { projectId: p }, null);
    expect(before.total).toMatchObject({
      plannedCents: 10_000,
      contractedCents: 12_345,
      claimedCents: 10_000,
      verifiedEligibleCents: 9_001,
      paidCents: 9_000,
      correctedCents: 1_001,
    });
    const everything = await budgetExecution(orm, {}, null);

    await manager.rebuild('budget_execution');
    await manager.catchUp();
    await useActiveGeneration();
    const after = await budgetExecution(orm, { projectId: p }, null);
    expect({ ...after, asOf: '' }).toEqual({ ...before, asOf: '' });
    // Events applied directly by the tests above are not in the log, so only logged projects come back.
    expect((await budgetExecution(orm, {}, null)).projects.map((x) => x.projectId)).toEqual([p]);
    expect(everything.projects.some((x) => x.projectId === p)).toBe(true);
  });
});
