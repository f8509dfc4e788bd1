import type request from 'supertest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/application/caller.js';
import { on } from '../../src/application/command.js';
import { findingStream, findingStreamId } from '../../src/domain/finding/decider.js';
import { eventCount, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, VRAA, seededSuite } from '../support/seeded.js';

const VARAM = eAdrese.sections.partners![0]!.registrationNumber;
const VK = '90000027359';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    partner: ['peteris', ['beneficiary'], VARAM],
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    ilze: ['ilze', ['auditor'], VK],
    zane: ['zane', ['officer'], CFLA],
    council: ['dace', ['council'], CFLA],
  },
  (a) => (app = a),
);

/** janis as the application layer sees him, for what cannot be arranged over HTTP. */
const JANIS: Caller = {
  user: { id: 'janis', name: 'Jānis', organisation: CFLA, role: 'officer', roles: ['officer'] },
  requestId: 'arranged',
  correlationId: 'arranged',
};

/** The VRAA e-adrese project, drafted and filled over HTTP (cost lines 4.3–4.7). */
async function givenProject(): Promise<string> {
  const res = await as('anna').post('/projects').send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await as('anna').patch(`/projects/${res.body.projectId}/passport`).set('If-Match', res.headers.etag!).send(eAdrese.sections).expect(200);
  return res.body.projectId;
}

/**
 * A financial correction is booked on the project's budget and cannot exceed what was verified
 * eligible: the passport approved, the budget opened, and `cents` on cost line 4.3 invoiced,
 * claimed and verified eligible.
 */
async function givenVerifiedSpending(projectId: string, cents: number): Promise<void> {
  await as('anna').post(`/projects/${projectId}/passport/submit`).expect(200);
  await as('janis').post(`/projects/${projectId}/passport/verify`).send({}).expect(200);
  await as('liga').post(`/projects/${projectId}/passport/approve`).expect(200);
  await as('janis')
    .post(`/projects/${projectId}/budget`)
    .send({
      shares: [
        { fund: 'RRF', cents: 462_000_000 },
        { fund: 'STATE', cents: 77_616_000 },
      ],
      vatRecoverable: false,
    })
    .expect(201);
  const invoice = {
    supplierRegNo: '40003000001',
    number: `R-${randomUUID().slice(0, 8)}`,
    date: '2024-03-15',
    netCents: cents,
    vatCents: 0,
    grossCents: cents,
    costLine: '4.3',
    allocations: [{ fund: 'RRF', cents }],
  };
  const inv = await as('anna').post(`/projects/${projectId}/budget/invoices`).send(invoice).expect(201);
  const claim = await as('anna')
    .post(`/projects/${projectId}/budget/claims`)
    .send({
      kind: 'interim',
      periodFrom: '2024-01-01',
      periodTo: '2024-06-30',
      items: [{ invoiceId: inv.body.id, cents }],
      requestedCents: cents,
    })
    .expect(201);
  await as('janis')
    .post(`/projects/${projectId}/budget/claims/${claim.body.id}/verifications`)
    .send({ invoiceId: inv.body.id, eligibleCents: cents, ineligibleCents: 0 })
    .expect(200);
}

/** A procurement breach with EUR 25,000 at risk; override the field a test is about. */
const buildRaise = (overrides: Record<string, unknown> = {}) => ({
  category: 'procurement_breach',
  severity: 'high',
  amountAtRiskCents: 2_500_000,
  euShareCents: 2_125_000,
  concerns: { invoiceRef: 'PVN-2024/117' },
  description: 'Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma',
  ...overrides,
});

async function givenFinding(projectId: string, overrides: Record<string, unknown> = {}): Promise<{ id: string; etag: string }> {
  const res = await as('ilze').post(`/projects/${projectId}/findings`).send(buildRaise(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.findingId, etag: res.headers.etag! };
}

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const types = async (findingId: string) => (await app.service.context.store.readStream(findingStreamId(findingId))).map((e) => e.type);

const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
};
/** The body has every property the OpenAPI schema requires and none it does not declare. */
function expectMatchesSchema(body: Record<string, unknown>, schema: string): void {
  const { required = [], properties = {} } = spec.components.schemas[schema]!;
  expect(
    Object.keys(body).filter((k) => !(k in properties)),
    `undeclared in ${schema}`,
  ).toEqual([]);
  expect(
    required.filter((k) => !(k in body)),
    `missing from ${schema}`,
  ).toEqual([]);
}

