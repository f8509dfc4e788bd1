import type { ExpectedVersion } from './errors.js';
import type { GlobalPosition } from './position.js';

/** Who did it, on whose behalf, and as part of what: carried by every event. */
export interface EventMetadata {
  /** User id of the person or system that caused the event. */
  readonly actor: string;
  /** Registration number of the actor's organisation. */
  readonly organisation: string;
  /** The role the actor acted in (beneficiary, officer, approver, …). */
  readonly role: string;
  /** Every role the actor held at the time (from the token). */
  readonly roles: readonly string[];
  /** Groups every event caused by one business operation, across streams. */
  readonly correlationId: string;
  /** The event or command that directly caused this one; null for a user command. */
  readonly causationId: string | null;
  /** The HTTP request (also in the logs) that carried the command. */
  readonly requestId: string;
}

/** What every event is, before and after it is stored: a versioned type name and its payload. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/**
 * An event about to be appended. Typed by the store's event union, so only payloads of a
 * known type and shape get this far (the registry checks them again at run time).
 */
export type NewEvent<E extends EventShape = EventShape> = E & {
  /** Optional: a client-chosen id makes a retried append idempotent. */
  readonly id?: string;
  readonly metadata: EventMetadata;
};

/** Where and when an event was stored, and by whom. */
export interface EventEnvelope {
  readonly id: string;
  readonly streamId: string;
  readonly streamType: string;
  /** 1 for the first event of a stream. */
  readonly version: number;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
  readonly position: GlobalPosition;
}

/**
 * A stored event, typed by the store's event union (the intersection distributes over it, so a
 * switch on `type` narrows `data`). The registry parsed the payload with its type's zod schema
 * (upcasting retired types) on the way out, so the type is a promise the store keeps, not a cast.
 */
export type StoredEvent<E extends EventShape = EventShape> = EventEnvelope & E;

export interface AppendOptions {
  /** The version the stream must be at (0: it must not exist yet), or 'any'. */
  readonly expectedVersion: ExpectedVersion;
  /**
   * Retrying with the same key and fingerprint stores nothing and returns the first result;
   * the same key with another fingerprint is refused ({@link IdempotencyKeyReused}).
   * The fingerprint identifies the request (e.g. a hash of the command), not the events,
   * which carry fresh ids and times on every try.
   */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
}

export interface AppendResult {
  readonly streamId: string;
  /** The stream version after the append. */
  readonly nextVersion: number;
  readonly eventIds: readonly string[];
  readonly positions: readonly GlobalPosition[];
  /** True when nothing was written because this is a retry of an earlier append. */
  readonly duplicate: boolean;
}

export interface ReadStreamOptions {
  readonly from?: number;
  readonly to?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. */
  readonly after: GlobalPosition;
  readonly limit: number;
}

/**
 * The event store port. Events are the only source of truth: append-only, each stream
 * versioned, all streams in one global order that readers can checkpoint safely.
 */
export interface EventStore<E extends EventShape = EventShape> {
  append(streamId: string, events: readonly NewEvent<E>[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent<E>[]>;
  /** Events in global order strictly after `after`; never skips one that commits late. */
  readAll(options: ReadAllOptions): Promise<StoredEvent<E>[]>;
  /** How many events readAll would deliver after `after`, counting at most `cap`. */
  countAfter(after: GlobalPosition, cap: number): Promise<number>;
  /** The first result stored under an idempotency key, or null; fingerprint must match. */
  findIdempotentResult(key: string, fingerprint: string): Promise<AppendResult | null>;
  /**
   * Optional doorbell: calls `listener` soon after new events are committed, so projection
   * runners need not wait for their next poll. It carries no events (runners always read
   * from their own checkpoint with readAll); returns a function that stops it. Adapters
   * without it are woken by other means (PostgreSQL: LISTEN/NOTIFY) or by polling.
   */
  watch?(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Stream ids are `<stream-type>-<id>`; the type is the prefix before the first dash. */
export const STREAM_ID_PATTERN = /^([a-z][a-z0-9_]*)-(.+)$/;

/** An event and where it was stored, as one StoredEvent. */
export function storedEvent<E extends EventShape>(event: E, envelope: EventEnvelope): StoredEvent<E> {
  // One object literal of a fixed shape: projections read millions of these (a spread was measurably slower).
  const stored = {
    id: envelope.id,
    streamId: envelope.streamId,
    streamType: envelope.streamType,
    version: envelope.version,
    type: event.type,
    data: event.data,
    metadata: envelope.metadata,
    recordedAt: envelope.recordedAt,
    position: envelope.position,
  };
  // `type` and `data` are `event`'s own, so this is `envelope & event`; TypeScript cannot see it for a generic E.
  return stored as StoredEvent<E>;
}
