import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';

/** An identity provider in miniature: its key set served on 127.0.0.1. */
async function serveJwks(keys: object[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url !== '/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, server };
}

const publicJwk = async (key: CryptoKey, kid: string, alg: string) => ({ ...(await exportJWK(key)), kid, alg, use: 'sig' });

let app: TestApp;
let idp: Server;
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  const served = await serveJwks([await publicJwk(rsa.publicKey, 'rsa-1', 'RS256'), await publicJwk(ec.publicKey, 'ec-1', 'ES256')]);
  idp = served.server;
  app = await createTestApp({ AUTH_JWT_SECRET: '', AUTH_JWKS_URL: served.url });
});
afterAll(async () => {
  await app.close();
  await new Promise((resolve) => idp.close(resolve));
});

const listStreams = (authorization: string) => request(app.service.app).get('/streams').set('Authorization', authorization);

describe('tokens from an identity provider (JWKS)', () => {
  it('when a token is signed RS256 with a key in the set, it is accepted', async () => {
    const res = await listStreams(bearer(await tokenFor({ roles: ['auditor'], key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' })));
    expect(res.status).toBe(200);
  });

  it('when a token is signed ES256 with a key in the set, it is accepted', async () => {
    const res = await listStreams(bearer(await tokenFor({ roles: ['auditor'], key: ec.privateKey, alg: 'ES256', kid: 'ec-1' })));
    expect(res.status).toBe(200);
  });

  it('when a token is signed by a key the set does not hold, it answers 401', async () => {
    const stranger = await generateKeyPair('RS256');
    const res = await listStreams(bearer(await tokenFor({ roles: ['auditor'], key: stranger.privateKey, alg: 'RS256', kid: 'rsa-9' })));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('the token is signed with a key this service does not know');
  });

  it('when a token borrows a known kid but another key signed it, it answers 401', async () => {
    const impostor = await generateKeyPair('RS256');
    const res = await listStreams(bearer(await tokenFor({ roles: ['auditor'], key: impostor.privateKey, alg: 'RS256', kid: 'rsa-1' })));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('the token signature does not verify');
  });

  it('when a token is HS256 "signed" with the public key (algorithm confusion), it answers 401', async () => {
    const publicPem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const res = await listStreams(bearer(await tokenFor({ roles: ['auditor'], key: publicPem, alg: 'HS256', kid: 'rsa-1' })));
    expect(res.status).toBe(401);
    expect(res.body.detail).toBe('the token is signed with an algorithm this service does not accept');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="grants", error="invalid_token"/);
  });

  it('when the key set cannot be fetched, it answers 503 rather than blaming the token', async () => {
    const gone = await serveJwks([]);
    await new Promise((resolve) => gone.server.close(resolve));
    const orphan = await createTestApp({ AUTH_JWT_SECRET: '', AUTH_JWKS_URL: gone.url, PROJECTIONS_ENABLED: 'false' });
    try {
      const token = await tokenFor({ roles: ['auditor'], key: rsa.privateKey, alg: 'RS256', kid: 'rsa-1' });
      const res = await request(orphan.service.app).get('/streams').set('Authorization', bearer(token));
      expect(res.status).toBe(503);
      expect(res.body.title).toBe('Authentication unavailable');
    } finally {
      await orphan.close();
    }
  });
});
