import { describe, expect, it } from 'vitest';
import { eventCount, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, VRAA, seededSuite } from '../support/seeded.js';

const VARAM = eAdrese.sections.partners![0]!.registrationNumber;

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    partner: ['peteris', ['beneficiary'], VARAM],
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    both: ['karlis', ['officer', 'approver'], CFLA],
    /** A VRAA employee who is also an officer: may submit as beneficiary and verify as officer, but not both on one passport. */
    dual: ['dainis', ['beneficiary', 'officer'], VRAA],
    council: ['ilze', ['council'], CFLA],
  },
  (a) => (app = a),
);

async function draftSeedPassport(): Promise<{ id: string; etag: string }> {
  const res = await as('anna').post('/projects').send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const filled = await as('anna')
    .patch(`/projects/${res.body.projectId}/passport`)
    .set('If-Match', res.headers.etag!)
    .send(eAdrese.sections);
  expect(filled.status, JSON.stringify(filled.body)).toBe(200);
  return { id: res.body.projectId, etag: filled.headers.etag! };
}

describe('the seed passport (VRAA e-adrese) through its whole lifecycle', () => {
  it('when drafted, filled, submitted, verified and approved by three different people, it is approved with the warning the officer saw', async () => {
    const { id } = await draftSeedPassport();
    const submitted = await as('anna').post(`/projects/${id}/passport/submit`);
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');
    expect(submitted.body.versions).toHaveLength(1);
    expect(submitted.body.versions[0].warnings.map((w: { code: string; path: string }) => [w.code, w.path])).toEqual([
      ['BENEFIT_FIGURES_DISAGREE', 'objective.benefits.0'],
    ]);

    const verified = await as('janis').post(`/projects/${id}/passport/verify`).send({ note: 'Pārbaudīts' });
    expect(verified.body.status).toBe('verified');
    const approved = await as('liga').post(`/projects/${id}/passport/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', approvedVersion: 1 });

    const events = await app.service.context.store.readStream(`passport-${id}`);
    expect(events.at(-1)).toMatchObject({ type: 'PassportApproved.v1', metadata: { actor: 'liga', role: 'approver', organisation: CFLA } });
    expect(events.find((e) => e.type === 'PassportSubmitted.v1')!.metadata).toMatchObject({ actor: 'anna', organisation: VRAA });
  });

  it('when the person who verified also approves (holding both roles), four-eyes refuses with 403 and nothing is appended', async () => {
    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('both').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    const before = await eventCount(app);
    const res = await as('both').post(`/projects/${id}/passport/approve`);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://grants.example.lv/problems/four-eyes',
      title: 'Four-eyes principle: a second person must do this',
      rule: 'four-eyes',
      actor: 'karlis',
      act: 'approve',
      earlierActs: ['verified'],
      detail: 'karlis verified this and may not also approve it: the four-eyes principle needs a second person',
    });
    expect(await eventCount(app)).toBe(before);
    await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
  });

  it('when the person who submitted also verifies (holding both roles), four-eyes refuses with 403 and nothing is appended', async () => {
    const drafted = await as('dual')
      .post('/projects')
      .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient });
    expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
    const id = drafted.body.projectId;
    await as('dual').patch(`/projects/${id}/passport`).set('If-Match', drafted.headers.etag!).send(eAdrese.sections).expect(200);
    await as('dual').post(`/projects/${id}/passport/submit`).expect(200);
    const before = await eventCount(app);
    const res = await as('dual').post(`/projects/${id}/passport/verify`).send({});
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ rule: 'four-eyes', actor: 'dainis', act: 'verify', earlierActs: ['submitted'] });
    expect(res.body.detail).toBe('dainis submitted this and may not also verify it: the four-eyes principle needs a second person');
    expect(await eventCount(app)).toBe(before);
    expect((await as('janis').post(`/projects/${id}/passport/verify`).send({})).body.status).toBe('verified');
  });

  it('when an officer returns it with comments, the beneficiary sees them, fixes the draft and submits version 2', async () => {
    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    const returned = await as('janis')
      .post(`/projects/${id}/passport/return`)
      .send({ comments: [{ section: 'objective', text: '3.3.1: +80 % neatbilst' }] });
    expect(returned.body).toMatchObject({ status: 'draft', comments: [{ section: 'objective', text: '3.3.1: +80 % neatbilst' }] });
    const objective = structuredClone(eAdrese.sections.objective!);
    objective.benefits[0]!.changePercent = 312;
    await as('anna').patch(`/projects/${id}/passport`).set('If-Match', returned.headers.etag!).send({ objective }).expect(200);
    const v2 = await as('anna').post(`/projects/${id}/passport/submit`);
    expect(v2.body.versions.map((v: { version: number; warnings: unknown[] }) => [v.version, v.warnings.length])).toEqual([
      [1, 1],
      [2, 0],
    ]);
  });

  it('when an approved passport is amended, the new version goes through approval again and the diff shows what changed', async () => {
    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    await as('liga').post(`/projects/${id}/passport/approve`).expect(200);

    const amend = await as('anna').post(`/projects/${id}/passport/amend`).send({ reason: 'Iepirkuma rezultāti' });
    expect(amend.body).toMatchObject({ status: 'draft', approvedVersion: 1, amendmentReason: 'Iepirkuma rezultāti' });
    const financing = structuredClone(eAdrese.sections.financing!);
    financing.costLines[0]!.indicativeCents = 279_600_000;
    financing.costLines[2]!.indicativeCents = 82_400_000;
    await as('anna').patch(`/projects/${id}/passport`).set('If-Match', amend.headers.etag!).send({ financing }).expect(200);
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    const approved = await as('liga').post(`/projects/${id}/passport/approve`);
    expect(approved.body).toMatchObject({ status: 'approved', approvedVersion: 2, amendmentReason: null });

    const diff = await as('council').get(`/projects/${id}/passport/versions/1/diff/2`);
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({
      items: [
        { path: 'financing.costLines.0.indicativeCents', before: 269_600_000, after: 279_600_000 },
        { path: 'financing.costLines.2.indicativeCents', before: 92_400_000, after: 82_400_000 },
      ],
      nextCursor: null,
    });
    const v1 = await as('anna').get(`/projects/${id}/passport/versions/1`);
    expect(v1.body.sections.financing.costLines[0].indicativeCents).toBe(269_600_000);
    expect((await as('anna').get(`/projects/${id}/passport/versions/9`)).status).toBe(404);
  });

  it('when an approver rejects a new passport it ends (PassportRejected.v2); a rejected amendment leaves the approved version in force (PassportAmendmentRejected.v1)', async () => {
    const fresh = await draftSeedPassport();
    await as('anna').post(`/projects/${fresh.id}/passport/submit`).expect(200);
    const rejected = await as('liga').post(`/projects/${fresh.id}/passport/reject`).send({ reason: 'Nav attiecināms' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', approvedVersion: null });
    expect((await app.service.context.store.readStream(`passport-${fresh.id}`)).at(-1)).toMatchObject({
      type: 'PassportRejected.v2',
      data: { version: 1, reason: 'Nav attiecināms', rejectedBy: 'liga' },
    });
    expect((await as('anna').post(`/projects/${fresh.id}/passport/submit`)).body).toMatchObject({ currentState: 'rejected' });

    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
    await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
    const amend = await as('anna').post(`/projects/${id}/passport/amend`).send({ reason: 'Izmaksu pārdale' });
    const financing = structuredClone(eAdrese.sections.financing!);
    financing.costLines[0]!.indicativeCents = 279_600_000;
    financing.costLines[2]!.indicativeCents = 82_400_000;
    await as('anna').patch(`/projects/${id}/passport`).set('If-Match', amend.headers.etag!).send({ financing }).expect(200);
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    const amendmentRejected = await as('liga').post(`/projects/${id}/passport/reject`).send({ reason: 'Pārdale nav pamatota' });
    expect(amendmentRejected.status, JSON.stringify(amendmentRejected.body)).toBe(200);
    expect(amendmentRejected.body).toMatchObject({ status: 'approved', approvedVersion: 1, amendmentReason: null });
    expect(amendmentRejected.body.sections.financing.costLines[0].indicativeCents).toBe(269_600_000);
    expect((await app.service.context.store.readStream(`passport-${id}`)).at(-1)).toMatchObject({
      type: 'PassportAmendmentRejected.v1',
      data: { version: 2, reason: 'Pārdale nav pamatota', rejectedBy: 'liga' },
    });
  });

  it('when it is withdrawn, it cannot be submitted again (409 naming the state)', async () => {
    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/withdraw`).send({ reason: 'Atcelts' }).expect(200);
    const res = await as('anna').post(`/projects/${id}/passport/submit`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ currentState: 'withdrawn' });
  });
});

