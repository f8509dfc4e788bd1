import type request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { CFLA, PEOPLE, givenContract, givenProject, seededSuite } from '../support/seeded.js';

const VK = '90000027359';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    ilze: ['ilze', ['auditor'], VK],
    zane: ['zane', ['officer'], CFLA],
    council: ['dace', ['council'], CFLA],
  },
  (a) => (app = a),
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An instant with nothing recorded within 20 ms either side of it: what was stored before counts, what comes after does not. */
async function instant(): Promise<string> {
  await sleep(20);
  const at = new Date().toISOString();
  await sleep(20);
  return at;
}
const catchUp = () => app.service.context.projections.catchUp();
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);

/** 422 problem+json naming asOf, for a date and a date-time in the future and for what is no instant. */
async function expectAsOfRefused(get: (asOf: string) => request.Test): Promise<void> {
  for (const asOf of ['2999-01-01', inAnHour(), '2024-02-30', 'yesterday', '2024-06-30T12:00']) {
    const res = await get(asOf);
    expect(res.status, asOf).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/asOf']);
  }
}

/** A 404 problem+json. */
function expectNotFound(res: request.Response): void {
  expect(res.status, JSON.stringify(res.body)).toBe(404);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
}

/** The answer as of an instant is the answer that was given then, stating the instant. */
function expectSameState(then: request.Response, earlier: request.Response, asOf: string): void {
  expect(then.status, JSON.stringify(then.body)).toBe(200);
  const { asOf: _earlierAsOf, ...state } = earlier.body;
  expect(then.body).toEqual({ ...state, asOf });
  expect(then.headers.etag).toBe(earlier.headers.etag);
}

describe('a project budget as of an instant', () => {
  it('when contracts, invoices, claims, payments and corrections come after T, asOf=T gives the budget and version of T; without asOf, the budget now', async () => {
    const id = await givenProject(as);
    const beforeBudget = await instant();
    await as('janis').post(`/projects/${id}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false }).expect(201);
    const inv = await as('anna').post(`/projects/${id}/budget/invoices`).send(buildInvoice()).expect(201);
    const earlier = await as('anna').get(`/projects/${id}/budget`);
    expect(earlier.status).toBe(200);
    expect(earlier.headers.etag).toBe('"2"');
    expect(earlier.body).toMatchObject({ streamVersion: 2, claims: [], corrections: [], contracts: 0 });
    expect(Date.parse(earlier.body.asOf)).toBeGreaterThan(Date.parse(beforeBudget));
    const t = await instant();

    await givenContract(as, id);
    const claim = await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([{ invoiceId: inv.body.id, cents: 121_000 }]))
      .expect(201);
    await as('janis')
      .post(`/projects/${id}/budget/claims/${claim.body.id}/verifications`)
      .send({ invoiceId: inv.body.id, eligibleCents: 121_000, ineligibleCents: 0 })
      .expect(200);
    await as('liga')
      .post(`/projects/${id}/budget/claims/${claim.body.id}/payment`)
      .send({ amountCents: 100_000, paidOn: '2024-07-15' })
      .expect(200);
    await as('janis')
      .post(`/projects/${id}/budget/corrections`)
      .send({ costLine: '4.3', amountCents: 21_000, reason: 'Neattiecināmas izmaksas' })
      .expect(201);

    for (const who of ['anna', 'ilze', 'council']) {
      expectSameState(await as(who).get(`/projects/${id}/budget`).query({ asOf: t }), earlier, t);
    }
    const now = await as('ilze').get(`/projects/${id}/budget`);
    expect(now.status).toBe(200);
    expect(now.headers.etag).toBe('"7"');
    expect(now.body).toMatchObject({
      streamVersion: 7,
      contracts: 1,
      claims: [{ paidCents: 100_000 }],
      corrections: [{ amountCents: 21_000 }],
    });
    // A date means the end of that day: today's is now.
    expect((await as('ilze').get(`/projects/${id}/budget`).query({ asOf: today() })).body.streamVersion).toBe(7);

    // The past version's ETag is stale for a write.
    const stale = await as('anna').post(`/projects/${id}/budget/invoices`).set('If-Match', earlier.headers.etag!).send(buildInvoice());
    expect(stale.status).toBe(412);
  });

  it('when asOf is before the budget was opened, it answers 404; in the future or no instant, 422 naming asOf', async () => {
    const id = await givenProject(as);
    const beforeBudget = await instant();
    await as('janis').post(`/projects/${id}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false }).expect(201);

    const then = await as('ilze').get(`/projects/${id}/budget`).query({ asOf: beforeBudget });
    expectNotFound(then);
    expect(then.body.detail).toContain('did not exist yet');
    expectNotFound(await as('ilze').get(`/projects/${id}/budget`).query({ asOf: '2020-01-01' }));
    await expectAsOfRefused((asOf) => as('ilze').get(`/projects/${id}/budget`).query({ asOf }));
  });

  it('when a beneficiary of another organisation asks with asOf, it gets the same 404 as without', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const t = await instant();
    const without = await as('stranger').get(`/projects/${id}/budget`);
    expectNotFound(without);
    for (const asOf of [t, '2020-01-01']) {
      const res = await as('stranger').get(`/projects/${id}/budget`).query({ asOf });
      expectNotFound(res);
      expect(res.body.detail).toBe(without.body.detail);
    }
  });
});

