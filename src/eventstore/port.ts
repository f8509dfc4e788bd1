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
  /**
   * The projects the appended events belong to, each with its beneficiary organisation: the
   * store indexes them with the events, in the same write, for project history and export.
   * Reference data (funds, programmes, programme nodes) belongs to none: omit it or pass [].
   */
  readonly attribution?: readonly Attribution[];
}

/** A project an event belongs to, and the organisation (beneficiary, by registration number) whose project it is. */
export interface Attribution {
  readonly projectId: string;
  /** Null only when the project has no passport to name its beneficiary. */
  readonly organisation: string | null;
}

/**
 * Which events an auditor asks for. Every field narrows; none given means every event.
 * `organisation` is the acting person's organisation (from the metadata); `beneficiary` is the
 * organisation the event belongs to (its attribution), e.g. every event of a beneficiary's projects.
 */
export interface EventQuery {
  /** Events attributed to this project: every stream of the project. */
  readonly projectId?: string;
  /** Events attributed to projects of this organisation. */
  readonly beneficiary?: string;
  /** Stream type, the prefix of stream ids (`budget`, `finding`, …). */
  readonly streamType?: string;
  /** Exact type name with version (`InvoiceSubmitted.v1`). */
  readonly type?: string;
  readonly actor?: string;
  readonly organisation?: string;
  /** Recorded at or after. */
  readonly from?: Date;
  /** Recorded at or before. */
  readonly to?: Date;
}

export interface QueryEventsOptions extends EventQuery {
  /** Exclusive: events strictly after this position. */
  readonly after: GlobalPosition;
  readonly limit: number;
}

/**
 * How an exported event links into the store's tamper-evident hash chain: the exact text that
 * was hashed and the link before it, so a reader recomputes `hash = sha256(prevHash || input)`
 * offline (input = eventId, streamId, version, type, payloadText, metadataText, recordedAt, joined by newlines).
 */
export interface ChainLink {
  readonly chainSeq: number;
  /** Hex sha256 of the previous link (64 zeros for the first). */
  readonly prevHash: string;
  /** Hex sha256 of this link. */
  readonly hash: string;
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  /** The type name as stored (before any upcasting). */
  readonly type: string;
  /** The payload and metadata as the store printed them when hashing. */
  readonly payloadText: string;
  readonly metadataText: string;
  /** UTC, microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  readonly recordedAt: string;
}

/** An event as exported, with its link in the hash chain when the store keeps one (null otherwise). */
export type ExportedEvent<E extends EventShape = EventShape> = StoredEvent<E> & { readonly proof: ChainLink | null };

/** Where an export stands when it starts: it holds the query's events up to this point of the chain, and no later one. */
export interface ExportHead {
  /** Last link of the chain the export covers (null: the store keeps no chain). */
  readonly chainSeq: number | null;
  readonly hash: string | null;
  /** Global position of the last event the export may hold. */
  readonly position: GlobalPosition | null;
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
  /**
   * The auditor's read: events matching the query in global order strictly after `after`, at most
   * `limit` (project history and the global feed are pages of it). Served from indexes.
   */
  queryEvents(options: QueryEventsOptions): Promise<StoredEvent<E>[]>;
  /**
   * Every event matching the query in global order, streamed in constant memory as pages (each a
   * non-empty array, in order), each event with its hash-chain link when the store keeps a chain.
   * The export covers a fixed cut of the log (`head`, fixed before the first page is yielded):
   * what commits later is not in it. Pages, not single events: an export of 100k events should
   * not pay for 100k trips through async iteration.
   */
  exportEvents(query: EventQuery): Promise<{ head: ExportHead; pages: AsyncIterable<readonly ExportedEvent<E>[]> }>;
  /** How many events readAll would deliver after `after`, counting at most `cap`. */
  countAfter(after: GlobalPosition, cap: number): Promise<number>;
  /**
   * The position of the last event committed, whether or not readAll delivers it yet (it holds
   * back events younger than the oldest transaction still running); null for an empty log.
   * Optional: catching up waits for it where the store can say.
   */
  head?(): Promise<GlobalPosition | null>;
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
