import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, eventCount, type TestApp } from '../support/app.js';
import { bearer, tokenFor, type TokenFor } from '../support/auth.js';

const ISSUER = 'https://idp.grants.example.lv';
const AUDIENCE = 'grants-backend';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
});
afterAll(() => app.close());

const PROBLEM = /application\/problem\+json/;
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token an admin would get from the configured issuer; each case spoils one thing. */
const token = (overrides: TokenFor = {}) => tokenFor({ roles: ['admin'], issuer: ISSUER, audience: AUDIENCE, ...overrides });
const register = (authorization?: string) => {
  const req = request(app.service.app).post('/funds');
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send({ code: 'RRF', name: { lv: 'Atveseļošanas fonds', en: 'Recovery fund' }, kind: 'eu' });
};

describe('authentication', () => {
  it('when the token is valid, the write goes through as usual', async () => {
    const res = await register(bearer(await token()));
    expect(res.status).toBe(201);
  });

  it('when no token is sent, it answers 401 problem+json with a bare Bearer challenge and appends nothing', async () => {
    const before = await eventCount(app);
    const res = await register();
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="grants"');
    expect(res.body).toMatchObject({ status: 401, title: 'Authentication required', detail: 'send Authorization: Bearer <token>' });
    expect(await eventCount(app)).toBe(before);
  });

  const refused: [string, () => Promise<string>, string][] = [
    ['the token has expired', async () => bearer(await token({ expiresAt: now() - 120 })), 'the token has expired'],
    ['the token is not valid yet', async () => bearer(await token({ notBefore: now() + 3600 })), 'the token is not valid yet'],
    [
      'the token is signed with another secret',
      async () => bearer(await token({ key: new TextEncoder().encode('another-secret-of-at-least-32-characters') })),
      'the token signature does not verify',
    ],
    [
      'the token says alg none and carries no signature',
      () =>
        Promise.resolve(
          bearer(
            `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', name: 'M', org: '90000012345', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`,
          ),
        ),
      'the token is signed with an algorithm this service does not accept',
    ],
    ['the token is not a JWT at all', () => Promise.resolve('Bearer not-a-jwt'), 'the token is malformed'],
    ['the token has three parts of garbage', () => Promise.resolve('Bearer abc.def.ghi'), 'the token is malformed'],
    [
      'the Authorization header uses another scheme',
      () => Promise.resolve('Basic YWRtaW46YWRtaW4='),
      'the Authorization header must be Bearer followed by a token',
    ],
    ['the token has no org claim', async () => bearer(await token({ without: ['org'] })), 'the token has no org claim'],
    ['the token has no sub claim', async () => bearer(await token({ without: ['sub'] })), 'the token has no sub claim'],
    ['the token has no roles claim', async () => bearer(await token({ without: ['roles'] })), 'the token has no roles claim'],
    [
      'the org claim is not a registration number',
      async () => bearer(await token({ org: '4000300000' })),
      "the token's org claim must be an 11-digit registration number",
    ],
    [
      'the token comes from another issuer',
      async () => bearer(await token({ issuer: 'https://evil.example' })),
      'the token comes from an issuer this service does not accept',
    ],
    [
      'the token is meant for another audience',
      async () => bearer(await token({ audience: 'payments' })),
      'the token is meant for another audience',
    ],
  ];

  it.each(refused)(
    'when %s, it answers 401 problem+json saying so with an invalid_token challenge, and appends nothing',
    async (_situation, authorization, detail) => {
      const before = await eventCount(app);
      const res = await register(await authorization());
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.body).toMatchObject({ status: 401, title: 'Authentication required', detail, instance: '/funds' });
      expect(res.headers['www-authenticate']).toBe(
        `Bearer realm="grants", error="invalid_token", error_description="${detail.replace(/"/g, '')}"`,
      );
      expect(await eventCount(app)).toBe(before);
    },
  );

  it('when a valid token lacks the role, it answers 403 problem+json naming the roles that may, and appends nothing', async () => {
    const before = await eventCount(app);
    const res = await register(bearer(await token({ roles: ['beneficiary', 'council'] })));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status: 403,
      allowedRoles: ['admin'],
      detail: 'this operation needs one of the roles admin; the token holds beneficiary, council',
    });
    expect(await eventCount(app)).toBe(before);
  });
});
