import { describe, expect, it } from 'vitest';
import { eventCount, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { seededSuite } from '../support/seeded.js';

const VRAA = eAdrese.recipient.registrationNumber;
const VARAM = eAdrese.sections.partners![0]!.registrationNumber;
const CFLA = '90009963334';
const investment2312 = { fund: 'RRF', programme: 'ANM', period: '2021-2026', investment: '2.3.1.2.i' };
const companies = { lv: 'uzņēmumi', en: 'companies' };
const evidence = [{ documentId: 'CFLA-2024-0630-17', title: 'Atbalstīto uzņēmumu saraksts 30.06.2024', sha256: 'ab'.repeat(32) }];

let app: TestApp;
const as = seededSuite(
  {
    anna: ['anna', ['beneficiary'], VRAA],
    partner: ['peteris', ['beneficiary'], VARAM],
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    janis: ['janis', ['officer'], CFLA],
    zane: ['zane', ['officer'], CFLA],
    council: ['ilze', ['council'], CFLA],
  },
  (a) => (app = a),
);
const catchUp = () => app.service.context.projections.catchUp();

/** 2.3.1.2.i's 2026 step: 2,521 companies supported by 2026-06-30. */
const companiesTarget = (overrides: object = {}) => ({
  investment: investment2312,
  code: 'T2',
  name: { lv: 'Atbalstītie uzņēmumi', en: 'Companies supported' },
  kind: 'target',
  unit: companies,
  baseline: { value: 0, date: '2021-07-01' },
  target: { value: 2_521, dueDate: '2026-06-30' },
  ...overrides,
});

async function defineCompaniesTarget(overrides: object = {}): Promise<string> {
  const res = await as('janis').post('/indicators').send(companiesTarget(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.indicatorId;
}

async function draftProject(): Promise<string> {
  const res = await as('anna').post('/projects').send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await as('anna')
    .patch(`/projects/${res.body.projectId}/passport`)
    .set('If-Match', res.headers.etag!)
    .send({ partners: eAdrese.sections.partners })
    .expect(200);
  return res.body.projectId;
}

describe('an investment indicator through its lifecycle (2.3.1.2.i: 2,521 companies by 2026-06-30)', () => {
  it('when a value is reported, refused by four-eyes, verified, then a later one rejected and corrected, every step is an event and asOf gives the past answer', async () => {
    const id = await defineCompaniesTarget();
    const first = await as('janis')
      .post(`/indicators/${id}/reports`)
      .send({ value: 1_080, asOfDate: '2024-06-30', qualifier: 'more_than', unit: 'companies', evidence });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.reports).toEqual([
      expect.objectContaining({ report: 1, value: 1_080, qualifier: 'more_than', evidence, reportedBy: 'janis', review: 'pending' }),
    ]);

    const beforeOwn = await eventCount(app);
    const own = await as('janis').post(`/indicators/${id}/reports/1/verify`).send({});
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({
      type: 'https://grants.example.lv/problems/four-eyes',
      rule: 'four-eyes',
      actor: 'janis',
      act: 'verify',
      earlierActs: ['reported'],
    });
    expect(await eventCount(app)).toBe(beforeOwn);
    const ok = await as('zane').post(`/indicators/${id}/reports/1/verify`).send({ note: 'Saraksts pārbaudīts' });
    expect(ok.body.reports[0]).toMatchObject({ review: 'verified', reviewedBy: 'zane', reviewNote: 'Saraksts pārbaudīts' });
    await new Promise((r) => setTimeout(r, 20));
    const afterFirst = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));

    await as('janis').post(`/indicators/${id}/reports`).send({ value: 2_400, asOfDate: '2026-06-30' }).expect(201);
    const rejected = await as('zane').post(`/indicators/${id}/reports/2/reject`).send({ reason: 'Sarakstā ir dubultie ieraksti' });
    expect(rejected.body.reports[1]).toMatchObject({ review: 'rejected', reviewNote: 'Sarakstā ir dubultie ieraksti' });
    expect((await as('zane').post(`/indicators/${id}/reports/2/verify`).send({})).status).toBe(409);
    const correction = await as('janis').post(`/indicators/${id}/reports`).send({ value: 2_521, asOfDate: '2026-06-30', corrects: 2 });
    expect(correction.body.reports[2]).toMatchObject({ report: 3, corrects: 2, review: 'pending' });
    await as('zane').post(`/indicators/${id}/reports/3/verify`).send({}).expect(200);

    const events = await app.service.context.store.readStream(`indicator-${id}`);
    expect(events.map((e) => [e.type, e.metadata.actor])).toEqual([
      ['IndicatorDefined.v1', 'janis'],
      ['IndicatorValueReported.v1', 'janis'],
      ['IndicatorValueVerified.v1', 'zane'],
      ['IndicatorValueReported.v1', 'janis'],
      ['IndicatorValueRejected.v1', 'zane'],
      ['IndicatorValueReported.v1', 'janis'],
      ['IndicatorValueVerified.v1', 'zane'],
    ]);

    await catchUp();
    const now = await as('council').get(`/indicators/${id}`);
    expect(now.status).toBe(200);
    expect(now.body.progress).toMatchObject({
      verified: { value: 2_521, asOfDate: '2026-06-30' },
      percentOfTarget: 100,
      status: 'achieved',
    });
    const then = await as('council').get(`/indicators/${id}`).query({ asOf: afterFirst });
    expect(then.body.progress).toMatchObject({
      verified: { value: 1_080, qualifier: 'more_than' },
      percentOfTarget: 42.8,
      status: 'overdue',
    });
    expect(then.body.progress.reported).toBeUndefined();
  });

  it('when the body tries to name the reporter, it is refused and nothing is appended', async () => {
    const id = await defineCompaniesTarget();
    const before = await eventCount(app);
    const res = await as('janis').post(`/indicators/${id}/reports`).send({ value: 1, asOfDate: '2024-06-30', reportedBy: 'someone.else' });
    expect(res.status).toBe(422);
    expect(await eventCount(app)).toBe(before);
  });
});