describe('contribution to the investment target across projects', () => {
  it("when approved passports already contribute 14 of 2.1.2.1.i's 15 platforms, a new one contributing 2 is warned at submit", async () => {
    const contribution = (count: number) => ({
      ...eAdrese.sections.contribution!,
      ictSolutions: [{ ...eAdrese.sections.contribution!.ictSolutions[0]!, count }],
    });
    const first = await draftSeedPassport();
    await as('anna')
      .patch(`/projects/${first.id}/passport`)
      .set('If-Match', first.etag)
      .send({ contribution: contribution(14) })
      .expect(200);
    await as('anna').post(`/projects/${first.id}/passport/submit`).expect(200);
    await as('janis').post(`/projects/${first.id}/passport/verify`).send({}).expect(200);
    await as('liga').post(`/projects/${first.id}/passport/approve`).expect(200);
    await app.service.context.projections.catchUp();

    const second = await draftSeedPassport();
    const res = await as('anna').post(`/projects/${second.id}/passport/submit`);
    const warning = res.body.versions[0].warnings.find((w: { code: string }) => w.code === 'CONTRIBUTION_EXCEEDS_TARGET');
    expect(warning).toBeDefined();
    expect(warning.figures.project).toBe(2);
    expect(warning.figures.target).toBe(15);
    expect(warning.figures.otherProjects).toBeGreaterThanOrEqual(14);
    // Withdrawn, the first project no longer counts, so later tests see the target free again.
    await as('anna').post(`/projects/${first.id}/passport/withdraw`).send({ reason: 'Atcelts' }).expect(200);
    await app.service.context.projections.catchUp();
  });
});

