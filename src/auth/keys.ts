import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

export type AuthConfig = Pick<Config, 'NODE_ENV' | 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL' | 'AUTH_DEV_SECRET_FILE'>;

/** What tokens are checked against: a shared HS256 secret, or an identity provider's key set. */
export type VerificationKey =
  { readonly kind: 'secret'; readonly secret: Uint8Array; readonly devFile?: string } | { readonly kind: 'jwks'; readonly url: URL };

/**
 * AUTH_JWT_SECRET, else AUTH_JWKS_URL, else (never in production) the development secret
 * file, made on first use so that `npm start` and `npm run token` work with no setup.
 */
export function resolveVerificationKey(config: AuthConfig): VerificationKey {
  if (config.AUTH_JWT_SECRET) return { kind: 'secret', secret: new TextEncoder().encode(config.AUTH_JWT_SECRET) };
  if (config.AUTH_JWKS_URL) return { kind: 'jwks', url: new URL(config.AUTH_JWKS_URL) };
  // loadConfig already refuses this; repeated because accepting dev tokens in production would be fatal.
  if (config.NODE_ENV === 'production') throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL must be set in production');
  const file = config.AUTH_DEV_SECRET_FILE;
  return { kind: 'secret', secret: new TextEncoder().encode(readOrCreateDevSecret(file)), devFile: file };
}

/** The secret development tokens are signed with; there is none when tokens come from a JWKS. */
export function signingSecret(config: AuthConfig): Uint8Array {
  const key = resolveVerificationKey(config);
  if (key.kind === 'jwks') {
    throw new Error(`tokens are verified against ${key.url}: get one from that identity provider, not from the local secret`);
  }
  return key.secret;
}

export function readOrCreateDevSecret(file: string): string {
  try {
    return checked(readFileSync(file, 'utf8').trim(), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx': if the service and `npm run token` race to create it, both end up with the winner's secret.
    writeFileSync(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return checked(readFileSync(file, 'utf8').trim(), file);
    throw err;
  }
}

function checked(secret: string, file: string): string {
  if (secret.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it and a new secret is made`);
  return secret;
}