describe('project indicators and scoping', () => {
  it('when a beneficiary defines and reports on its own project, partners see it, other organisations get 404, and an officer verifies it', async () => {
    const projectId = await draftProject();
    const defined = await as('anna')
      .post(`/projects/${projectId}/indicators`)
      .send({
        code: 'RCR11',
        name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
        kind: 'target',
        unit: { lv: 'lietotāji gadā', en: 'users/year' },
        baseline: { value: 54_391, date: '2022-12-01' },
        target: { value: 223_560, dueDate: '2026-12-31' },
      });
    expect(defined.status, JSON.stringify(defined.body)).toBe(201);
    expect(defined.body.on).toEqual({ level: 'project', projectId, ...eAdrese.programme });
    const id = defined.body.indicatorId;
    await as('anna')
      .post(`/indicators/${id}/reports`)
      .send({ value: 150_000, asOfDate: '2025-12-31', qualifier: 'approximately' })
      .expect(201);
    expect((await as('anna').post(`/indicators/${id}/reports/1/verify`).send({})).status).toBe(403);
    await as('janis').post(`/indicators/${id}/reports/1/verify`).send({}).expect(200);

    await catchUp();
    expect((await as('partner').get(`/indicators/${id}`)).status).toBe(200);
    expect((await as('stranger').get(`/indicators/${id}`)).status).toBe(404);
    expect((await as('stranger').post(`/indicators/${id}/reports`).send({ value: 1, asOfDate: '2025-12-31' })).status).toBe(404);
    expect(
      (
        await as('stranger')
          .post(`/projects/${projectId}/indicators`)
          .send({ code: 'X1', name: companies, kind: 'milestone', target: { dueDate: '2026-12-31' } })
      ).status,
    ).toBe(404);
    expect((await as('stranger').get('/progress').query({ projectId })).status).toBe(404);
    expect((await as('stranger').get('/progress')).body.indicators).toEqual([]);

    const mine = await as('anna').get('/progress').query({ projectId });
    expect(mine.body.indicators).toEqual([
      expect.objectContaining({
        indicatorId: id,
        verified: { value: 150_000, asOfDate: '2025-12-31', qualifier: 'approximately' },
        percentOfTarget: 67.1,
      }),
    ]);
    const all = await as('anna').get('/progress');
    expect(all.body.indicators.every((x: { level: string }) => x.level === 'project')).toBe(true);
  });

  it("when an investment indicator lists a contributing project, the project's verified values sum into it and into the roll-up", async () => {
    const projectId = await draftProject();
    const platforms = { lv: 'platformas', en: 'platforms' };
    const target = {
      code: 'T3',
      name: { lv: 'Centralizētās IKT platformas', en: 'Centralised ICT platforms' },
      kind: 'target',
      unit: platforms,
      baseline: { value: 0, date: '2021-02-01' },
    };
    const inv = await as('janis')
      .post('/indicators')
      .send({ ...target, investment: eAdrese.programme, target: { value: 15, dueDate: '2026-08-31' }, contributingProjects: [projectId] });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const own = await as('anna')
      .post(`/projects/${projectId}/indicators`)
      .send({ ...target, target: { value: 2, dueDate: '2026-08-31' } });
    await as('anna').post(`/indicators/${own.body.indicatorId}/reports`).send({ value: 2, asOfDate: '2025-06-30' }).expect(201);
    await as('janis').post(`/indicators/${own.body.indicatorId}/reports/1/verify`).send({}).expect(200);
    expect((await as('janis').post(`/indicators/${inv.body.indicatorId}/reports`).send({ value: 2, asOfDate: '2025-06-30' })).status).toBe(
      409,
    );

    await catchUp();
    const res = await as('council').get('/progress').query({ investment: '2.1.2.1.i' });
    expect(res.status).toBe(200);
    expect(res.body.indicators.find((x: { indicatorId: string }) => x.indicatorId === inv.body.indicatorId)).toMatchObject({
      verified: { value: 2 },
      percentOfTarget: 13.3,
    });
    const node = res.body.rollup.find(
      (n: { level: string; investment?: string }) => n.level === 'investment' && n.investment === '2.1.2.1.i',
    );
    expect(node).toMatchObject({ fund: 'RRF', component: '2' });
    expect(node.quantities.find((q: { code: string }) => q.code === 'T3')).toMatchObject({ target: 15, verified: 2, indicators: 1 });
  });
});