describe('project list and scoping', () => {
  it("when a beneficiary lists projects, it sees its own and those where it is a partner, never another organisation's", async () => {
    const { id } = await draftSeedPassport();
    await app.service.context.projections.catchUp();
    const own = await as('anna').get('/projects').query({ investment: '2.1.2.1.i' });
    expect(own.body.items.map((p: { projectId: string }) => p.projectId)).toContain(id);
    const partner = await as('partner').get('/projects');
    expect(partner.body.items.map((p: { projectId: string }) => p.projectId)).toContain(id);
    expect((await as('partner').get(`/projects/${id}/passport`)).status).toBe(200);
    const stranger = await as('stranger').get('/projects');
    expect(stranger.body.items).toEqual([]);
    expect((await as('stranger').get(`/projects/${id}/passport`)).status).toBe(404);
  });

  it('when officers filter by status and fund, the list reflects the read model', async () => {
    const { id } = await draftSeedPassport();
    await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
    await app.service.context.projections.catchUp();
    const res = await as('janis').get('/projects').query({ status: 'submitted', fund: 'RRF', limit: 500 });
    const row = res.body.items.find((p: { projectId: string }) => p.projectId === id);
    expect(row).toMatchObject({
      status: 'submitted',
      submittedVersion: 1,
      totalCents: 462_000_000,
      warnings: 1,
      recipient: { registrationNumber: VRAA },
    });
    const drafts = await as('janis').get('/projects').query({ status: 'draft', limit: 500 });
    expect(drafts.body.items.map((p: { projectId: string }) => p.projectId)).not.toContain(id);
  });
});

