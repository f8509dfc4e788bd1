import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProjectExecution, SourceExecution } from '../../projections/budget-execution/queries.js';
import type { TestApp } from '../support/app.js';
import { buildClaim, buildInvoice } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, VRAA, givenPaidClaim, givenProject, seededSuite } from '../support/seeded.js';

const LIAA = '90000000001';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    olga: ['olga', ['beneficiary'], LIAA],
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    dace: ['dace', ['council'], CFLA],
  },
  (a) => (app = a),
);
const catchUp = () => app.service.context.projections.catchUp();

/** Project A: RRF (ANM 2.1.2.1.i) by VRAA; project B: ERDF (ESIF 1.3.1.1) by another organisation. */
let a: string;
let b: string;
/** An instant after A's claim was verified and before it was paid. */
let beforePayment: string;

const givenBudget = (
  who: string,
  recipient: typeof eAdrese.recipient,
  programme: typeof eAdrese.programme,
  shares: { fund: string; cents: number }[],
) => givenProject(as, { who, recipient, programme, shares });

beforeAll(async () => {
  a = await givenBudget('anna', eAdrese.recipient, eAdrese.programme, [
    { fund: 'RRF', cents: 462_000_000 },
    { fund: 'STATE', cents: 77_616_000 },
  ]);
  await givenPaidClaim(as, a, async () => {
    await sleep(20);
    beforePayment = new Date().toISOString();
    await sleep(20);
  });
  await as('janis')
    .post(`/projects/${a}/budget/corrections`)
    .send({ costLine: '4.3', amountCents: 25_000, reason: 'Neattiecināmas izmaksas' })
    .expect(201);

  const erdf = { fund: 'ERDF', programme: 'ESIF', period: '2021-2027', investment: '1.3.1.1' };
  b = await givenBudget('olga', { ...eAdrese.recipient, registrationNumber: LIAA, name: 'Investīciju un attīstības aģentūra' }, erdf, [
    { fund: 'ERDF', cents: 462_000_000 },
    { fund: 'STATE', cents: 77_616_000 },
  ]);
  const invB = await as('olga')
    .post(`/projects/${b}/budget/invoices`)
    .send(buildInvoice({ netCents: 50_000, vatCents: 0, grossCents: 50_000, allocations: [{ fund: 'ERDF', cents: 50_000 }] }))
    .expect(201);
  const claimB = await as('olga')
    .post(`/projects/${b}/budget/claims`)
    .send(buildClaim([{ invoiceId: invB.body.id, cents: 50_000 }]))
    .expect(201);
  await as('janis')
    .post(`/projects/${b}/budget/claims/${claimB.body.id}/verifications`)
    .send({ invoiceId: invB.body.id, eligibleCents: 50_000, ineligibleCents: 0 })
    .expect(200);
  await catchUp();
});

const measures = (planned: number, contracted: number, claimed: number, verified: number, paid: number, corrected: number) => ({
  plannedCents: planned,
  contractedCents: contracted,
  claimedCents: claimed,
  verifiedEligibleCents: verified,
  paidCents: paid,
  correctedCents: corrected,
  remainingCents: planned - (verified - corrected),
});
const source = (s: string, ...m: Parameters<typeof measures>) => ({ source: s, ...measures(...m) });

/** A's figures: contract and correction pro-rata to the shares, claim and verification to the invoice allocation, payment to the verified split. */
const A_RRF = source('RRF', 462_000_000, 4_280_822, 100_000, 82_645, 82_645, 21_404);
const A_STATE = source('STATE', 77_616_000, 719_178, 21_000, 17_355, 17_355, 3_596);
const B_ERDF = source('ERDF', 462_000_000, 0, 50_000, 50_000, 0, 0);
const B_STATE = source('STATE', 77_616_000, 0, 0, 0, 0, 0);

