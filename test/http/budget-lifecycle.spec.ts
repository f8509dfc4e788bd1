import { describe, expect, it } from 'vitest';
import { alertFindingId } from '../../src/application/double-funding.js';
import { eventCount, type TestApp } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { buildFinancing, eAdrese } from '../support/passport-builders.js';
import { PEOPLE, givenProject, seededSuite } from '../support/seeded.js';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    stranger: ['mallory', ['beneficiary'], '40003000000'],
  },
  (a) => (app = a),
);

const givenBudget = () => givenProject(as, { shares: SEED_SHARES });
const supplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;

describe('budget over HTTP', () => {
  it('when an officer opens the budget of an approved passport, the budget shows the passport cost lines and the shares', async () => {
    const id = await givenBudget();
    const res = await as('anna').get(`/projects/${id}/budget`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ projectId: id, passportVersion: 1, vatSource: 'state_budget', shares: SEED_SHARES });
    expect(res.body.costLines.map((l: { code: string; maximumCents: number }) => [l.code, l.maximumCents])).toEqual([
      ['4.3', 419600000],
      ['4.4', 100000000],
      ['4.5', 92400000],
    ]);
  });

  it('when the passport is still a draft, opening the budget answers 409 naming the state and appends nothing', async () => {
    const id = await givenProject(as, { until: 'draft' });
    const before = await eventCount(app);
    const res = await as('janis').post(`/projects/${id}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ currentState: 'draft' });
    expect(res.body.detail).toContain('this one is draft');
    expect(await eventCount(app)).toBe(before);
  });

  it('when a beneficiary submits an invoice, registers a contract, claims it, an officer verifies it and an approver pays it, the budget shows claimed, eligible and paid amounts', async () => {
    const id = await givenBudget();
    await as('anna')
      .post(`/projects/${id}/budget/contracts`)
      .send({
        supplierRegNo: supplier(),
        procurementId: 'VRAA 2023/12',
        amountCents: 5000000,
        signedOn: '2023-09-01',
        endsOn: '2025-12-31',
      })
      .expect(201);
    const inv = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: supplier() }));
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    expect(inv.body.alerts).toEqual([]);
    const claim = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([{ invoiceId: inv.body.id, cents: 100000 }]));
    expect(claim.status, JSON.stringify(claim.body)).toBe(201);
    const verified = await as('janis')
      .post(`/projects/${id}/budget/claims/${claim.body.id}/verifications`)
      .send({ invoiceId: inv.body.id, eligibleCents: 90000, ineligibleCents: 10000, reasonCode: 'OUT_OF_SCOPE' });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.costLines[0]).toMatchObject({ code: '4.3', claimedCents: 100000 });
    expect(verified.body.claims[0].items).toEqual([
      { invoiceId: inv.body.id, cents: 100000, eligibleCents: 90000, ineligibleCents: 10000 },
    ]);
    expect(verified.body.contracts).toBe(1);
    const paid = await as('liga')
      .post(`/projects/${id}/budget/claims/${claim.body.id}/payment`)
      .send({ amountCents: 90000, paidOn: '2024-07-15' });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.claims[0]).toMatchObject({ paidCents: 90000 });
  });

  it('when an invoice has gross ≠ net + VAT, an unknown cost line and a negative VAT, it answers 422 naming each field and appends nothing', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const wrongSum = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send(buildInvoice({ grossCents: 121001, costLine: '4.9', allocations: [{ fund: 'RRF', cents: 121001 }] }));
    expect(wrongSum.status).toBe(422);
    expect(wrongSum.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/grossCents', '/costLine']);
    const negative = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send({ ...buildInvoice(), vatCents: -1 });
    expect(negative.status).toBe(422);
    expect(JSON.stringify(negative.body.errors)).toContain('vatCents');
    const text = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send({ ...buildInvoice(), netCents: '1000' });
    expect(text.status).toBe(422);
    expect(await eventCount(app)).toBe(before);
  });

  it("when a claim includes an invoice of another project (as another organisation's would be), it answers 422 naming the item and appends nothing", async () => {
    const mine = await givenBudget();
    const theirs = await givenBudget();
    const foreign = await as('anna').post(`/projects/${theirs}/budget/invoices`).send(buildInvoice());
    const before = await eventCount(app);
    const res = await as('anna')
      .post(`/projects/${mine}/budget/claims`)
      .send(buildClaim([{ invoiceId: foreign.body.id, cents: 1000 }]));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ pointer: '/items/0/invoiceId' });
    expect(await eventCount(app)).toBe(before);
  });

  it('when a claim would exceed a cost line maximum, it answers 409 with the figures and appends nothing', async () => {
    const id = await givenBudget();
    const big = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send(
        buildInvoice({
          costLine: '4.5',
          netCents: 92400001,
          vatCents: 0,
          grossCents: 92400001,
          allocations: [{ fund: 'RRF', cents: 92400001 }],
        }),
      );
    const before = await eventCount(app);
    const res = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([{ invoiceId: big.body.id, cents: 92400001 }]));
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('cost line 4.5 would reach EUR 924000.01');
    expect(res.body.detail).toContain('above its maximum EUR 924000.00');
    expect(await eventCount(app)).toBe(before);
  });

  it('when advance claims would reach above what the passport plans (within 30 % of the eligible costs), it answers 422 naming requestedCents with the figures and appends nothing', async () => {
    // A recipient that is not a direct administration body, planning an advance of EUR 1,000,000 (30 % of EUR 5,396,160 would allow more).
    const id = await givenProject(as, { until: 'draft', recipient: { ...eAdrese.recipient, directAdministration: false } });
    const draft = await as('anna').get(`/projects/${id}/passport`);
    await as('anna')
      .patch(`/projects/${id}/passport`)
      .set('If-Match', draft.headers.etag!)
      .send({ financing: buildFinancing({ advanceCents: 100_000_000 }) })
      .expect(200);
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
    await as('janis').post(`/projects/${id}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false }).expect(201);
    const advance = (requestedCents: number) =>
      as('anna')
        .post(`/projects/${id}/budget/claims`)
        .send(buildClaim([], { kind: 'advance', requestedCents }));

    const before = await eventCount(app);
    const above = await advance(100_000_001);
    expect(above.status, JSON.stringify(above.body)).toBe(422);
    expect(above.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(above.body.errors).toEqual([
      {
        in: 'body',
        pointer: '/requestedCents',
        detail:
          'advances would reach EUR 1000000.01 (earlier EUR 0.00 + this EUR 1000000.01), above EUR 1000000.00: ' +
          'the passport plans EUR 1000000.00 and at most 30 % of the eligible costs of EUR 5396160.00 may be advanced',
      },
    ]);
    expect(await eventCount(app)).toBe(before);

    expect((await advance(60_000_000)).status).toBe(201);
    const further = await advance(40_000_001);
    expect(further.status).toBe(422);
    expect(further.body.errors).toEqual([
      expect.objectContaining({
        pointer: '/requestedCents',
        detail: expect.stringContaining('advances would reach EUR 1000000.01 (earlier EUR 600000.00 + this EUR 400000.01)'),
      }),
    ]);
    expect(await eventCount(app)).toBe(before + 1);
  });

  it('when a direct administration body claims an advance, it answers 422 naming kind and appends nothing', async () => {
    const id = await givenBudget(); // VRAA, the seed passport's recipient, is a direct administration body
    const before = await eventCount(app);
    const res = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([], { kind: 'advance', requestedCents: 100 }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ in: 'body', pointer: '/kind', detail: expect.stringContaining('direct administration') }),
    ]);
    expect(await eventCount(app)).toBe(before);
  });

  it('when a beneficiary of another organisation asks for the budget, it is 404 as for a project that does not exist', async () => {
    const id = await givenBudget();
    expect((await as('stranger').get(`/projects/${id}/budget`)).status).toBe(404);
    expect((await as('stranger').post(`/projects/${id}/budget/invoices`).send(buildInvoice())).status).toBe(404);
  });
});

