import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/application/caller.js';
import { on } from '../../src/application/command.js';
import { findingCorrectionId } from '../../src/domain/budget/correction.js';
import { budgetStream, budgetStreamId } from '../../src/domain/budget/decider.js';
import { findingStreamId } from '../../src/domain/finding/decider.js';
import { eventCount, type TestApp } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, givenProject, seededSuite } from '../support/seeded.js';

const VK = '90000027359';

let app: TestApp;
/** ilze raises the findings; valdis, a second auditor, applies their financial corrections (four-eyes). */
const as = seededSuite(
  {
    ...PEOPLE,
    ilze: ['ilze', ['auditor'], VK],
    valdis: ['valdis', ['auditor'], VK],
  },
  (a) => (app = a),
);

/** valdis as the application layer sees him, for what a stopped request of his left behind. */
const VALDIS: Caller = {
  user: { id: 'valdis', name: 'Valdis', organisation: VK, role: 'auditor', roles: ['auditor'] },
  requestId: 'stopped-request',
  correlationId: 'stopped-request',
};
const store = () => app.service.context.store;

const givenApprovedProject = () => givenProject(as);

/**
 * An approved project with its budget open and, on cost line 4.3, an invoice of EUR 1,210.00
 * claimed in full and verified EUR 1,000.00 eligible (VAT recoverable).
 */
