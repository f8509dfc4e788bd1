import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/verify.js';
import { TEST_JWT_SECRET } from '../support/auth.js';

const root = path.resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'token-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `npm run token` as a developer would, minus npm: the same script under tsx. */
async function token(args: string[], env: Record<string, string>) {
  const cleanEnv = { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...env };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], {
      cwd: root,
      env: cleanEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const verifierFor = (secret: string, expect: { AUTH_ISSUER?: string; AUTH_AUDIENCE?: string } = {}) =>
  createTokenVerifier({ kind: 'secret', secret: new TextEncoder().encode(secret) }, expect);

describe('npm run token', () => {
  it('when roles are given repeated and comma-separated, it prints one token the service accepts, with those claims', async () => {
    const env = { AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_ISSUER: 'https://idp.example.lv', AUTH_AUDIENCE: 'grants' };
    const run = await token(
      [
        '--role',
        'beneficiary,officer',
        '--role',
        'council',
        '--org',
        '90000012345',
        '--sub',
        'anna',
        '--name',
        'Anna Bērziņa',
        '--ttl',
        '2h',
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('.')).toHaveLength(3);
    const principal = await verifierFor(TEST_JWT_SECRET, env)(run.stdout.trim());
    expect(principal).toEqual({
      id: 'anna',
      name: 'Anna Bērziņa',
      organisation: '90000012345',
      roles: ['beneficiary', 'officer', 'council'],
    });
  });

  it('when no secret is configured, it signs with the development secret file the service would use, making it if needed', async () => {
    const file = path.join(scratch, 'dev-jwt-secret');
    const run = await token(['--role', 'admin', '--org', '90000012345', '--sub', 'ilze'], { AUTH_DEV_SECRET_FILE: file });
    expect(run.code).toBe(0);
    const principal = await verifierFor(readFileSync(file, 'utf8').trim())(run.stdout.trim());
    expect(principal).toMatchObject({ id: 'ilze', name: 'ilze', roles: ['admin'] });
  });

  it('when a role is unknown or the organisation is not 11 digits, it prints nothing to stdout, explains on stderr and exits 2', async () => {
    const env = { AUTH_JWT_SECRET: TEST_JWT_SECRET };
    const badRole = await token(['--role', 'superuser', '--org', '90000012345', '--sub', 'x'], env);
    expect(badRole).toMatchObject({ code: 2, stdout: '' });
    expect(badRole.stderr).toMatch(/unknown role\(s\): superuser/);
    const badOrg = await token(['--role', 'admin', '--org', '1234', '--sub', 'x'], env);
    expect(badOrg).toMatchObject({ code: 2, stdout: '' });
    expect(badOrg.stderr).toMatch(/--org must be an 11-digit registration number/);
  });
});
