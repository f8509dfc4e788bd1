import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type Request } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Forbidden, Unauthenticated } from '../../src/auth/errors.js';
import { expressAuthentication, installAuthentication } from '../../src/auth/express.js';
import { resolveVerificationKey } from '../../src/auth/keys.js';
import { loadConfig } from '../../src/config.js';
import { metadataOf } from '../../src/application/caller.js';
import { callerOf } from '../../src/http/caller.js';
import { bearer, TEST_JWT_SECRET, tokenFor } from '../support/auth.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auth-keys-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'dev-jwt-secret');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('development secret', () => {
  it('when neither a secret nor a JWKS URL is set, a secret is made once into the file, readable only by the owner, and reused', () => {
    const file = tempFile();
    const config = loadConfig({ NODE_ENV: 'development', AUTH_DEV_SECRET_FILE: file });
    const first = resolveVerificationKey(config);
    const second = resolveVerificationKey(config);
    expect(first).toMatchObject({ kind: 'secret', devFile: file });
    expect(second).toEqual(first);
    expect(readFileSync(file, 'utf8').trim()).toHaveLength(43);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('when the service starts on the development secret, it warns that development tokens are accepted', () => {
    const warn = vi.fn();
    installAuthentication(express(), loadConfig({ NODE_ENV: 'development', AUTH_DEV_SECRET_FILE: tempFile() }), { warn });
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![1]).toMatch(/accepting development tokens/);
  });

  it('when AUTH_JWT_SECRET is set, it is used, no file is made and nothing is warned', () => {
    const file = tempFile();
    const warn = vi.fn();
    const config = loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_DEV_SECRET_FILE: file });
    installAuthentication(express(), config, { warn });
    expect(resolveVerificationKey(config)).toEqual({ kind: 'secret', secret: new TextEncoder().encode(TEST_JWT_SECRET) });
    expect(() => statSync(file)).toThrow();
    expect(warn).not.toHaveBeenCalled();
  });

  it('when the secret file holds too short a secret, it refuses it and says how to recover', () => {
    const file = tempFile();
    resolveVerificationKey(loadConfig({ AUTH_DEV_SECRET_FILE: file }));
    writeFileSync(file, 'tiny\n');
    expect(() => resolveVerificationKey(loadConfig({ AUTH_DEV_SECRET_FILE: file }))).toThrow(/delete it/);
  });

  it('when the config claims production without keys, the development secret is still never used', () => {
    const config = { ...loadConfig({}), NODE_ENV: 'production' as const };
    expect(() => resolveVerificationKey(config)).toThrow(/must be set in production/);
  });
});

describe('which role a call is allowed under', () => {
  const app = express();
  installAuthentication(app, loadConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET }), { warn: () => {} });
  const requestWith = (authorization?: string) =>
    ({ app, header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined) }) as unknown as Request;
  const authenticate = async (roles: string[], scopes: string[]) =>
    expressAuthentication(requestWith(bearer(await tokenFor({ roles }))), 'jwt', scopes);

  it("when the user holds several roles the route accepts, the first of the user's roles is the one acted in", async () => {
    expect((await authenticate(['officer', 'approver'], ['approver', 'officer'])).role).toBe('officer');
    expect((await authenticate(['council', 'auditor', 'admin'], ['admin', 'auditor'])).role).toBe('auditor');
  });

  it('when the token carries roles this service does not know, they are ignored rather than trusted', async () => {
    const user = await authenticate(['superuser', 'council'], ['council']);
    expect(user).toMatchObject({ roles: ['council'], role: 'council', id: 'anna.berzina', organisation: '90000012345' });
  });

  it("when none of the user's roles is accepted, or the route names no role, it is Forbidden", async () => {
    await expect(authenticate(['beneficiary'], ['admin'])).rejects.toThrow(Forbidden);
    await expect(authenticate(['admin'], [])).rejects.toThrow(Forbidden);
  });

  it('when no Authorization header or another scheme is sent, it is Unauthenticated, saying whether a credential came', async () => {
    await expect(expressAuthentication(requestWith(), 'jwt', ['admin'])).rejects.toMatchObject({ tokenPresented: false });
    await expect(expressAuthentication(requestWith('Basic YW5uYTpzZWNyZXQ='), 'jwt', ['admin'])).rejects.toThrow(Unauthenticated);
  });
});

describe('event metadata from the principal', () => {
  const requestAs = (user?: object) =>
    ({ method: 'POST', path: '/funds', id: 'req-1', user, header: () => undefined }) as unknown as Request;

  it('when a principal is set, actor, organisation and role are taken from it alone', () => {
    const user = { id: 'anna', name: 'Anna', organisation: '90000012345', roles: ['council', 'admin'], role: 'admin' };
    expect(metadataOf(callerOf(requestAs(user)))).toEqual({
      actor: 'anna',
      organisation: '90000012345',
      role: 'admin',
      roles: ['council', 'admin'],
      correlationId: 'req-1',
      causationId: null,
      requestId: 'req-1',
    });
  });

  it('when no principal is set, it refuses rather than write an anonymous event', () => {
    expect(() => callerOf(requestAs())).toThrow(/not authenticated/);
  });
});