async function givenVerifiedBudget(): Promise<{ projectId: string; invoiceId: string; claimId: string }> {
  const projectId = await givenApprovedProject();
  await as('janis').post(`/projects/${projectId}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false }).expect(201);
  const inv = await as('anna').post(`/projects/${projectId}/budget/invoices`).send(buildInvoice()).expect(201);
  const claim = await as('anna')
    .post(`/projects/${projectId}/budget/claims`)
    .send(buildClaim([{ invoiceId: inv.body.id, cents: 121000 }]))
    .expect(201);
  await as('janis')
    .post(`/projects/${projectId}/budget/claims/${claim.body.id}/verifications`)
    .send({ invoiceId: inv.body.id, eligibleCents: 100000, ineligibleCents: 21000, reasonCode: 'VAT_RECOVERABLE' })
    .expect(200);
  return { projectId, invoiceId: inv.body.id, claimId: claim.body.id };
}

async function givenFinding(projectId: string): Promise<string> {
  const res = await as('ilze').post(`/projects/${projectId}/findings`).send({
    category: 'procurement_breach',
    severity: 'high',
    amountAtRiskCents: 100000,
    euShareCents: 85000,
    concerns: {},
    description: 'Līguma grozījumi bez jauna iepirkuma',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.findingId;
}

const bookedOn = async (projectId: string) =>
  (await store().readStream(budgetStreamId(projectId))).filter((e) => e.type === 'FinancialCorrectionBooked.v1');
const correctionsOnFinding = async (findingId: string) =>
  (await store().readStream(findingStreamId(findingId))).filter((e) => e.type === 'FinancialCorrectionApplied.v1');

describe('an officer’s own financial correction on the budget', () => {
  it('when an officer corrects part of what was verified on a cost line, it is booked split by the fund shares and the budget shows corrected figures', async () => {
    const { projectId, invoiceId, claimId } = await givenVerifiedBudget();
    const res = await as('janis')
      .post(`/projects/${projectId}/budget/corrections`)
      .send({ costLine: '4.3', amountCents: 25000, reason: 'Neattiecināmas izmaksas', invoiceId, claimId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.corrections).toEqual([
      expect.objectContaining({
        costLine: '4.3',
        amountCents: 25000,
        funds: [
          { fund: 'RRF', cents: 21404 },
          { fund: 'STATE', cents: 3596 },
        ],
        source: { kind: 'officer' },
        invoiceId,
        claimId,
        appliedBy: 'janis',
      }),
    ]);
    expect(res.body.costLines[0]).toMatchObject({
      code: '4.3',
      claimedCents: 121000,
      verifiedEligibleCents: 100000,
      correctedCents: 25000,
      correctedEligibleCents: 75000,
    });
    expect(res.body.totals).toEqual({
      plannedCents: 539616000,
      claimedCents: 121000,
      verifiedEligibleCents: 100000,
      correctedCents: 25000,
      correctedEligibleCents: 75000,
      paidCents: 0,
      correctedByFund: [
        { fund: 'RRF', cents: 21404 },
        { fund: 'STATE', cents: 3596 },
      ],
    });
    const [event] = await bookedOn(projectId);
    expect(event).toMatchObject({ data: { source: { kind: 'officer' } }, metadata: { actor: 'janis', role: 'officer' } });
    expect((await as('anna').get(`/projects/${projectId}/budget`)).body.corrections).toHaveLength(1);
  });

  it('when the correction is one cent above what was verified eligible on the line, it answers 422 naming amountCents with the figures and appends nothing', async () => {
    const { projectId } = await givenVerifiedBudget();
    const before = await eventCount(app);
    const res = await as('janis')
      .post(`/projects/${projectId}/budget/corrections`)
      .send({ costLine: '4.3', amountCents: 100001, reason: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        pointer: '/amountCents',
        detail: expect.stringContaining('verified eligible EUR 1000.00 − earlier corrections EUR 0.00 = EUR 1000.00'),
      }),
    ]);
    const unknown = await as('janis')
      .post(`/projects/${projectId}/budget/corrections`)
      .send({ costLine: '4.9', amountCents: 1, reason: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ pointer: '/costLine' });
    expect(await eventCount(app)).toBe(before);
  });

  it('when the project has no open budget, it answers 409 explaining and appends nothing', async () => {
    const projectId = await givenApprovedProject();
    const before = await eventCount(app);
    const res = await as('janis').post(`/projects/${projectId}/budget/corrections`).send({ costLine: '4.3', amountCents: 1, reason: 'x' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ currentState: 'no_budget', detail: expect.stringContaining('has no open budget') });
    expect(await eventCount(app)).toBe(before);
  });

  it('when a beneficiary tries to correct its own budget, it is 403', async () => {
    const { projectId } = await givenVerifiedBudget();
    expect(
      (await as('anna').post(`/projects/${projectId}/budget/corrections`).send({ costLine: '4.3', amountCents: 1, reason: 'x' })).status,
    ).toBe(403);
  });
});

describe("a finding's financial correction on the budget", () => {
  it('when a second auditor corrects through the finding, the budget books it naming the finding and the finding records the budget correction id', async () => {
    const { projectId } = await givenVerifiedBudget();
    const findingId = await givenFinding(projectId);
    const res = await as('valdis')
      .post(`/findings/${findingId}/financial-correction`)
      .send({ amountCents: 25000, costLine: '4.3', reason: '25 % korekcija' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.location).toBeUndefined();
    const budgetCorrectionId = findingCorrectionId(findingId, 1);
    expect(res.body.corrections).toEqual([
      expect.objectContaining({ correction: 1, amountCents: 25000, costLine: '4.3', budgetCorrectionId }),
    ]);
    const budget = await as('janis').get(`/projects/${projectId}/budget`);
    expect(budget.body.corrections).toEqual([
      expect.objectContaining({
        correctionId: budgetCorrectionId,
        amountCents: 25000,
        source: { kind: 'finding', findingId },
        appliedBy: 'valdis',
      }),
    ]);
    const [booked] = await bookedOn(projectId);
    const [recorded] = await correctionsOnFinding(findingId);
    expect(recorded!.metadata).toMatchObject({ actor: 'valdis', causationId: booked!.id, requestId: booked!.metadata.requestId });
    expect(recorded!.data).toMatchObject({ correction: 1, budgetCorrectionId, appliedBy: 'valdis' });
  });

  it('when the auditor who raised the finding applies its financial correction, it answers 403 four-eyes and neither stream changes', async () => {
    const { projectId } = await givenVerifiedBudget();
    const findingId = await givenFinding(projectId);
    const before = await eventCount(app);
    const res = await as('ilze')
      .post(`/findings/${findingId}/financial-correction`)
      .send({ amountCents: 25000, costLine: '4.3', reason: '25 % korekcija' });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://grants.example.lv/problems/four-eyes',
      title: 'Four-eyes principle: a second person must do this',
      status: 403,
      rule: 'four-eyes',
      actor: 'ilze',
      act: 'apply a financial correction to',
      earlierActs: ['raised'],
      detail: 'ilze raised this and may not also apply a financial correction to it: the four-eyes principle needs a second person',
    });
    expect(await eventCount(app)).toBe(before);
    expect(await bookedOn(projectId)).toEqual([]);
  });

  it('when the project has no open budget, it answers 409 explaining that the budget must be opened, and appends nothing', async () => {
    const projectId = await givenApprovedProject();
    const findingId = await givenFinding(projectId);
    const before = await eventCount(app);
    const res = await as('valdis')
      .post(`/findings/${findingId}/financial-correction`)
      .send({ amountCents: 100, costLine: '4.3', reason: 'x' });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ currentState: 'no_budget' });
    expect(res.body.detail).toContain(`project ${projectId} has no open budget`);
    expect(await eventCount(app)).toBe(before);
  });

  it('when the correction is above what was verified eligible, it answers 422 naming amountCents and neither stream changes', async () => {
    const { projectId } = await givenVerifiedBudget();
    const findingId = await givenFinding(projectId);
    const before = await eventCount(app);
    const res = await as('valdis')
      .post(`/findings/${findingId}/financial-correction`)
      .send({ amountCents: 100001, costLine: '4.3', reason: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ pointer: '/amountCents' });
    expect(await eventCount(app)).toBe(before);
  });

  it('when a request stopped after booking on the budget, the next request records that booking on the finding first and books its own as correction 2', async () => {
    const { projectId } = await givenVerifiedBudget();
    const findingId = await givenFinding(projectId);
    // The workflow process would record the booking from the log; held still, only the next request can.
    await app.service.workflows.stop();
    try {
      // What the stopped request left: the budget booked as the finding's correction 1, the finding not yet told.
      const stopped = await on(app.service.context, budgetStream).execute(
        budgetStreamId(projectId),
        VALDIS,
        (context) => ({
          type: 'ApplyFinancialCorrection',
          data: {
            amountCents: 10000,
            costLine: '4.3',
            reason: 'pirmā',
            correctionId: findingCorrectionId(findingId, 1),
            source: { kind: 'finding', findingId },
          },
          context,
        }),
        { subject: projectId },
      );
      expect(await correctionsOnFinding(findingId)).toEqual([]);

      const res = await as('valdis')
        .post(`/findings/${findingId}/financial-correction`)
        .send({ amountCents: 5000, costLine: '4.3', reason: 'otrā' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(
        res.body.corrections.map((c: { correction: number; amountCents: number; budgetCorrectionId: string }) => [
          c.correction,
          c.amountCents,
          c.budgetCorrectionId,
        ]),
      ).toEqual([
        [1, 10000, findingCorrectionId(findingId, 1)],
        [2, 5000, findingCorrectionId(findingId, 2)],
      ]);
      const booked = await bookedOn(projectId);
      expect(booked.map((e) => (e.data as { correctionId: string }).correctionId)).toEqual([
        findingCorrectionId(findingId, 1),
        findingCorrectionId(findingId, 2),
      ]);
      const [first, second] = await correctionsOnFinding(findingId);
      // The stopped booking is recorded as its own request left it: caused by that booking, under that request.
      expect(first!.metadata).toMatchObject({ actor: 'valdis', causationId: stopped.eventIds[0], requestId: 'stopped-request' });
      expect(second!.metadata).toMatchObject({ actor: 'valdis', causationId: booked[1]!.id, requestId: booked[1]!.metadata.requestId });
      expect(await correctionsOnFinding(findingId)).toHaveLength(2);
    } finally {
      app.service.workflows.start();
    }
  });

  it('when the same request is retried with its Idempotency-Key, it is replayed and nothing is booked twice', async () => {
    const { projectId } = await givenVerifiedBudget();
    const findingId = await givenFinding(projectId);
    const send = () =>
      as('valdis')
        .post(`/findings/${findingId}/financial-correction`)
        .set('Idempotency-Key', `corr-${findingId}`)
        .send({ amountCents: 25000, costLine: '4.3', reason: 'x' });
    const first = await send();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.body).toEqual(first.body);
    expect(await bookedOn(projectId)).toHaveLength(1);
    expect(await correctionsOnFinding(findingId)).toHaveLength(1);
  });
});
