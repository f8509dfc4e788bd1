/**
 * Access errors. They know nothing of HTTP; src/http/problem.ts answers them
 * (401 with a Bearer challenge, 403, 503).
 */

/** No usable credentials: none sent, malformed, expired, not yet valid, or not signed by a trusted key. */
export class Unauthenticated extends Error {
  constructor(
    readonly reason: string,
    /** False when no token came at all: then the challenge names no error (RFC 6750 §3.1). */
    readonly tokenPresented: boolean,
  ) {
    super(reason);
    this.name = 'Unauthenticated';
  }
}

/** The caller is known, but none of its roles may do this. */
export class Forbidden extends Error {
  constructor(
    readonly allowedRoles: readonly string[],
    readonly heldRoles: readonly string[],
  ) {
    super(
      `this operation needs one of the roles ${allowedRoles.join(', ') || '(none)'}; the token holds ${heldRoles.join(', ') || 'no role of this service'}`,
    );
    this.name = 'Forbidden';
  }
}

/** The keys to check tokens with cannot be fetched: the token may be fine, so this is not a 401. */
export class AuthenticationUnavailable extends Error {
  constructor(cause: unknown) {
    super("the identity provider's key set could not be fetched", { cause });
    this.name = 'AuthenticationUnavailable';
  }
}
