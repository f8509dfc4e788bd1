import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, eventCount, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';

let app: TestApp;
let adminToken: string;
beforeAll(async () => {
  app = await createTestApp({ BODY_LIMIT: '2kb' });
  adminToken = await tokenFor({ roles: ['admin'], sub: 'ilze.kalnina', org: '90000099999' });
});
afterAll(() => app.close());

/** Every call here is made by an admin; who may call what is test/http/access-matrix.spec.ts's job. */
const asAdmin = (target: TestApp['service']['app']) => request.agent(target).set('Authorization', bearer(adminToken));
const http = () => asAdmin(app.service.app);
const PROBLEM = /application\/problem\+json/;

const rrf = (overrides: Record<string, unknown> = {}) => ({
  code: 'RRF',
  name: { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' },
  kind: 'eu',
  ...overrides,
});

describe('HTTP edge', () => {
  it('when a fund is registered, it answers 201 with the fund, its ETag and Location, and the event carries the request id', async () => {
    const res = await http()
      .post('/funds')
      .set('X-Request-Id', 'req-erdf-0001')
      .send(rrf({ code: 'ERDF', name: { lv: 'Eiropas Reģionālās attīstības fonds', en: 'European Regional Development Fund' } }));
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.headers.location).toBe('/funds/ERDF');
    expect(res.headers['x-request-id']).toBe('req-erdf-0001');
    expect(res.body).toMatchObject({ code: 'ERDF', status: 'active', version: 1 });
    const [event] = await app.service.context.store.readStream('fund-ERDF');
    expect(event!.metadata).toMatchObject({ requestId: 'req-erdf-0001', correlationId: 'req-erdf-0001', causationId: null });
    expect(event!.type).toBe('FundRegistered.v1');
  });

  describe('who acted', () => {
    it("when a fund is registered, its event metadata carries the token's sub and org and the role the call was allowed under", async () => {
      const token = await tokenFor({ roles: ['auditor', 'admin'], sub: 'maris.ozols', org: '90000011111' });
      await request(app.service.app)
        .post('/funds')
        .set('Authorization', bearer(token))
        .send(rrf({ code: 'EMFAF' }))
        .expect(201);
      const [event] = await app.service.context.store.readStream('fund-EMFAF');
      // auditor comes first in the token but may not register funds: the call was allowed as admin.
      expect(event!.metadata).toMatchObject({
        actor: 'maris.ozols',
        organisation: '90000011111',
        role: 'admin',
        roles: ['auditor', 'admin'],
      });
    });

    it('when the body tries to name the actor, organisation or role, it answers 422 naming those fields and nothing is stored', async () => {
      const before = await eventCount(app);
      const res = await http()
        .post('/funds')
        .send(rrf({ code: 'AMIF', actor: 'mallory', organisation: '90000000666', role: 'admin' }));
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/actor', '/organisation', '/role']);
      expect(await eventCount(app)).toBe(before);
      expect(await app.service.context.store.readStream('fund-AMIF')).toEqual([]);
    });
  });

  it('when the body is not valid JSON, it answers 400 problem+json and appends nothing', async () => {
    const before = await eventCount(app);
    const res = await http().post('/funds').set('Content-Type', 'application/json').send('{"code": "RRF",');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 400, title: 'Malformed request' });
    expect(await eventCount(app)).toBe(before);
  });

  it('when fields are wrong, unknown or missing, it answers 422 listing every one of them and appends nothing', async () => {
    const before = await eventCount(app);
    const res = await http()
      .post('/funds')
      .send({ code: 'rrf', name: { lv: '' }, kind: 'loan', extra: true });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer).sort();
    expect(pointers).toEqual(['/code', '/extra', '/kind', '/name/en', '/name/lv']);
    expect(res.body.errors.find((e: { pointer: string }) => e.pointer === '/kind').detail).toMatch(/eu, national, private/);
    expect(await eventCount(app)).toBe(before);
  });

  it('when a field has the wrong type, it answers 422 naming it', async () => {
    const res = await http()
      .post('/funds')
      .send(rrf({ code: 'CF', kind: 7 }));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/kind']);
  });

  it('when the body is larger than allowed, it answers 413 problem+json and appends nothing', async () => {
    const before = await eventCount(app);
    const res = await http()
      .post('/funds')
      .send(rrf({ name: { lv: 'x'.repeat(5000), en: 'y' } }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(await eventCount(app)).toBe(before);
  });

  it('when the body is not JSON, it answers 415', async () => {
    const res = await http().post('/funds').set('Content-Type', 'text/plain').send('code=RRF');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('when a route does not exist, it answers 404 problem+json, not HTML', async () => {
    const res = await http().get('/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.detail).toBe('No route for GET /no-such-thing');
  });

  it('when a fund that does not exist is read or changed, it answers 404', async () => {
    expect((await http().get('/funds/NOPE')).status).toBe(404);
    const res = await http().post('/funds/NOPE/retire').send({ reason: 'test' });
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('Fund NOPE does not exist');
  });

  it('when the same fund is registered twice, the second answers 409 naming the state', async () => {
    await http()
      .post('/funds')
      .send(rrf({ code: 'ESF+' }))
      .expect(201);
    const res = await http()
      .post('/funds')
      .send(rrf({ code: 'ESF+' }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ currentState: 'active', detail: 'Fund ESF+ is already registered' });
  });

  describe('idempotency', () => {
    it('when a request is retried with the same Idempotency-Key, it gets the first answer and nothing new is stored', async () => {
      const first = await http()
        .post('/funds')
        .set('Idempotency-Key', 'key-state-budget-1')
        .send(rrf({ code: 'STATE', kind: 'national' }));
      const before = await eventCount(app);
      const retry = await http()
        .post('/funds')
        .set('Idempotency-Key', 'key-state-budget-1')
        .send(rrf({ code: 'STATE', kind: 'national' }));
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await eventCount(app)).toBe(before);
    });

    it('when an Idempotency-Key is replayed with a different body, it answers 422 and stores nothing', async () => {
      await http()
        .post('/funds')
        .set('Idempotency-Key', 'key-dep-00001')
        .send(rrf({ code: 'DEP' }))
        .expect(201);
      const before = await eventCount(app);
      const res = await http()
        .post('/funds')
        .set('Idempotency-Key', 'key-dep-00001')
        .send(rrf({ code: 'CEF' }));
      expect(res.status).toBe(422);
      expect(res.body.title).toBe('Idempotency key reused');
      expect(await eventCount(app)).toBe(before);
    });

    it('when another caller sends the same Idempotency-Key, it is not a replay of the first caller’s request but a request of its own', async () => {
      await http()
        .post('/funds')
        .set('Idempotency-Key', 'key-shared-0001')
        .send(rrf({ code: 'IF' }))
        .expect(201);
      const other = await tokenFor({ roles: ['admin'], sub: 'maris.ozols', org: '90000011111' });
      const before = await eventCount(app);
      const res = await request(app.service.app)
        .post('/funds')
        .set('Authorization', bearer(other))
        .set('Idempotency-Key', 'key-shared-0001')
        .send(rrf({ code: 'BMVI' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
      expect(res.body).toMatchObject({ code: 'BMVI' });
      expect(await eventCount(app)).toBe(before + 1);
      const [event] = await app.service.context.store.readStream('fund-BMVI');
      expect(event!.metadata).toMatchObject({ actor: 'maris.ozols' });
    });

    it('when the Idempotency-Key is malformed, it answers 422 naming the header', async () => {
      const res = await http()
        .post('/funds')
        .set('Idempotency-Key', 'x')
        .send(rrf({ code: 'JTF' }));
      expect(res.status).toBe(422);
      expect(res.body.errors[0]).toMatchObject({ in: 'request', pointer: '/Idempotency-Key' });
    });
  });

  describe('optimistic concurrency', () => {
    it('when If-Match carries the current version, the change is applied and the ETag moves on', async () => {
      const created = await http()
        .post('/funds')
        .send(rrf({ code: 'CEF' }))
        .expect(201);
      const res = await http()
        .put('/funds/CEF/name')
        .set('If-Match', created.headers.etag!)
        .send({
          name: { lv: 'Eiropas infrastruktūras savienošanas instruments', en: 'Connecting Europe Facility' },
          reason: 'official name',
        });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body.name.en).toBe('Connecting Europe Facility');
    });

    it('when If-Match is stale, it answers 412 with expected and actual version and appends nothing', async () => {
      await http()
        .post('/funds')
        .send(rrf({ code: 'CF' }))
        .expect(201);
      await http().post('/funds/CF/retire').send({ reason: 'merged' }).expect(200);
      const before = await eventCount(app);
      const res = await http()
        .put('/funds/CF/name')
        .set('If-Match', '"1"')
        .send({ name: { lv: 'KF', en: 'CF' }, reason: 'x' });
      expect(res.status).toBe(412);
      expect(res.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(await eventCount(app)).toBe(before);
    });

    it('when a change comes without If-Match, it answers 428 naming the header and appends nothing', async () => {
      await http()
        .post('/funds')
        .send(rrf({ code: 'EGF' }))
        .expect(201);
      const before = await eventCount(app);
      const res = await http()
        .put('/funds/EGF/name')
        .send({ name: { lv: 'EGF', en: 'European Globalisation Adjustment Fund' }, reason: 'official name' });
      expect(res.status).toBe(428);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({
        type: 'https://grants.example.lv/problems/precondition-required',
        title: 'Precondition required',
        errors: [expect.objectContaining({ in: 'header', pointer: '/If-Match' })],
      });
      expect(await eventCount(app)).toBe(before);
    });

    it('when changes race on the same If-Match, exactly one wins and every other gets 412 or 409 naming both versions', async () => {
      const created = await http()
        .post('/funds')
        .send(rrf({ code: 'EAFRD' }))
        .expect(201);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          http()
            .put('/funds/EAFRD/name')
            .set('If-Match', created.headers.etag!)
            .send({ name: { lv: `ELFLA ${i}`, en: `EAFRD ${i}` }, reason: `rename ${i}` }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      const losers = results.filter((r) => r.status !== 200);
      for (const loser of losers) {
        expect([409, 412], JSON.stringify(loser.body)).toContain(loser.status);
        expect(loser.headers['content-type']).toMatch(PROBLEM);
        // Refused before deciding (412: another change was stored first) or at the append (409: both read version 1).
        expect(loser.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      }
      const events = await app.service.context.store.readStream('fund-EAFRD');
      expect(events).toHaveLength(2);
      const winner = results.find((r) => r.status === 200)!;
      expect(winner.headers.etag).toBe('"2"');
      expect(events[1]!.data).toMatchObject({ name: winner.body.name });
    });
  });

  describe('operations', () => {
    it('when the database is up and projections have caught up, /ready answers 200 and /health answers ok', async () => {
      expect((await http().get('/health')).body).toEqual({ status: 'ok' });
      await app.service.context.projections.catchUp();
      const res = await http().get('/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ready', database: 'up', reasons: [] });
      const catalogue = res.body.projections.find((p: { projection: string }) => p.projection === 'stream_catalogue');
      expect(catalogue).toMatchObject({ status: 'active', behind: 0 });
      expect(res.body.projections.every((p: { behind: number }) => p.behind === 0)).toBe(true);
    });

    it('when the event log is ahead of a projection beyond the allowed lag, /ready answers 503 naming it', async () => {
      const strict = await createTestApp({ READY_MAX_LAG_EVENTS: '0', PROJECTIONS_ENABLED: 'false' });
      try {
        await asAdmin(strict.service.app).post('/funds').send(rrf()).expect(201);
        const res = await request(strict.service.app).get('/ready');
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 503, title: 'Not ready' });
        expect(res.body.detail).toContain('projection stream_catalogue is 1 events behind');
        expect(res.body.readiness.reasons).toContain('projection stream_catalogue is 1 events behind');
        // The workflow process manager's lag is shown but does not decide readiness.
        expect(res.body.readiness.workflows).toMatchObject({ name: 'workflows', behind: 1 });
        expect(res.body.readiness.reasons.filter((r: string) => r.includes('workflow'))).toEqual([]);
        await strict.service.workflows.catchUp();
        expect((await request(strict.service.app).get('/ready')).body.readiness.workflows).toMatchObject({ behind: 0 });
      } finally {
        await strict.close();
      }
    });

    it('when the generation serving a projection was built by other code than is running, /ready answers 503 until the new one takes over', async () => {
      await app.service.context.projections.catchUp();
      await app.service.context.pool.query(
        `update projection_generations set code_version = code_version - 1 where projection = 'stream_catalogue' and status = 'active'`,
      );
      try {
        const res = await http().get('/ready');
        expect(res.status).toBe(503);
        expect(res.body.readiness.reasons).toEqual([
          expect.stringMatching(
            /^projection stream_catalogue is being rebuilt for code version \d+; the generation serving it was built by version \d+$/,
          ),
        ]);
      } finally {
        await app.service.context.pool.query(
          `update projection_generations set code_version = code_version + 1 where projection = 'stream_catalogue' and status = 'active'`,
        );
      }
      expect((await http().get('/ready')).status).toBe(200);
    });

    it('when a stream is written, the catalogue lists it, and a rebuild is accepted and keeps serving', async () => {
      await app.service.context.projections.catchUp();
      const list = await http().get('/streams').query({ streamType: 'fund' });
      expect(list.status).toBe(200);
      expect(list.body.items.map((i: { streamId: string }) => i.streamId)).toContain('fund-ERDF');
      const rebuild = await http().post('/projections/stream_catalogue/rebuild');
      expect(rebuild.status).toBe(202);
      expect(rebuild.body).toMatchObject({ projection: 'stream_catalogue', status: 'building' });
      expect((await http().get('/streams/fund-ERDF')).body).toMatchObject({ version: 1, streamType: 'fund' });
      expect((await http().post('/projections/nope/rebuild')).status).toBe(404);
    });

    it('when /docs and /openapi.json are fetched, they serve the interactive UI and the spec', async () => {
      const docs = await http().get('/docs/');
      expect(docs.status).toBe(200);
      expect(docs.text).toContain('swagger-ui');
      const spec = await http().get('/openapi.json');
      expect(spec.body.openapi).toMatch(/^3\./);
      expect(Object.keys(spec.body.paths)).toContain('/funds');
    });
  });
});