/** Expects a refusal as problem+json naming `pointer`, with nothing appended. */
async function expectRefused(send: () => Promise<request.Response>, status: number, pointer?: string): Promise<request.Response> {
  const before = await eventCount(app);
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  if (pointer !== undefined) expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  expect(await eventCount(app)).toBe(before);
  return res;
}

describe('an audit finding through its whole lifecycle', () => {
  it('when raised, answered, acted on, corrected, followed up and closed by the right people, each step is recorded and the list shows the outcome', async () => {
    // ilze raises; janis acts, corrects and follows up; zane, who did neither, closes (four-eyes).
    const projectId = await givenProject();
    const raised = await as('ilze').post(`/projects/${projectId}/findings`).send(buildRaise());
    expect(raised.status).toBe(201);
    expect(raised.headers.location).toBe(`/findings/${raised.body.findingId}`);
    expect(raised.headers.etag).toBe('"1"');
    expect(raised.body).toMatchObject({
      projectId,
      status: 'open',
      category: 'procurement_breach',
      reportableIrregularity: true,
      concerns: { invoiceRef: 'PVN-2024/117' },
      raisedBy: 'ilze',
      overdue: false,
    });
    expectMatchesSchema(raised.body, 'FindingView');
    const id: string = raised.body.findingId;

    const seen = await as('anna').get(`/findings/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.headers.etag).toBe('"1"');
    const answered = await as('anna')
      .post(`/findings/${id}/response`)
      .set('If-Match', '"1"')
      .send({ response: 'Grozījumi bija nepieciešami' });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.headers.etag).toBe('"2"');
    expect(answered.headers.location).toBeUndefined();
    expect(answered.body).toMatchObject({
      status: 'responded',
      response: { response: 'Grozījumi bija nepieciešami', organisation: VRAA, respondedBy: 'anna' },
    });

    const deadline = daysFromNow(30);
    const action = await as('janis').post(`/findings/${id}/corrective-action`).send({ action: 'Atgūt neattiecināmās izmaksas', deadline });
    expect(action.body).toMatchObject({ status: 'action_required', correctiveAction: { deadline, setBy: 'janis' }, overdue: false });
    await givenVerifiedSpending(projectId, 625_000);
    const corrected = await as('janis')
      .post(`/findings/${id}/financial-correction`)
      .send({ amountCents: 625_000, costLine: '4.3', reason: '25 % korekcija' });
    expect(corrected.status, JSON.stringify(corrected.body)).toBe(200);
    expect(corrected.body).toMatchObject({
      corrections: [{ correction: 1, amountCents: 625_000, costLine: '4.3' }],
      correctedCents: 625_000,
    });
    const followed = await as('janis').post(`/findings/${id}/follow-up`).send({ outcome: 'implemented', note: 'Izmaksas atgūtas' });
    expect(followed.body).toMatchObject({ status: 'followed_up', followUps: [{ outcome: 'implemented', recordedBy: 'janis' }] });
    const closed = await as('zane').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closure: { conclusion: 'Slēgts', closedBy: 'zane' }, overdue: false });
    expect(closed.headers.etag).toBe('"6"');

    expect(await types(id)).toEqual([
      'FindingRaised.v1',
      'FindingResponded.v1',
      'CorrectiveActionSet.v1',
      'FinancialCorrectionApplied.v1',
      'FollowUpRecorded.v1',
      'FindingClosed.v1',
    ]);
    const events = await app.service.context.store.readStream(findingStreamId(id));
    expect(events[0]!.metadata).toMatchObject({ actor: 'ilze', role: 'auditor', organisation: VK });
    expect(events[1]!.metadata).toMatchObject({ actor: 'anna', role: 'beneficiary', organisation: VRAA });
    expect(events[5]!.metadata).toMatchObject({ actor: 'zane', role: 'officer', organisation: CFLA });

    await app.service.context.projections.catchUp();
    const list = await as('council').get(`/findings?projectId=${projectId}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        findingId: id,
        status: 'closed',
        deadline,
        followUps: 1,
        lastFollowUpOutcome: 'implemented',
        correctedCents: 625_000,
        reportableIrregularity: true,
      }),
    ]);
    expectMatchesSchema(list.body.items[0], 'FindingSummary');
  });

  it('when the person who raised the finding or recorded its latest follow-up closes it, it answers 403 four-eyes naming what they did, and nothing is appended', async () => {
    const { id } = await givenFinding(await givenProject());
    await as('janis')
      .post(`/findings/${id}/corrective-action`)
      .send({ action: 'Atgūt izmaksas', deadline: daysFromNow(30) })
      .expect(200);
    await as('janis').post(`/findings/${id}/follow-up`).send({ outcome: 'partially_implemented', note: 'Daļēji atgūts' }).expect(200);
    const fourEyes = (actor: string, earlierActs: string[]) => ({
      type: 'https://grants.example.lv/problems/four-eyes',
      title: 'Four-eyes principle: a second person must do this',
      status: 403,
      rule: 'four-eyes',
      actor,
      act: 'close',
      earlierActs,
      detail: `${actor} ${earlierActs.join(' and ')} this and may not also close it: the four-eyes principle needs a second person`,
    });
    const byRaiser = await expectRefused(() => as('ilze').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }), 403);
    expect(byRaiser.body).toMatchObject(fourEyes('ilze', ['raised']));
    const byRecorder = await expectRefused(() => as('janis').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }), 403);
    expect(byRecorder.body).toMatchObject(fourEyes('janis', ['followed up']));
    // The raiser records the latest follow-up: now janis may close, and ilze is refused for both.
    await as('ilze').post(`/findings/${id}/follow-up`).send({ outcome: 'implemented', note: 'Atgūts pilnībā' }).expect(200);
    const byBoth = await expectRefused(() => as('ilze').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }), 403);
    expect(byBoth.body).toMatchObject(fourEyes('ilze', ['raised', 'followed up']));
    const closed = await as('janis').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closure: { closedBy: 'janis' } });
    expect(await types(id)).toEqual([
      'FindingRaised.v1',
      'CorrectiveActionSet.v1',
      'FollowUpRecorded.v1',
      'FollowUpRecorded.v1',
      'FindingClosed.v1',
    ]);
  });

  it('when a partner organisation of the project responds, it is taken like the recipient’s', async () => {
    const { id } = await givenFinding(await givenProject());
    const res = await as('partner').post(`/findings/${id}/response`).send({ response: 'Partnera viedoklis' });
    expect(res.status).toBe(200);
    expect(res.body.response).toMatchObject({ organisation: VARAM, respondedBy: 'peteris' });
  });

  it('when the EU share at risk is exactly EUR 10,000 it is not a reportable irregularity; one cent more, it is, and the list filters on it', async () => {
    const projectId = await givenProject();
    const atThreshold = await as('janis')
      .post(`/projects/${projectId}/findings`)
      .send(buildRaise({ amountAtRiskCents: 1_200_000, euShareCents: 1_000_000 }));
    const above = await as('janis')
      .post(`/projects/${projectId}/findings`)
      .send(buildRaise({ amountAtRiskCents: 1_200_000, euShareCents: 1_000_001 }));
    expect(atThreshold.body.reportableIrregularity).toBe(false);
    expect(above.body.reportableIrregularity).toBe(true);
    await app.service.context.projections.catchUp();
    const reportable = await as('ilze').get(`/findings?projectId=${projectId}&reportable=true`);
    expect(reportable.body.items.map((f: { findingId: string }) => f.findingId)).toEqual([above.body.findingId]);
    const others = await as('ilze').get(`/findings?projectId=${projectId}&reportable=false`);
    expect(others.body.items.map((f: { findingId: string }) => f.findingId)).toEqual([atThreshold.body.findingId]);
  });

  it('when a corrective action’s deadline has passed and the finding is not closed, it shows as overdue and the list finds it by date', async () => {
    const projectId = await givenProject();
    const { id } = await givenFinding(projectId);
    // Set as of an earlier day through the application layer: over HTTP a deadline in the past is refused.
    await on(app.service.context, findingStream).execute(
      findingStreamId(id),
      JANIS,
      (context) => ({ type: 'SetCorrectiveAction', data: { action: 'Atgūt izmaksas', deadline: '2025-01-31' }, context }),
      { now: new Date('2025-01-10T09:00:00Z') },
    );
    const { id: onTime } = await givenFinding(projectId);
    await as('janis')
      .post(`/findings/${onTime}/corrective-action`)
      .send({ action: 'Pārskatīt procedūru', deadline: daysFromNow(10) })
      .expect(200);

    expect((await as('anna').get(`/findings/${id}`)).body).toMatchObject({ overdue: true, correctiveAction: { deadline: '2025-01-31' } });
    expect((await as('anna').get(`/findings/${onTime}`)).body.overdue).toBe(false);
    await app.service.context.projections.catchUp();
    const today = await as('ilze').get(`/findings?projectId=${projectId}&overdueOn=${daysFromNow(0)}`);
    expect(today.body.items.map((f: { findingId: string; overdue: boolean }) => [f.findingId, f.overdue])).toEqual([[id, true]]);
    const later = await as('ilze').get(`/findings?projectId=${projectId}&overdueOn=${daysFromNow(11)}`);
    expect(later.body.items.map((f: { findingId: string }) => f.findingId).sort()).toEqual([id, onTime].sort());
  });

  it('when a beneficiary lists findings, only its organisation’s projects’ come back; other filters and paging still apply', async () => {
    const projectId = await givenProject();
    const first = await givenFinding(projectId, { severity: 'low' });
    const second = await givenFinding(projectId, { severity: 'low' });
    await app.service.context.projections.catchUp();
    const mine = await as('anna').get(`/findings?projectId=${projectId}&severity=low&limit=1`);
    expect(mine.body.items).toHaveLength(1);
    expect(mine.body.nextCursor).toEqual(expect.any(String));
    const next = await as('anna').get(`/findings?projectId=${projectId}&severity=low&limit=1&cursor=${mine.body.nextCursor}`);
    expect(next.body).toEqual({ items: [expect.objectContaining({ severity: 'low' })], nextCursor: null });
    expect([mine.body.items[0].findingId, next.body.items[0].findingId].sort()).toEqual([first.id, second.id].sort());
    expect((await as('stranger').get(`/findings?projectId=${projectId}`)).body).toEqual({ items: [], nextCursor: null });
  });
});