describe('bad input: 4xx and nothing appended', () => {
  it('when a passport is structurally invalid, 422 lists every field at fault (numbers as strings, negative money, bad dates)', async () => {
    const { id, etag } = await draftSeedPassport();
    const before = await eventCount(app);
    const financing = { ...eAdrese.sections.financing!, totalCents: '4620000', advanceCents: -1 };
    const objective = structuredClone(eAdrese.sections.objective!);
    (objective.benefits[2] as { baselineDate: string }).baselineDate = '01.12.2022';
    const res = await as('anna').patch(`/projects/${id}/passport`).set('If-Match', etag).send({ financing, objective });
    expect(res.status).toBe(422);
    const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['/financing/advanceCents', '/financing/totalCents', '/objective/benefits/2/baselineDate']);
    expect(await eventCount(app)).toBe(before);
  });

  it('when money has cents beyond an integer (a float), it is refused', async () => {
    const { id, etag } = await draftSeedPassport();
    const res = await as('anna')
      .patch(`/projects/${id}/passport`)
      .set('If-Match', etag)
      .send({ financing: { ...eAdrese.sections.financing!, vatCents: 77616000.5 } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].pointer).toBe('/financing/vatCents');
  });

  it('when the investment code is unknown in that programme and period, drafting answers 422 naming it', async () => {
    const before = await eventCount(app);
    const res = await as('anna')
      .post('/projects')
      .send({ title: eAdrese.title, programme: { ...eAdrese.programme, investment: '9.9.9.9.i' }, recipient: eAdrese.recipient });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/programme/investment' })]);
    expect(await eventCount(app)).toBe(before);
  });

  it("when a beneficiary drafts for another organisation, it answers 422 naming the recipient's number", async () => {
    const res = await as('anna')
      .post('/projects')
      .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: { ...eAdrese.recipient, registrationNumber: VARAM } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].pointer).toBe('/recipient/registrationNumber');
  });

  it('when an edit comes without If-Match, it answers 428 naming the header and appends nothing', async () => {
    const { id, etag } = await draftSeedPassport();
    const before = await eventCount(app);
    const res = await as('anna').patch(`/projects/${id}/passport`).send({ other: eAdrese.sections.other });
    expect(res.status).toBe(428);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://grants.example.lv/problems/precondition-required',
      status: 428,
      errors: [expect.objectContaining({ in: 'header', pointer: '/If-Match' })],
    });
    expect(await eventCount(app)).toBe(before);
    expect((await as('anna').get(`/projects/${id}/passport`)).headers.etag).toBe(etag);
  });

  it('when If-Match is stale, the edit answers 412 with both versions', async () => {
    const { id } = await draftSeedPassport();
    const res = await as('anna').patch(`/projects/${id}/passport`).set('If-Match', '"1"').send({ other: eAdrese.sections.other });
    expect(res.status).toBe(412);
    expect(res.body).toMatchObject({ expectedVersion: 1, actualVersion: 9 });
  });

  it('when a draft is retried with the same Idempotency-Key, the same project comes back and nothing new is stored', async () => {
    const body = { title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient };
    const first = await as('anna').post('/projects').set('Idempotency-Key', 'draft-e-adrese-0001').send(body);
    const before = await eventCount(app);
    const retry = await as('anna').post('/projects').set('Idempotency-Key', 'draft-e-adrese-0001').send(body);
    expect(retry.status).toBe(201);
    expect(retry.body.projectId).toBe(first.body.projectId);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount(app)).toBe(before);
  });
});
