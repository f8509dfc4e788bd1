import { SignJWT } from 'jose';

/** What a development token says about its holder: the same claims the service reads. */
export interface TokenClaims {
  readonly sub: string;
  readonly name: string;
  readonly org: string;
  readonly roles: readonly string[];
}

export interface SignOptions {
  /** Lifetime as jose reads a time span, e.g. `8h`, `30m`, `90s`. */
  readonly ttl?: string;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

/** Signs an HS256 token with the local secret, as `npm run token` hands out. */
export function signToken(claims: TokenClaims, secret: Uint8Array, options: SignOptions = {}): Promise<string> {
  const { sub, ...rest } = claims;
  const jwt = new SignJWT({ ...rest, roles: [...rest.roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? '8h');
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(secret);
}