/** A procurement breach with EUR 25,000 at risk. */
const buildRaise = (overrides: Record<string, unknown> = {}) => ({
  category: 'procurement_breach',
  severity: 'high',
  amountAtRiskCents: 2_500_000,
  euShareCents: 2_125_000,
  concerns: { invoiceRef: 'PVN-2024/117' },
  description: 'Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma',
  ...overrides,
});

async function givenFinding(projectId: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await as('ilze').post(`/projects/${projectId}/findings`).send(buildRaise(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.findingId;
}

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** ilze sets a corrective action, zane follows it up, janis (neither) closes it. */
async function actFollowUpAndClose(id: string): Promise<void> {
  await as('ilze')
    .post(`/findings/${id}/corrective-action`)
    .send({ action: 'Atgūt neattiecināmās izmaksas', deadline: daysFromNow(30) })
    .expect(200);
  await as('zane').post(`/findings/${id}/follow-up`).send({ outcome: 'implemented', note: 'Izmaksas atgūtas' }).expect(200);
  await as('janis').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }).expect(200);
}

describe('an audit finding as of an instant', () => {
  it('when it is acted on, followed up and closed after T, asOf=T gives the responded finding and version of T; without asOf, the closed one', async () => {
    const projectId = await givenProject(as, { until: 'draft' });
    const beforeRaise = await instant();
    const id = await givenFinding(projectId);
    await as('anna').post(`/findings/${id}/response`).send({ response: 'Grozījumi bija nepieciešami' }).expect(200);
    const earlier = await as('anna').get(`/findings/${id}`);
    expect(earlier.status).toBe(200);
    expect(earlier.headers.etag).toBe('"2"');
    expect(earlier.body).toMatchObject({ status: 'responded', streamVersion: 2, followUps: [] });
    const t = await instant();

    await actFollowUpAndClose(id);

    for (const who of ['anna', 'ilze', 'council']) {
      expectSameState(await as(who).get(`/findings/${id}`).query({ asOf: t }), earlier, t);
    }
    const now = await as('anna').get(`/findings/${id}`);
    expect(now.headers.etag).toBe('"5"');
    expect(now.body).toMatchObject({ status: 'closed', streamVersion: 5, closure: { closedBy: 'janis' } });

    const before = await as('ilze').get(`/findings/${id}`).query({ asOf: beforeRaise });
    expectNotFound(before);
    expect(before.body.detail).toContain('did not exist yet');
    await expectAsOfRefused((asOf) => as('ilze').get(`/findings/${id}`).query({ asOf }));
  });

  it('when a beneficiary of another organisation asks with asOf, it gets the same 404 as without', async () => {
    const projectId = await givenProject(as, { until: 'draft' });
    const id = await givenFinding(projectId);
    const t = await instant();
    const without = await as('stranger').get(`/findings/${id}`);
    expectNotFound(without);
    for (const asOf of [t, '2020-01-01']) {
      const res = await as('stranger').get(`/findings/${id}`).query({ asOf });
      expectNotFound(res);
      expect(res.body.detail).toBe(without.body.detail);
    }
  });
});

