import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, eventCount, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';

let app: TestApp;
let adminToken: string;
beforeAll(async () => {
  app = await createTestApp();
  adminToken = await tokenFor({ roles: ['admin'], sub: 'ilze.kalnina', org: '90000099999' });
  for (const [code, en] of [
    ['RRF', 'Recovery and Resilience Facility'],
    ['ERDF', 'European Regional Development Fund'],
  ] as const) {
    await http()
      .post('/funds')
      .send({ code, name: { lv: code, en }, kind: 'eu' })
      .expect(201);
  }
  await http().post('/programmes').send(programme()).expect(201);
  await http().post('/programmes/ANM/2021-2026/nodes').send(component).expect(201);
  await http().post('/programmes/ANM/2021-2026/nodes').send(direction).expect(201);
});
afterAll(() => app.close());

/** Who may call what is test/http/access-matrix.spec.ts's job; here an admin writes. */
const http = () => request.agent(app.service.app).set('Authorization', bearer(adminToken));
const PROGRAMME = '/programmes/ANM/2021-2026';

const programme = (overrides: Record<string, unknown> = {}) => ({
  code: 'ANM',
  period: '2021-2026',
  fund: 'RRF',
  name: { lv: 'Latvijas Atveseļošanas un noturības mehānisma plāns', en: 'Latvian Recovery and Resilience Plan' },
  ...overrides,
});
const component = { code: '2', kind: 'component', name: { lv: 'Digitālā transformācija', en: 'Digital transformation' } };
const direction = {
  code: '2.1',
  kind: 'direction',
  parent: '2',
  name: { lv: 'Valsts pārvaldes digitālā transformācija', en: 'Digital public administration' },
};
const platformsBuilt = {
  code: 'T3',
  kind: 'target',
  name: { lv: 'Izveidotas centralizētās IKT platformas', en: 'Centralised ICT platforms built' },
  unit: { lv: 'platformas', en: 'platforms' },
  value: 15,
  dueDate: '2026-08-31',
};
const investment = (overrides: Record<string, unknown> = {}) => ({
  code: '2.1.2.1.i',
  kind: 'investment',
  parent: '2.1',
  name: { lv: 'Pārvaldes centralizētās platformas un sistēmas', en: 'Centralised government platforms and systems' },
  plannedFundingCents: 7_017_792_000,
  startDate: '2020-02-01',
  endDate: '2026-08-31',
  targets: [platformsBuilt],
  ...overrides,
});

/** Sends a write that must be refused and proves nothing was stored; returns the response. */
async function refused(send: () => request.Test, status: number) {
  const before = await eventCount(app);
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(await eventCount(app)).toBe(before);
  return res;
}
const pointers = (res: request.Response) => res.body.errors.map((e: { pointer: string }) => e.pointer).sort();

