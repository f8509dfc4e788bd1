/** Domain-level errors of the event store; the HTTP edge maps them, they know nothing of HTTP. */

export type ExpectedVersion = number | 'any';

/** The stream is not at the version the writer decided on. */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      `Stream ${streamId} is at version ${actualVersion}, but version ${expectedVersion} was expected; reload and retry`,
    );
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
    super(
      `Payload of ${eventType} is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'InvalidEventPayload';
  }
}

export class InvalidStreamId extends Error {
  constructor(readonly streamId: string) {
    super(`"${streamId}" is not a stream id (expected "<stream-type>-<id>", e.g. "fund-RRF")`);
    this.name = 'InvalidStreamId';
  }
}