describe('concurrency and retries', () => {
  it('when If-Match is stale, the write answers 412 naming both versions and appends nothing', async () => {
    const { id } = await givenFinding(await givenProject());
    await as('anna').post(`/findings/${id}/response`).send({ response: 'Pirmā atbilde' }).expect(200);
    const res = await expectRefused(
      () =>
        as('janis')
          .post(`/findings/${id}/corrective-action`)
          .set('If-Match', '"1"')
          .send({ action: 'x', deadline: daysFromNow(5) }),
      412,
    );
    expect(res.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
  });

  it('when a raise is retried with the same Idempotency-Key, the first finding is returned and nothing new is stored', async () => {
    const projectId = await givenProject();
    const first = await as('ilze').post(`/projects/${projectId}/findings`).set('Idempotency-Key', 'raise-0001').send(buildRaise());
    const before = await eventCount(app);
    const retry = await as('ilze').post(`/projects/${projectId}/findings`).set('Idempotency-Key', 'raise-0001').send(buildRaise());
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.findingId).toBe(first.body.findingId);
    expect(await eventCount(app)).toBe(before);
  });
});

describe('bad input: problem+json naming the field, nothing appended', () => {
  let projectId: string;
  beforeAll(async () => {
    projectId = await givenProject();
  });
  const raise =
    (body: unknown, who = 'ilze', project = projectId) =>
    () =>
      as(who)
        .post(`/projects/${project}/findings`)
        .send(body as object);

  it('when the finding is closed without a follow-up after the corrective action, it answers 422 naming followUp', async () => {
    const { id } = await givenFinding(projectId);
    const none = await expectRefused(() => as('ilze').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }), 422, '/followUp');
    expect(none.body.errors[0].detail).toMatch(/no corrective action was set/);
    await as('janis')
      .post(`/findings/${id}/corrective-action`)
      .send({ action: 'Atgūt', deadline: daysFromNow(5) })
      .expect(200);
    const notFollowed = await expectRefused(
      () => as('ilze').post(`/findings/${id}/close`).send({ conclusion: 'Slēgts' }),
      422,
      '/followUp',
    );
    expect(notFollowed.body.errors[0].detail).toMatch(/there is none since the corrective action set on/);
  });

  it('when money is negative, fractional or a string, it answers 422 naming the amount', async () => {
    await expectRefused(raise(buildRaise({ amountAtRiskCents: -1 })), 422, '/amountAtRiskCents');
    await expectRefused(raise(buildRaise({ euShareCents: '2125000' })), 422, '/euShareCents');
    await expectRefused(raise(buildRaise({ amountAtRiskCents: 2_500_000.5 })), 422, '/amountAtRiskCents');
  });

  it('when the EU share exceeds the amount at risk, it answers 422 naming euShareCents', () =>
    expectRefused(raise(buildRaise({ amountAtRiskCents: 100, euShareCents: 101 })), 422, '/euShareCents'));

  it('when the category or severity is unknown, it answers 422 naming it with the allowed values', async () => {
    const res = await expectRefused(raise(buildRaise({ category: 'tax_evasion' })), 422, '/category');
    expect(res.body.errors[0].detail).toContain('indicator_not_evidenced');
    await expectRefused(raise(buildRaise({ severity: 'extreme' })), 422, '/severity');
  });

  it('when the project does not exist, raising a finding about it answers 404', () =>
    expectRefused(raise(buildRaise(), 'ilze', randomUUID()), 404));

  it('when the finding names an indicator that does not exist it answers 404; one of another project, 422 naming concerns.indicatorId', async () => {
    await expectRefused(raise(buildRaise({ concerns: { indicatorId: randomUUID() } })), 404);
    const other = await givenProject();
    const indicator = await as('anna')
      .post(`/projects/${other}/indicators`)
      .send({
        code: 'RCR11',
        name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
        kind: 'target',
        unit: { lv: 'lietotāji gadā', en: 'users/year' },
        baseline: { value: 54_391, date: '2022-12-01' },
        target: { value: 223_560, dueDate: '2026-06-30' },
      });
    expect(indicator.status, JSON.stringify(indicator.body)).toBe(201);
    await expectRefused(raise(buildRaise({ concerns: { indicatorId: indicator.body.indicatorId } })), 422, '/concerns/indicatorId');
    const onItsProject = await as('ilze')
      .post(`/projects/${other}/findings`)
      .send(buildRaise({ category: 'indicator_not_evidenced', concerns: { indicatorId: indicator.body.indicatorId } }));
    expect(onItsProject.status).toBe(201);
    expect(onItsProject.body.concerns).toEqual({ indicatorId: indicator.body.indicatorId });
  });

  it('when a beneficiary of another organisation reads or responds to a finding, it answers 404 exactly as for a finding that does not exist', async () => {
    const { id } = await givenFinding(projectId);
    const foreign = await expectRefused(() => as('stranger').post(`/findings/${id}/response`).send({ response: 'Nav mūsu' }), 404);
    const missing = await expectRefused(
      () => as('stranger').post(`/findings/${randomUUID()}/response`).send({ response: 'Nav mūsu' }),
      404,
    );
    const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined, detail: undefined });
    expect(strip(foreign.body)).toEqual(strip(missing.body));
    expect((await as('stranger').get(`/findings/${id}`)).status).toBe(404);
  });

  it('when the beneficiary responds twice, or a follow-up comes before any corrective action, it answers 409', async () => {
    const { id } = await givenFinding(projectId);
    await as('anna').post(`/findings/${id}/response`).send({ response: 'Atbilde' }).expect(200);
    await expectRefused(() => as('anna').post(`/findings/${id}/response`).send({ response: 'Vēlreiz' }), 409);
    await expectRefused(() => as('janis').post(`/findings/${id}/follow-up`).send({ outcome: 'implemented', note: 'x' }), 409);
  });

  it('when a corrective action’s deadline is in the past or not a date, it answers 422 naming deadline', async () => {
    const { id } = await givenFinding(projectId);
    await expectRefused(
      () =>
        as('janis')
          .post(`/findings/${id}/corrective-action`)
          .send({ action: 'Atgūt', deadline: daysFromNow(-1) }),
      422,
      '/deadline',
    );
    await expectRefused(
      () => as('janis').post(`/findings/${id}/corrective-action`).send({ action: 'Atgūt', deadline: '30.06.2030' }),
      422,
      '/deadline',
    );
  });

  it('when a financial correction names no cost line of the passport, is zero or negative, it answers 422 naming the field', async () => {
    const { id } = await givenFinding(projectId);
    const res = await expectRefused(
      () => as('janis').post(`/findings/${id}/financial-correction`).send({ amountCents: 1_000, costLine: '9.9', reason: 'x' }),
      422,
      '/costLine',
    );
    expect(res.body.errors[0].detail).toMatch(/no cost line 9\.9 \(it has: 4\.3/);
    await expectRefused(
      () => as('janis').post(`/findings/${id}/financial-correction`).send({ amountCents: 0, costLine: '4.3', reason: 'x' }),
      422,
      '/amountCents',
    );
    await expectRefused(
      () => as('janis').post(`/findings/${id}/financial-correction`).send({ amountCents: -5, costLine: '4.3', reason: 'x' }),
      422,
      '/amountCents',
    );
  });

  it('when a list filter is not a known value, a uuid or a calendar date, it answers 422 naming it', async () => {
    const bad = { status: 'pending', projectId: 'abc', limit: 'abc', overdueOn: '2025-02-30', reportable: 'yes', category: 'tax_evasion' };
    for (const [name, value] of Object.entries(bad)) {
      const res = await as('ilze').get(`/findings?${name}=${value}`);
      expect(res.status, `${name}=${value}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors[0]).toMatchObject({ in: 'query', pointer: `/${name}` });
    }
  });
});
