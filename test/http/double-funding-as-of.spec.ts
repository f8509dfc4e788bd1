import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, givenProject, seededSuite } from '../support/seeded.js';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    vera: ['vera', ['auditor'], '90000000001'],
  },
  (a) => (app = a),
);
const supplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
const pause = () => new Promise((r) => setTimeout(r, 30));

/** The seed passport approved and its budget opened by an officer. */
const givenBudget = () => givenProject(as, { shares: SEED_SHARES });

/** One invoice declared in two projects, with the instant between the two declarations. */
async function givenInvoiceDeclaredTwice() {
  const [a, b] = [await givenBudget(), await givenBudget()];
  const invoice = buildInvoice({ supplierRegNo: supplier() });
  await as('anna').post(`/projects/${a}/budget/invoices`).send(invoice).expect(201);
  await pause();
  const beforeSecond = new Date().toISOString();
  await pause();
  const second = await as('anna').post(`/projects/${b}/budget/invoices`).send(invoice).expect(201);
  return { a, b, invoice, beforeSecond, alertId: second.body.alerts[0].alertId as string };
}

describe('double-funding alerts of a project as of an instant', () => {
  it('when an invoice is declared in a second project, the alert shows now for both projects but not as of an instant before the second declaration', async () => {
    const { a, b, beforeSecond, alertId } = await givenInvoiceDeclaredTwice();
    const now = await as('vera').get(`/projects/${a}/double-funding`);
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    expect(now.body.items).toEqual([expect.objectContaining({ alertId, rule: 'same_invoice', projectIds: [a, b].sort(), status: 'open' })]);
    expect((await as('janis').get(`/projects/${b}/double-funding`)).body.items.map((x: { alertId: string }) => x.alertId)).toEqual([
      alertId,
    ]);

    const then = await as('vera').get(`/projects/${a}/double-funding?asOf=${encodeURIComponent(beforeSecond)}`);
    expect(then.status).toBe(200);
    expect(then.body).toEqual({ projectId: a, asOf: beforeSecond, items: [], nextCursor: null });
    expect((await as('vera').get(`/projects/${b}/double-funding?asOf=${encodeURIComponent(beforeSecond)}`)).body.items).toEqual([]);
  });

  it('when an officer dismisses the alert after an instant, it shows dismissed now and open as of that instant, in the project view and the report', async () => {
    const { a, invoice, alertId } = await givenInvoiceDeclaredTwice();
    await app.service.context.projections.catchUp();
    await pause();
    const beforeDismissal = new Date().toISOString();
    await pause();
    await as('janis').post(`/double-funding/alerts/${alertId}/dismiss`).send({ reason: 'Divas atsevišķas piegādes' }).expect(200);

    const now = await as('vera').get(`/projects/${a}/double-funding`);
    expect(now.body.items).toEqual([expect.objectContaining({ alertId, status: 'dismissed', reason: 'Divas atsevišķas piegādes' })]);
    const then = await as('vera').get(`/projects/${a}/double-funding?asOf=${encodeURIComponent(beforeDismissal)}`);
    expect(then.body.items).toEqual([expect.objectContaining({ alertId, status: 'open', reason: null })]);

    await app.service.context.projections.catchUp();
    const report = (q: string) => as('janis').get(`/double-funding/alerts?supplier=${invoice.supplierRegNo}${q}`);
    expect((await report('')).body.items.map((x: { status: string }) => x.status)).toEqual(['dismissed']);
    expect((await report(`&asOf=${encodeURIComponent(beforeDismissal)}`)).body.items.map((x: { status: string }) => x.status)).toEqual([
      'open',
    ]);
  });

  it('when the officer has verified part of an invoice as ineligible after an instant, allocations as of that instant are measured against the full gross', async () => {
    const id = await givenBudget();
    const inv = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: supplier(), vatCents: 0, netCents: 121000 }));
    const claim = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send({
        kind: 'interim',
        periodFrom: '2024-01-01',
        periodTo: '2024-06-30',
        items: [{ invoiceId: inv.body.id, cents: 121000 }],
        requestedCents: 121000,
      });
    expect(claim.status, JSON.stringify(claim.body)).toBe(201);
    await pause();
    const beforeVerification = new Date().toISOString();
    await pause();
    await as('janis')
      .post(`/projects/${id}/budget/claims/${claim.body.id}/verifications`)
      .send({ invoiceId: inv.body.id, eligibleCents: 100000, ineligibleCents: 21000, reasonCode: 'OUT_OF_SCOPE' })
      .expect(200);
    const second = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send({
        kind: 'interim',
        periodFrom: '2024-07-01',
        periodTo: '2024-12-31',
        items: [{ invoiceId: inv.body.id, cents: 1000 }],
        requestedCents: 1000,
      });
    expect(second.status, JSON.stringify(second.body)).toBe(201);

    // Now: 122,000 allocated against 121,000 − 21,000 eligible. Then: only the first claim, within the gross.
    expect((await as('vera').get(`/projects/${id}/double-funding`)).body.items).toEqual([
      expect.objectContaining({ rule: 'over_allocation', amountAtRiskCents: 22000 }),
    ]);
    expect((await as('vera').get(`/projects/${id}/double-funding?asOf=${encodeURIComponent(beforeVerification)}`)).body.items).toEqual([]);
  });

  it('when asOf is in the future or not a date, it answers 422 naming asOf', async () => {
    const id = await givenBudget();
    for (const asOf of ['2999-01-01', 'yesterday', '2024-02-30']) {
      const res = await as('vera').get(`/projects/${id}/double-funding?asOf=${asOf}`);
      expect(res.status, asOf).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain('asOf');
    }
    expect((await as('janis').get('/double-funding/alerts?asOf=2999-01-01')).status).toBe(422);
  });

  it("when a beneficiary asks about its own project it answers; another organisation's project or one that does not exist is 404", async () => {
    const { a } = await givenInvoiceDeclaredTwice();
    expect((await as('anna').get(`/projects/${a}/double-funding`)).status).toBe(200);
    const foreign = await as('stranger').get(`/projects/${a}/double-funding`);
    expect(foreign.status).toBe(404);
    expect((await as('vera').get('/projects/00000000-0000-4000-8000-000000000000/double-funding')).status).toBe(404);
  });
});