describe('bad input: 4xx and nothing appended', () => {
  it('when a value is reported for an unknown indicator, it answers 404', async () => {
    const before = await eventCount(app);
    const res = await as('janis')
      .post('/indicators/00000000-0000-4000-8000-000000000000/reports')
      .send({ value: 1, asOfDate: '2024-06-30' });
    expect(res.status).toBe(404);
    expect(await eventCount(app)).toBe(before);
  });

  it('when the unit differs, or the as-of date is in the future or before the baseline, it answers 422 naming the field', async () => {
    const id = await defineCompaniesTarget();
    const before = await eventCount(app);
    const cases: [object, string][] = [
      [{ value: 10, asOfDate: '2024-06-30', unit: 'platforms' }, '/unit'],
      [{ value: 10, asOfDate: '2999-01-01' }, '/asOfDate'],
      [{ value: 10, asOfDate: '2021-06-30' }, '/asOfDate'],
      [{ value: 10, asOfDate: '2024-06-30', evidence: [{ ...evidence[0], sha256: 'not-a-hash' }] }, '/evidence/0/sha256'],
    ];
    for (const [body, pointer] of cases) {
      const res = await as('janis').post(`/indicators/${id}/reports`).send(body);
      expect(res.status, pointer).toBe(422);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    }
    expect(await eventCount(app)).toBe(before);
  });

  it('when an indicator is defined on an unknown investment or with a project outside it, it answers 422 naming the field', async () => {
    const before = await eventCount(app);
    const unknown = await as('janis')
      .post('/indicators')
      .send(companiesTarget({ investment: { ...investment2312, investment: '9.9.9.9.i' } }));
    expect(unknown.body.errors[0].pointer).toBe('/investment/investment');
    const outside = await as('janis')
      .post('/indicators')
      .send(companiesTarget({ contributingProjects: ['00000000-0000-4000-8000-000000000000'] }));
    expect(outside.body.errors[0].pointer).toBe('/contributingProjects/0');
    expect(await eventCount(app)).toBe(before);
  });

  it('when asOf is unparseable or in the future, progress answers 422 naming asOf', async () => {
    for (const asOf of ['yesterday', '2024-02-30', '2024-06-30T12:00', '2999-01-01', new Date(Date.now() + 3_600_000).toISOString()]) {
      const res = await as('council').get('/progress').query({ asOf });
      expect(res.status, asOf).toBe(422);
      expect(res.body.errors[0].pointer, asOf).toBe('/asOf');
    }
    expect((await as('council').get('/progress').query({ asOf: '2024-06-30' })).status).toBe(200);
  });
});
