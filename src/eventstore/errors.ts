/** Domain-level errors of the event store; the HTTP edge maps them, they know nothing of HTTP. */

export type ExpectedVersion = number | 'any';

/** The stream is not at the version the writer decided on. */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`Stream ${streamId} is at version ${actualVersion}, but version ${expectedVersion} was expected; reload and retry`);
    this.name = 'ConcurrencyError';
  }
}

/** The idempotency key was already used for a different request. */
export class IdempotencyKeyReused extends Error {
  constructor(readonly key: string) {
    super(`Idempotency key "${key}" was already used for a different request`);
    this.name = 'IdempotencyKeyReused';
  }
}

/** An event id that is already stored was sent again with different content or stream. */
export class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`Event id ${eventId} is already stored for a different event`);
    this.name = 'DuplicateEventId';
  }
}

export class UnknownEventType extends Error {
  constructor(readonly eventType: string) {
    super(`Event type "${eventType}" is not registered`);
    this.name = 'UnknownEventType';
  }
}

/** A payload does not match its event type's schema (on append, or a stored one on read). */
export class InvalidEventPayload extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`Payload of ${eventType} is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventPayload';
  }
}

export class InvalidStreamId extends Error {
  constructor(readonly streamId: string) {
    super(`"${streamId}" is not a stream id (expected "<stream-type>-<id>", e.g. "fund-RRF")`);
    this.name = 'InvalidStreamId';
  }
}

/**
 * The event store cannot be reached (down, partitioned, no leader, timed out). Transient:
 * the HTTP edge answers 503, and the service refuses to start while it lasts.
 */
export class EventStoreUnavailable extends Error {
  constructor(
    readonly store: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} is unavailable: ${reason}`, options);
    this.name = 'EventStoreUnavailable';
  }
}

/** The event store refused the service's credentials or permissions: a deployment error, answered 503. */
export class EventStoreAccessDenied extends Error {
  constructor(
    readonly store: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${store} refused access: ${reason}`, options);
    this.name = 'EventStoreAccessDenied';
  }
}

/**
 * The stream was deleted on the server (only an operator can do that: the service never
 * deletes). Nothing more can be read or appended under this id; the HTTP edge answers 410.
 */
export class StreamDeleted extends Error {
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} was deleted from the event store; it can no longer be read or written`);
    this.name = 'StreamDeleted';
  }
}
