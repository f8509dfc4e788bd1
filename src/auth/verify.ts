import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { AuthenticationUnavailable, Unauthenticated } from './errors.js';
import type { VerificationKey } from './keys.js';
import { isRole, ORGANISATION_NUMBER, type Principal } from './principal.js';

export type TokenVerifier = (token: string) => Promise<Principal>;

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  org: z.string().regex(ORGANISATION_NUMBER, 'must be an 11-digit registration number'),
  roles: z.array(z.string()),
});

/**
 * Checks signature, algorithm, time and (when configured) issuer and audience, then the
 * claims this service needs. The algorithms are listed explicitly, so `alg: none` and
 * algorithm confusion (an HS256 token "signed" with a public key) are refused.
 */
export function createTokenVerifier(
  key: VerificationKey,
  expect: { AUTH_ISSUER?: string | undefined; AUTH_AUDIENCE?: string | undefined },
): TokenVerifier {
  const options: JWTVerifyOptions = {
    algorithms: key.kind === 'secret' ? ['HS256'] : ['RS256', 'ES256'],
    // A token that never expires would outlive every revocation.
    requiredClaims: ['exp'],
    // Issuers' clocks drift a little from ours.
    clockTolerance: 30,
    ...(expect.AUTH_ISSUER ? { issuer: expect.AUTH_ISSUER } : {}),
    ...(expect.AUTH_AUDIENCE ? { audience: expect.AUTH_AUDIENCE } : {}),
  };
  const jwks = key.kind === 'jwks' ? createRemoteJWKSet(key.url) : undefined;
  const verify = (token: string) => (key.kind === 'secret' ? jwtVerify(token, key.secret, options) : jwtVerify(token, jwks!, options));

  // Tokens already verified, until they expire or a minute has passed: a client sends the same
  // token with every request, and an HMAC or RSA check per request (twice for a write with an
  // Idempotency-Key, whose scope is the user) was a good part of a submission's time.
  const verified = new Map<string, { principal: Principal; until: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known && Date.now() <= known.until) return known.principal;
    const principal = await verifyOnce(token);
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(token, { principal, until: Math.min(Date.now() + VERIFIED_FOR_MS, expiresAt(token)) });
    return principal;
  };

  async function verifyOnce(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (err) {
      throw refusal(err, key.kind);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0]!;
      const claim = String(issue.path[0]);
      const reason = payload[claim] === undefined ? `the token has no ${claim} claim` : `the token's ${claim} claim ${issue.message}`;
      throw new Unauthenticated(reason, true);
    }
    const { sub, name, org, roles } = claims.data;
    return { id: sub, name, organisation: org, roles: roles.filter(isRole) };
  }
}

/** How many verified tokens are kept, and for how long at most (a key set's rotation or revocation is seen within it). */
const MAX_VERIFIED = 10_000;
const VERIFIED_FOR_MS = 60_000;

/** Until when a verified token is taken from the cache: its `exp` (verification requires one); after it, it is verified again (and refused beyond the clock tolerance). */
function expiresAt(token: string): number {
  const { exp } = decodeJwt(token);
  return typeof exp === 'number' ? exp * 1000 : 0;
}

/** Says why a token was refused, without echoing the token back. */
function refusal(err: unknown, keyKind: VerificationKey['kind']): unknown {
  if (!(err instanceof errors.JOSEError)) return keyKind === 'jwks' ? new AuthenticationUnavailable(err) : err;
  // jose reports an unreachable or broken key set as a timeout, an invalid set, or its generic error.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === 'ERR_JOSE_GENERIC') {
    return new AuthenticationUnavailable(err);
  }
  if (err instanceof errors.JWTExpired) return new Unauthenticated('the token has expired', true);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new Unauthenticated('the token is not valid yet', true);
    if (err.claim === 'iss') return new Unauthenticated('the token comes from an issuer this service does not accept', true);
    if (err.claim === 'aud') return new Unauthenticated('the token is meant for another audience', true);
    if (err.reason === 'missing') return new Unauthenticated(`the token has no ${err.claim} claim`, true);
    return new Unauthenticated(`the token's ${err.claim} claim is invalid`, true);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new Unauthenticated('the token is signed with an algorithm this service does not accept', true);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return new Unauthenticated('the token signature does not verify', true);
  if (err instanceof errors.JWKSNoMatchingKey)
    return new Unauthenticated('the token is signed with a key this service does not know', true);
  return new Unauthenticated('the token is malformed', true);
}
