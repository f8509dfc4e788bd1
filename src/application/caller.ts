import type { AuthenticatedUser } from '../auth/principal.js';
import type { EventMetadata } from '../eventstore/port.js';

/** A client-chosen key that makes a write safe to retry, scoped to the caller, and the request it was first used for. */
export interface Idempotency {
  /** `<user id>:<Idempotency-Key>`: the same key of two callers never meets. */
  readonly key: string;
  /** What the request was: method, path and body. The same key with another request is refused. */
  readonly fingerprint: string;
}

/**
 * Who is calling the application and with what promises: the authenticated user (role and
 * organisation decide what they may reach), the request's tracing ids, and the two
 * preconditions every write honours, If-Match and Idempotency-Key.
 */
export interface Caller {
  readonly user: AuthenticatedUser;
  readonly requestId: string;
  /** Groups every event of one business operation, across streams; the request id unless the client sent one. */
  readonly correlationId: string;
  /** The event that caused this command (a workflow's follow-up step); absent for a person's request. */
  readonly causationId?: string;
  /** If-Match: the version of the stream the client last saw; a different current version is refused (412). */
  readonly ifMatch?: number;
  readonly idempotency?: Idempotency;
}

/** The metadata every event of this caller's commands carries. */
export function metadataOf(caller: Caller): EventMetadata {
  return {
    actor: caller.user.id,
    organisation: caller.user.organisation,
    role: caller.user.role,
    roles: caller.user.roles,
    correlationId: caller.correlationId,
    causationId: caller.causationId ?? null,
    requestId: caller.requestId,
  };
}