describe('double funding at submission over HTTP', () => {
  it('when the same invoice is submitted to two projects at the same moment, at least one response carries the alert and the report lists it', async () => {
    const [a, b] = await Promise.all([givenBudget(), givenBudget()]);
    const invoice = buildInvoice({ supplierRegNo: supplier(), number: 'SIA-2024/0077' });
    const [ra, rb] = await Promise.all([
      as('anna').post(`/projects/${a}/budget/invoices`).send(invoice),
      as('anna')
        .post(`/projects/${b}/budget/invoices`)
        .send({ ...invoice, number: 'sia 2024 77' }),
    ]);
    expect([ra.status, rb.status]).toEqual([201, 201]);
    const alerted = [ra, rb].filter((r) => r.body.alerts.some((x: { rule: string }) => x.rule === 'same_invoice'));
    expect(alerted.length).toBeGreaterThanOrEqual(1);
    expect(alerted[0]!.body.alerts[0]).toMatchObject({ rule: 'same_invoice', projectIds: [a, b].sort(), amountAtRiskCents: 121000 });

    await app.service.context.projections.catchUp();
    const report = await as('janis').get(`/double-funding/alerts?supplier=${invoice.supplierRegNo}&rule=same_invoice`);
    expect(report.status).toBe(200);
    expect(report.body).toEqual({
      items: [expect.objectContaining({ rule: 'same_invoice', status: 'open', projectIds: [a, b].sort() })],
      nextCursor: null,
      counts: {
        byStatus: { open: 1, confirmed: 0, dismissed: 0 },
        byRule: { same_invoice: 1, over_allocation: 0, near_duplicate: 0, vat_twice: 0, overlapping_scope: 0 },
      },
    });
  });

  it('when an officer confirms an alert with a reason and asks for a finding, the decision lists one finding per project, each is raised, the report shows it, the same confirmation again changes nothing and a dismissal is 409', async () => {
    const [a, b] = await Promise.all([givenBudget(), givenBudget()]);
    const invoice = buildInvoice({ supplierRegNo: supplier() });
    await as('anna').post(`/projects/${a}/budget/invoices`).send(invoice).expect(201);
    const second = await as('anna').post(`/projects/${b}/budget/invoices`).send(invoice).expect(201);
    const alertId = second.body.alerts[0].alertId as string;
    await app.service.context.projections.catchUp();
    const undecided = await as('janis').get(`/double-funding/alerts/${alertId}`);
    expect(undecided.status).toBe(200);
    expect(undecided.headers.etag).toBe('"0"');
    expect(undecided.body).toMatchObject({ alertId, status: 'open', findingIds: [] });

    const confirm = () =>
      as('janis')
        .post(`/double-funding/alerts/${alertId}/confirm`)
        .send({ reason: 'Tas pats rēķins divos projektos', finding: { severity: 'high' } });
    const confirmed = await confirm();
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.headers.etag).toBe('"1"');
    expect(confirmed.body).toMatchObject({ status: 'confirmed', reason: 'Tas pats rēķins divos projektos', projectIds: [a, b].sort() });
    const findingIds = [a, b].sort().map((projectId) => alertFindingId(alertId, projectId));
    expect(confirmed.body.findingIds).toEqual(findingIds);

    const [decision, ...more] = await app.service.context.store.readStream(`dupalert-${alertId}`);
    expect(more).toEqual([]);
    expect(decision).toMatchObject({
      type: 'DuplicateAlertConfirmed.v2',
      data: {
        reason: 'Tas pats rēķins divos projektos',
        decidedBy: 'janis',
        findings: [a, b].sort().map((projectId) => ({
          findingId: alertFindingId(alertId, projectId),
          projectId,
          severity: 'high',
          amountAtRiskCents: 121000,
          euShareCents: 121000,
        })),
      },
      metadata: { actor: 'janis', role: 'officer' },
    });
    for (const [i, projectId] of [a, b].sort().entries()) {
      const finding = await app.service.context.store.readStream(`finding-${findingIds[i]}`);
      expect(finding).toMatchObject([
        {
          type: 'FindingRaised.v1',
          data: {
            findingId: findingIds[i],
            projectId,
            category: 'double_funding',
            severity: 'high',
            amountAtRiskCents: 121000,
            raisedBy: 'janis',
          },
          metadata: { actor: 'janis', causationId: decision!.id },
        },
      ]);
    }

    const before = await eventCount(app);
    const again = await confirm();
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ status: 'confirmed', findingIds });
    expect(again.headers.etag).toBe('"1"');
    expect(await eventCount(app)).toBe(before);

    await app.service.context.projections.catchUp();
    const report = await as('janis').get(`/double-funding/alerts?supplier=${invoice.supplierRegNo}&status=confirmed`);
    expect(report.body.items.map((x: { alertId: string }) => x.alertId)).toEqual([alertId]);
    const dismissal = await as('janis').post(`/double-funding/alerts/${alertId}/dismiss`).send({ reason: 'pārdomāju' });
    expect(dismissal.status).toBe(409);
    expect(dismissal.body).toMatchObject({ currentState: 'confirmed' });
    expect(await eventCount(app)).toBe(before);
    expect(
      (
        await as('janis')
          .post(`/double-funding/alerts/${'0'.repeat(32)}/dismiss`)
          .send({ reason: 'x' })
      ).status,
    ).toBe(404);
  });

  it('when a claim includes an invoice VAT that the state budget already covers, the claim response warns and is still stored', async () => {
    const id = await givenBudget();
    const inv = await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: supplier() }));
    const res = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([{ invoiceId: inv.body.id, cents: 121000 }]));
    expect(res.status).toBe(201);
    expect(res.body.alerts).toEqual([expect.objectContaining({ rule: 'vat_twice', projectIds: [id], amountAtRiskCents: 21000 })]);
  });
});