describe('budget execution over HTTP', () => {
  it('when a project has been through contract, invoice, claim, verification with an ineligible part, payment and correction, every measure is exact to the cent', async () => {
    const res = await as('dace').get(`/budget-execution?projectId=${a}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.projects).toEqual([
      {
        projectId: a,
        ...eAdrese.programme,
        recipientOrg: VRAA,
        openedAt: expect.any(String),
        ...measures(539_616_000, 5_000_000, 121_000, 100_000, 100_000, 25_000),
        bySource: [A_RRF, A_STATE],
      },
    ]);
    expect(res.body.total).toEqual(measures(539_616_000, 5_000_000, 121_000, 100_000, 100_000, 25_000));
    expect(res.body.total.remainingCents).toBe(539_541_000);
  });

  it('when two projects in two funds are selected, investments and funding sources add up over them', async () => {
    const res = await as('janis').get('/budget-execution');
    expect(res.status).toBe(200);
    expect(res.body.projects.map((p: ProjectExecution) => p.projectId)).toEqual([b, a]); // ERDF sorts before RRF
    expect(res.body.investments).toEqual([
      {
        fund: 'ERDF',
        programme: 'ESIF',
        period: '2021-2027',
        investment: '1.3.1.1',
        projects: 1,
        ...measures(539_616_000, 0, 50_000, 50_000, 0, 0),
        bySource: [B_ERDF, B_STATE],
      },
      {
        ...eAdrese.programme,
        projects: 1,
        ...measures(539_616_000, 5_000_000, 121_000, 100_000, 100_000, 25_000),
        bySource: [A_RRF, A_STATE],
      },
    ]);
    expect(res.body.bySource).toEqual([A_RRF, B_ERDF, source('STATE', 155_232_000, 719_178, 21_000, 17_355, 17_355, 3_596)]);
    expect(res.body.total).toEqual(measures(1_079_232_000, 5_000_000, 171_000, 150_000, 100_000, 25_000));
    const erdfOnly = await as('janis').get('/budget-execution?fund=ERDF&programme=ESIF&period=2021-2027&investment=1.3.1.1');
    expect(erdfOnly.body.projects.map((p: ProjectExecution) => p.projectId)).toEqual([b]);
  });

  it('when asked as of an instant before the payment, paid is 0 and nothing recorded later counts', async () => {
    const res = await as('dace').get(`/budget-execution?projectId=${a}&asOf=${encodeURIComponent(beforePayment)}`);
    expect(res.status).toBe(200);
    expect(res.body.asOf).toBe(beforePayment);
    expect(res.body.total).toEqual(measures(539_616_000, 5_000_000, 121_000, 100_000, 0, 0));
    expect(res.body.projects[0].bySource.map((s: SourceExecution) => s.paidCents)).toEqual([0, 0]);
    const beforeAnything = await as('dace').get('/budget-execution?asOf=2020-01-01');
    expect(beforeAnything.body).toMatchObject({ projects: [], investments: [], bySource: [], total: measures(0, 0, 0, 0, 0, 0) });
  });

  it('when a beneficiary asks, it sees only its own organisation’s projects, and another’s project is 404', async () => {
    const anna = await as('anna').get('/budget-execution');
    expect(anna.body.projects.map((p: ProjectExecution) => p.projectId)).toEqual([a]);
    const olga = await as('olga').get('/budget-execution');
    expect(olga.body.projects.map((p: ProjectExecution) => p.projectId)).toEqual([b]);
    expect(olga.body.total).toEqual(measures(539_616_000, 0, 50_000, 50_000, 0, 0));
    expect((await as('stranger').get('/budget-execution')).body.projects).toEqual([]);
    expect((await as('anna').get(`/budget-execution?projectId=${b}`)).status).toBe(404);
  });

  it('when asOf is in the future or unparseable, it answers 422 naming asOf', async () => {
    for (const asOf of ['2999-01-01', 'vakar', '2024-02-30']) {
      const res = await as('dace').get(`/budget-execution?asOf=${asOf}`);
      expect(res.status, asOf).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain('asOf');
    }
  });
});
