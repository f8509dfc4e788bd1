import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { PEOPLE, seededSuite } from '../support/seeded.js';

/*
 * The HTTP edge (src/http/hardening.ts, src/http/body.ts): security headers, CORS only for the
 * configured origins, compression, per-route body limits, the request timeout, and the rate limit
 * on the public open-data files.
 */

const PORTAL = 'https://portal.example.lv';
let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a), {
  CORS_ORIGINS: `${PORTAL}, https://admin.example.lv`,
  OPEN_DATA_RATE_LIMIT: '3',
  REQUEST_TIMEOUT_MS: '1000',
  BODY_LIMIT: '1kb',
});

let plain: TestApp;
beforeAll(async () => {
  plain = await createTestApp();
});
afterAll(() => plain?.close());

describe('the HTTP edge', () => {
  it('when anything is answered, it carries the security headers: a same-origin CSP, nosniff, no framing by other sites, no referrer, HSTS', async () => {
    for (const res of [
      await as('anna').get('/projects'),
      await request(app.service.app).get('/docs/'),
      await request(app.service.app).get('/health'),
    ]) {
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('when CORS_ORIGINS is not set, a page of another origin gets no CORS headers, on a preflight or a request', async () => {
    const preflight = await request(plain.service.app)
      .options('/projects')
      .set('Origin', PORTAL)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(plain.service.app).get('/health').set('Origin', PORTAL);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when CORS_ORIGINS lists an origin, its preflight is allowed with the API headers, its answers expose ETag and Location, and other origins get nothing', async () => {
    const preflight = await request(app.service.app)
      .options('/projects')
      .set('Origin', PORTAL)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,if-match,idempotency-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/If-Match/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    const get = await as('anna').get('/projects').set('Origin', PORTAL).expect(200);
    expect(get.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(get.headers['access-control-expose-headers']).toMatch(/ETag/);
    expect(get.headers['access-control-expose-headers']).toMatch(/Location/);
    const other = await as('anna').get('/projects').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when CORS_ORIGINS holds something that is not an origin, the configuration is refused naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: 'https://portal.example.lv/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: ' https://a.example.lv , http://localhost:5173 ' }).CORS_ORIGINS).toEqual([
      'https://a.example.lv',
      'http://localhost:5173',
    ]);
  });

  it('when the client accepts gzip, a large answer is compressed', async () => {
    const res = await request(app.service.app).get('/openapi.json').set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect((res.body as { openapi: string }).openapi).toMatch(/^3\.1/);
  });

  it('when a body is over BODY_LIMIT it is 413, but an operation that carries a document (a passport) takes up to BODY_LIMIT_LARGE', async () => {
    const fund = await as('janis')
      .post('/funds')
      .send({ code: 'BIG', name: { lv: 'x'.repeat(2000), en: 'y' } });
    expect(fund.status).toBe(413);
    expect(fund.body.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '' })]);
    const drafted = await as('anna')
      .post('/projects')
      .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient })
      .expect(201);
    expect(JSON.stringify(eAdrese.sections).length).toBeGreaterThan(1024);
    await as('anna')
      .patch(`/projects/${drafted.body.projectId as string}/passport`)
      .set('If-Match', drafted.headers.etag!)
      .send(eAdrese.sections)
      .expect(200);
  });

  it('when an answer is not ready within REQUEST_TIMEOUT_MS, it is 503 problem+json with Retry-After, and the service goes on answering', async () => {
    const blocker = await app.db.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table projects in access exclusive mode');
      const started = Date.now();
      const res = await as('anna').get('/projects');
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/timeout$/), status: 503 });
      expect(res.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }
    await new Promise((r) => setTimeout(r, 100));
    await as('anna').get('/projects').expect(200);
  });

  it('when the open-data files are asked for more than OPEN_DATA_RATE_LIMIT times a minute, the rest is 429 with Retry-After; the API is not limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app.service.app).get('/open-data/operations.csv')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await request(app.service.app).get('/open-data/rrf-top-recipients.csv');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await as('anna').get('/projects').expect(200);
  });
});