describe('programmes', () => {
  it('when a programme is defined, it answers 201 with ETag and Location, and every role can read it', async () => {
    const res = await http()
      .post('/programmes')
      .send(programme({ period: '2014-2020', code: 'ESIF', fund: 'ERDF' }));
    expect(res.status).toBe(201);
    expect(res.headers).toMatchObject({ etag: '"1"', location: '/programmes/ESIF/2014-2020' });
    expect(res.body).toMatchObject({ code: 'ESIF', period: '2014-2020', fund: 'ERDF', status: 'active', version: 1 });
    const council = await tokenFor({ roles: ['council'] });
    const read = await request(app.service.app).get('/programmes/ESIF/2014-2020').set('Authorization', bearer(council));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
    await app.service.context.projections.catchUp();
    const list = await request(app.service.app).get('/programmes').query({ fund: 'ERDF' }).set('Authorization', bearer(council));
    expect(list.body.items).toEqual([
      { code: 'ESIF', period: '2014-2020', fund: 'ERDF', name: res.body.name, status: 'active', version: 1 },
    ]);
  });

  it('when the fund is not registered, it answers 422 naming the fund and stores nothing', async () => {
    const res = await refused(
      () =>
        http()
          .post('/programmes')
          .send(programme({ code: 'DEP', fund: 'DEP' })),
      422,
    );
    expect(res.body.errors).toEqual([{ in: 'body', pointer: '/fund', detail: 'no fund DEP is registered' }]);
  });

  it('when a programme is amended with the current If-Match, it answers with the new version; a stale one answers 412', async () => {
    await http()
      .post('/programmes')
      .send(programme({ period: '2021-2027', code: 'ESIF', fund: 'ERDF' }))
      .expect(201);
    const amendment = {
      fund: 'ERDF',
      name: { lv: 'Kohēzijas politikas programma', en: 'Cohesion policy programme' },
      reason: 'official name',
    };
    const res = await http().put('/programmes/ESIF/2021-2027').set('If-Match', '"1"').send(amendment);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body).toMatchObject({ name: amendment.name, version: 2, amendedAt: expect.any(String) });
    const stale = await refused(() => http().put('/programmes/ESIF/2021-2027').set('If-Match', '"1"').send(amendment), 412);
    expect(stale.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
  });

  it('when a programme is retired, it reads as retired and its structure no longer changes', async () => {
    await http()
      .post('/programmes')
      .send(programme({ period: '2031-2036' }))
      .expect(201);
    const res = await http().post('/programmes/ANM/2031-2036/retire').set('If-Match', '"1"').send({ reason: 'plan closed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'retired', retiredAt: expect.any(String), version: 2 });
    const refusal = await refused(() => http().post('/programmes/ANM/2031-2036/nodes').send(component), 409);
    expect(refusal.body).toMatchObject({
      currentState: 'retired',
      detail: 'Programme ANM 2031-2036 is retired; its structure no longer changes',
    });
  });

  it('when the period is malformed or runs backwards, it answers 422 naming the period', async () => {
    expect(
      pointers(
        await refused(
          () =>
            http()
              .post('/programmes')
              .send(programme({ period: '2021–2026' })),
          422,
        ),
      ),
    ).toEqual(['/period']);
    expect(
      pointers(
        await refused(
          () =>
            http()
              .post('/programmes')
              .send(programme({ period: '2026-2021' })),
          422,
        ),
      ),
    ).toEqual(['/period']);
  });
});

describe('programme nodes', () => {
  it('when an investment is defined, it answers 201 and reads back with its funding, period and targets', async () => {
    const res = await http().post(`${PROGRAMME}/nodes`).send(investment());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers).toMatchObject({ etag: '"1"', location: `${PROGRAMME}/nodes/2.1.2.1.i` });
    const read = await http().get(`${PROGRAMME}/nodes/2.1.2.1.i`).expect(200);
    expect(read.body).toMatchObject({
      programme: 'ANM',
      period: '2021-2026',
      code: '2.1.2.1.i',
      kind: 'investment',
      parent: '2.1',
      status: 'active',
      plannedFundingCents: 7_017_792_000,
      startDate: '2020-02-01',
      endDate: '2026-08-31',
      targets: [platformsBuilt],
      version: 1,
    });
    const [event] = await app.service.context.store.readStream('programme_node-ANM.2021-2026.2.1.2.1.i');
    expect(event!.metadata).toMatchObject({ actor: 'ilze.kalnina', role: 'admin' });
  });

  it('when nodes are listed, the hierarchy can be filtered by kind and by parent', async () => {
    await app.service.context.projections.catchUp();
    const byParent = await http().get(`${PROGRAMME}/nodes`).query({ parent: '2' }).expect(200);
    expect(byParent.body.items.map((n: { code: string }) => n.code)).toEqual(['2.1']);
    const all = await http().get(`${PROGRAMME}/nodes`).expect(200);
    expect(all.body.items[0]).toEqual({ code: '2', kind: 'component', name: component.name, status: 'active', version: 1 });
    const investments = await http().get(`${PROGRAMME}/nodes`).query({ kind: 'investment' }).expect(200);
    expect(investments.body.items.every((n: { kind: string }) => n.kind === 'investment')).toBe(true);
    expect((await http().get(`${PROGRAMME}/nodes`).query({ kind: 'project' })).status).toBe(422);
  });

  it('when a node is amended with the current If-Match, the new content is a new version; a stale If-Match answers 412', async () => {
    await http()
      .post(`${PROGRAMME}/nodes`)
      .send(investment({ code: '2.1.3.1.i' }))
      .expect(201);
    const {
      parent: _p,
      code: _c,
      kind: _k,
      ...content
    } = investment({ plannedFundingCents: 6_900_000_000, targets: [{ ...platformsBuilt, value: 14 }] });
    const res = await http()
      .put(`${PROGRAMME}/nodes/2.1.3.1.i`)
      .set('If-Match', '"1"')
      .send({ ...content, reason: 'plan amendment' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    expect(res.body).toMatchObject({ plannedFundingCents: 6_900_000_000, targets: [{ value: 14 }], version: 2 });
    await refused(
      () =>
        http()
          .put(`${PROGRAMME}/nodes/2.1.3.1.i`)
          .set('If-Match', '"1"')
          .send({ ...content, reason: 'again' }),
      412,
    );
  });

  it('when money is a string, negative or fractional, it answers 422 naming the amount and stores nothing', async () => {
    for (const plannedFundingCents of ['7017792000', -1, 1.5]) {
      const res = await refused(
        () =>
          http()
            .post(`${PROGRAMME}/nodes`)
            .send(investment({ code: '2.1.4.1.i', plannedFundingCents })),
        422,
      );
      expect(pointers(res), String(plannedFundingCents)).toEqual(['/plannedFundingCents']);
    }
  });

  it('when a date is in the wrong format or not on the calendar, it answers 422 naming it and stores nothing', async () => {
    const wrongFormat = await refused(
      () =>
        http()
          .post(`${PROGRAMME}/nodes`)
          .send(investment({ code: '2.1.4.1.i', endDate: '31.08.2026' })),
      422,
    );
    expect(pointers(wrongFormat)).toEqual(['/endDate']);
    const notADay = await refused(
      () =>
        http()
          .post(`${PROGRAMME}/nodes`)
          .send(investment({ code: '2.1.4.1.i', targets: [{ ...platformsBuilt, dueDate: '2026-02-30' }] })),
      422,
    );
    expect(pointers(notADay)).toEqual(['/targets/0/dueDate']);
  });

  it('when the parent does not exist or may not hold the node, it answers 422 naming the parent and stores nothing', async () => {
    const unknown = await refused(
      () =>
        http()
          .post(`${PROGRAMME}/nodes`)
          .send(investment({ code: '2.9.1.1.i', parent: '2.9' })),
      422,
    );
    expect(unknown.body.errors).toEqual([{ in: 'body', pointer: '/parent', detail: 'no node 2.9 in ANM 2021-2026' }]);
    const misplaced = await refused(
      () =>
        http()
          .post(`${PROGRAMME}/nodes`)
          .send(investment({ code: '2.1.1.i', parent: '2' })),
      422,
    );
    expect(misplaced.body.errors).toEqual([
      { in: 'body', pointer: '/parent', detail: '2 is a component; an investment sits under a direction or a reform' },
    ]);
  });

  it('when a code is defined twice in the same programme and period it answers 409, but the same code in another period is a new node', async () => {
    await http()
      .post(`${PROGRAMME}/nodes`)
      .send(investment({ code: '2.1.5.1.i' }))
      .expect(201);
    const twice = await refused(
      () =>
        http()
          .post(`${PROGRAMME}/nodes`)
          .send(investment({ code: '2.1.5.1.i' })),
      409,
    );
    expect(twice.body).toMatchObject({ currentState: 'active', detail: 'Programme node 2.1.5.1.i in ANM 2021-2026 is already defined' });
    await http()
      .post('/programmes')
      .send(programme({ period: '2027-2030' }))
      .expect(201);
    await http().post('/programmes/ANM/2027-2030/nodes').send(component).expect(201);
    const again = await http()
      .post('/programmes/ANM/2027-2030/nodes')
      .send({ ...direction });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ programme: 'ANM', period: '2027-2030', code: '2.1', version: 1 });
  });

  it('when the programme does not exist, defining or listing its nodes answers 404', async () => {
    await refused(() => http().post('/programmes/ANM/2014-2020/nodes').send(component), 404);
    expect((await http().get('/programmes/ANM/2014-2020/nodes')).status).toBe(404);
    expect((await http().get(`${PROGRAMME}/nodes/9.9`)).status).toBe(404);
  });

  it('when a node is retired, it reads as retired and nothing new may be placed under it', async () => {
    await http()
      .post(`${PROGRAMME}/nodes`)
      .send(investment({ code: '2.1.6.1.i' }))
      .expect(201);
    const res = await http().post(`${PROGRAMME}/nodes/2.1.6.1.i/retire`).send({ reason: 'merged into 2.1.2.1.i' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'retired', retiredAt: expect.any(String), version: 2 });
    const round = { code: '2.1.6.1.i.1', kind: 'selection_round', parent: '2.1.6.1.i', name: { lv: '1. kārta', en: 'Round 1' } };
    const refusal = await refused(() => http().post(`${PROGRAMME}/nodes`).send(round), 422);
    expect(refusal.body.errors).toEqual([{ in: 'body', pointer: '/parent', detail: '2.1.6.1.i is retired' }]);
    await refused(() => http().post(`${PROGRAMME}/nodes/2.1.6.1.i/retire`).send({ reason: 'again' }), 409);
  });

  it('when a node definition is retried with the same Idempotency-Key, it gets the first answer and nothing new is stored', async () => {
    const send = () =>
      http()
        .post(`${PROGRAMME}/nodes`)
        .set('Idempotency-Key', 'node-2.1.7.1.i-01')
        .send(investment({ code: '2.1.7.1.i' }));
    const first = await send();
    const before = await eventCount(app);
    const retry = await send();
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount(app)).toBe(before);
  });
});
