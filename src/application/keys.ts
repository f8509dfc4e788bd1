import { hkdfSync } from 'node:crypto';
import { readOrCreateDevSecret } from '../auth/keys.js';
import type { Config } from '../config.js';

/** What the keys are derived from (src/config.ts). */
export type KeyConfig = Pick<Config, 'NODE_ENV' | 'CURSOR_SECRET' | 'AUTH_JWT_SECRET' | 'AUTH_DEV_SECRET_FILE'>;

/** The service's own HMAC keys: one per use, so a value signed for one use is never valid for another. */
export interface ServiceKeys {
  /** Signs cursors (src/application/cursor.ts). */
  readonly cursor: Buffer;
  /** Makes the alert ids a beneficiary sees (src/application/alert-audience.ts). */
  readonly alertId: Buffer;
}

const derived = new WeakMap<KeyConfig, ServiceKeys>();

/**
 * The keys, derived (HKDF-SHA256) once per configuration from CURSOR_SECRET, else from
 * AUTH_JWT_SECRET (a separate label keeps them apart from the token key), else, outside
 * production only, from the development secret file: stable across restarts, so a client's
 * cursor survives one. Production without either is refused by loadConfig.
 */
export function serviceKeys(config: KeyConfig): ServiceKeys {
  const known = derived.get(config);
  if (known) return known;
  const secret = config.CURSOR_SECRET ?? config.AUTH_JWT_SECRET ?? devSecret(config);
  const key = (use: string) => Buffer.from(hkdfSync('sha256', secret, 'grants-service-keys', use, 32));
  const keys = { cursor: key('cursor.v1'), alertId: key('alert-id.v1') };
  derived.set(config, keys);
  return keys;
}

function devSecret(config: KeyConfig): string {
  // loadConfig already refuses this; repeated because a guessable key in production would make cursors forgeable.
  if (config.NODE_ENV === 'production') throw new Error('CURSOR_SECRET or AUTH_JWT_SECRET must be set in production');
  return readOrCreateDevSecret(config.AUTH_DEV_SECRET_FILE);
}
