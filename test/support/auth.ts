import { SignJWT, type CryptoKey } from 'jose';

/** The HS256 secret every test app is started with (see createTestApp). */
export const TEST_JWT_SECRET = 'test-only-secret-never-deployed-0123456789';

export interface TokenFor {
  roles?: string[];
  /** Organisation registration number. */
  org?: string;
  sub?: string;
  name?: string;
  /** Claims to leave out, to test a token that lacks them. */
  without?: ('sub' | 'name' | 'org' | 'roles')[];
  /** Expiry as epoch seconds, or a span jose reads (default one hour). */
  expiresAt?: number | string;
  /** Not before, as epoch seconds. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
  /** Signing key and algorithm; HS256 with the test secret unless given. */
  key?: CryptoKey | Uint8Array;
  alg?: 'HS256' | 'RS256' | 'ES256';
  kid?: string;
}

/** A signed token; every claim has a plausible default so the one that matters stands out. */
export async function tokenFor({
  roles = ['admin'],
  org = '90000012345',
  sub = 'anna.berzina',
  name = 'Anna Bērziņa',
  without = [],
  expiresAt = '1h',
  notBefore,
  issuer,
  audience,
  key = new TextEncoder().encode(TEST_JWT_SECRET),
  alg = 'HS256',
  kid,
}: TokenFor = {}): Promise<string> {
  const claims: Record<string, unknown> = { name, org, roles };
  for (const claim of without) delete claims[claim];
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuedAt()
    .setExpirationTime(expiresAt);
  if (!without.includes('sub')) jwt.setSubject(sub);
  if (notBefore !== undefined) jwt.setNotBefore(notBefore);
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  return jwt.sign(key);
}

export const bearer = (token: string): string => `Bearer ${token}`;