describe('the findings list as of an instant', () => {
  it('when findings are closed and another raised after T, asOf=T lists them as they stood then, filtered and paged on that state', async () => {
    const projectId = await givenProject(as, { until: 'draft' });
    const beforeRaise = await instant();
    const first = await givenFinding(projectId);
    const second = await givenFinding(projectId, { severity: 'low' });
    await as('anna').post(`/findings/${second}/response`).send({ response: 'Piekrītam' }).expect(200);
    const t = await instant();
    await actFollowUpAndClose(first);
    await actFollowUpAndClose(second);
    const third = await givenFinding(projectId);
    await catchUp();

    const list = (query: Record<string, string | number>, who = 'ilze') =>
      as(who)
        .get('/findings')
        .query({ projectId, ...query });

    const then = await list({ asOf: t });
    expect(then.status, JSON.stringify(then.body)).toBe(200);
    expect(then.body.asOf).toBe(t);
    expect(then.body.nextCursor).toBeNull();
    expect(then.body.items.map((f: { findingId: string; status: string }) => [f.findingId, f.status])).toEqual([
      [first, 'open'],
      [second, 'responded'],
    ]);
    expect(then.body.items[1]).toMatchObject({ followUps: 0, correctedCents: 0, overdue: false, respondedAt: expect.any(String) });
    expect(then.body.items[1].closedAt).toBeUndefined();

    const now = await list({});
    expect(now.body.asOf).toBeUndefined();
    expect(now.body.items.map((f: { findingId: string; status: string }) => [f.findingId, f.status])).toEqual([
      [first, 'closed'],
      [second, 'closed'],
      [third, 'open'],
    ]);

    // Filters apply to the state as of T.
    expect((await list({ asOf: t, status: 'closed' })).body.items).toEqual([]);
    expect((await list({ asOf: t, status: 'responded' })).body.items.map((f: { findingId: string }) => f.findingId)).toEqual([second]);
    expect((await list({ asOf: t, severity: 'high' })).body.items.map((f: { findingId: string }) => f.findingId)).toEqual([first]);

    // Paged: a cursor goes on within the state as of T.
    const page1 = await list({ asOf: t, limit: 1 });
    expect(page1.body.items.map((f: { findingId: string }) => f.findingId)).toEqual([first]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await list({ asOf: t, limit: 1, cursor: page1.body.nextCursor });
    expect(page2.body).toEqual({ items: [expect.objectContaining({ findingId: second, status: 'responded' })], nextCursor: null, asOf: t });

    // The project's beneficiary sees the same; before anything was raised, nothing.
    expect((await list({ asOf: t }, 'anna')).body.items).toEqual(then.body.items);
    expect((await list({ asOf: beforeRaise })).body).toEqual({ items: [], nextCursor: null, asOf: beforeRaise });
    await expectAsOfRefused((asOf) => list({ asOf }));
  });

  it('when a beneficiary of another organisation lists with asOf, it sees nothing of them, as without', async () => {
    const projectId = await givenProject(as, { until: 'draft' });
    await givenFinding(projectId);
    const t = await instant();
    await catchUp();
    expect((await as('stranger').get('/findings').query({ projectId })).body).toEqual({ items: [], nextCursor: null });
    expect((await as('stranger').get('/findings').query({ projectId, asOf: t })).body).toEqual({ items: [], nextCursor: null, asOf: t });
  });
});

describe('a passport as of an instant', () => {
  it('when it is submitted, verified and approved after T, asOf=T gives the draft and version of T; before it was drafted, 404', async () => {
    const beforeDraft = await instant();
    const id = await givenProject(as, { until: 'draft' });
    const earlier = await as('anna').get(`/projects/${id}/passport`);
    expect(earlier.body).toMatchObject({ status: 'draft', streamVersion: Number(earlier.headers.etag!.replaceAll('"', '')) });
    const t = await instant();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    await as('liga').post(`/projects/${id}/passport/approve`).expect(200);

    expectSameState(await as('ilze').get(`/projects/${id}/passport`).query({ asOf: t }), earlier, t);
    expect((await as('anna').get(`/projects/${id}/passport`)).body).toMatchObject({ status: 'approved', approvedVersion: 1 });
    expectNotFound(await as('ilze').get(`/projects/${id}/passport`).query({ asOf: beforeDraft }));
    await expectAsOfRefused((asOf) => as('ilze').get(`/projects/${id}/passport`).query({ asOf }));
    const without = await as('stranger').get(`/projects/${id}/passport`);
    expectNotFound(without);
    expect((await as('stranger').get(`/projects/${id}/passport`).query({ asOf: t })).body.detail).toBe(without.body.detail);
  });
});

describe('a project indicator as of an instant', () => {
  it('when a value is reported and verified after T, asOf=T gives the indicator without it and the version of T; before it was defined, 404', async () => {
    const projectId = await givenProject(as, { until: 'draft' });
    const beforeDefined = await instant();
    const defined = await as('anna')
      .post(`/projects/${projectId}/indicators`)
      .send({
        code: 'RCR11',
        name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
        kind: 'target',
        unit: { lv: 'lietotāji gadā', en: 'users/year' },
        baseline: { value: 54_391, date: '2022-12-01' },
        target: { value: 223_560, dueDate: '2026-06-30' },
      });
    expect(defined.status, JSON.stringify(defined.body)).toBe(201);
    const id: string = defined.body.indicatorId;
    const t = await instant();
    await as('anna').post(`/indicators/${id}/reports`).send({ value: 100_000, asOfDate: '2024-06-30' }).expect(201);
    await as('janis').post(`/indicators/${id}/reports/1/verify`).send({}).expect(200);
    await catchUp();

    const then = await as('ilze').get(`/indicators/${id}`).query({ asOf: t });
    expect(then.status, JSON.stringify(then.body)).toBe(200);
    expect(then.headers.etag).toBe('"1"');
    expect(then.body).toMatchObject({ asOf: t, streamVersion: 1, reports: [] });
    const now = await as('anna').get(`/indicators/${id}`);
    expect(now.headers.etag).toBe('"3"');
    expect(now.body.reports).toEqual([expect.objectContaining({ report: 1, review: 'verified' })]);

    expectNotFound(await as('ilze').get(`/indicators/${id}`).query({ asOf: beforeDefined }));
    await expectAsOfRefused((asOf) => as('ilze').get(`/indicators/${id}`).query({ asOf }));
    const without = await as('stranger').get(`/indicators/${id}`);
    expectNotFound(without);
    expect((await as('stranger').get(`/indicators/${id}`).query({ asOf: t })).body.detail).toBe(without.body.detail);
  });
});
