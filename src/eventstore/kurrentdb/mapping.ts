/**
 * Pure translations between the event-store port and the KurrentDB client's shapes. No I/O
 * here: every rule the adapter depends on (versions, positions, metadata, ids, errors,
 * which events are ours) is a function of its inputs and tested without a server.
 */
import { createHash } from 'node:crypto';
import {
  ANY,
  NO_STREAM,
  START as CLIENT_START,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type Position,
  type ReadPosition,
  type RecordedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { z } from 'zod';
import {
  ConcurrencyError,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  InvalidEventPayload,
  StreamDeleted,
  type ExpectedVersion,
} from '../errors.js';
import {
  STREAM_ID_PATTERN,
  storedEvent,
  type AppendResult,
  type Attribution,
  type EventMetadata,
  type EventShape,
  type StoredEvent,
} from '../port.js';
import { formatPosition, parsePosition, type GlobalPosition } from '../position.js';
import type { EventRegistry, UpcastContext } from '../registry.js';

export const STORE_NAME = 'KurrentDB';

// ---------------------------------------------------------------------------------------
// Versions. The port counts versions from 1 (0 = no stream); KurrentDB counts revisions
// from 0 and calls "no stream" a state. Version N is revision N-1.

/** The port's expected version as the client's `streamState`. */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`expected version must be 'any' or an integer >= 0, got ${String(expected)}`);
  }
  return expected === 0 ? NO_STREAM : BigInt(expected - 1);
}

export function versionOfRevision(revision: bigint): number {
  return Number(revision) + 1;
}

/** Revision to read from for version `version` (>= 1). */
export function revisionOfVersion(version: number): bigint {
  return BigInt(Math.max(1, version) - 1);
}

/** KurrentDB reports a deleted stream as -5 and a tombstoned one as -6 in consistency checks. */
const DELETED_STATES = new Set([-5n, -6n]);

/** The version a stream is at, from the client's current state; null when the stream is deleted. */
export function versionOfState(state: CurrentStreamState | AppendStreamState | undefined): number | null {
  if (state === NO_STREAM || state === undefined) return 0;
  if (typeof state === 'bigint') return state < 0n ? (DELETED_STATES.has(state) ? null : 0) : versionOfRevision(state);
  return 0;
}

// ---------------------------------------------------------------------------------------
// Positions. Every event in $all has a (commit, prepare) position in the transaction log;
// $all is ordered by commit position, then prepare position. A single leader writes the
// log and an event becomes readable only once committed at its place, so nothing can
// later appear before a position a reader has passed: there are no late commits to skip.
// GlobalPosition stores commit as `transactionId` and prepare as `sequence`, so the
// existing comparison and checkpoint columns (xid8, bigint) keep working unchanged.

export function toGlobalPosition(p: Position): GlobalPosition {
  return { transactionId: p.commit, sequence: p.prepare };
}

export function toClientPosition(p: GlobalPosition): Position {
  return { commit: p.transactionId, prepare: p.sequence };
}

/** Where a forward read of $all starts for "strictly after `after`" (the read itself is inclusive). */
export function readStartFor(after: GlobalPosition): ReadPosition {
  return after.transactionId === 0n && after.sequence === 0n ? CLIENT_START : toClientPosition(after);
}

/** The position a resolved event occupies in $all (the link's, when it is a resolved link). */
export function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): GlobalPosition | null {
  const p = resolved.link?.position ?? resolved.event?.position;
  return p ? toGlobalPosition(p) : null;
}

// ---------------------------------------------------------------------------------------
// Metadata. KurrentDB's own conventions carry correlation and causation as `$correlationId`
// and `$causationId` (its system projections understand them); the rest is ours.

export interface KurrentMetadata {
  actor: string;
  organisation: string;
  role: string;
  roles: string[];
  $correlationId: string;
  /** Absent for an event caused directly by a user command. */
  $causationId?: string;
  requestId: string;
  /** Set when the append carried an idempotency key: which request wrote this event. */
  idempotency?: { key: string; fingerprint: string };
  /**
   * Set when the append carried an attribution: the projects the event belongs to, each with its
   * beneficiary. The event itself is the record of it (the index streams only say where to look);
   * it is not read back into {@link EventMetadata}, which stays exactly what the caller passed.
   */
  attribution?: { projectId: string; organisation: string | null }[];
}

export function toKurrentMetadata(
  m: EventMetadata,
  idempotency?: { readonly key: string; readonly fingerprint: string },
  attribution: readonly Attribution[] = [],
): KurrentMetadata {
  return {
    actor: m.actor,
    organisation: m.organisation,
    role: m.role,
    roles: [...m.roles],
    $correlationId: m.correlationId,
    ...(m.causationId === null ? {} : { $causationId: m.causationId }),
    requestId: m.requestId,
    ...(idempotency ? { idempotency: { key: idempotency.key, fingerprint: idempotency.fingerprint } } : {}),
    ...(attribution.length > 0 ? { attribution: attribution.map((a) => ({ projectId: a.projectId, organisation: a.organisation })) } : {}),
  };
}

const storedAttribution = z.object({
  attribution: z.array(z.object({ projectId: z.string(), organisation: z.string().nullable() })),
});

/** The projects a stored event belongs to, from its raw metadata; none when it carries no (well-formed) attribution. */
export function attributionOf(raw: unknown): Attribution[] {
  const parsed = storedAttribution.safeParse(raw);
  return parsed.success ? parsed.data.attribution : [];
}

const storedMetadata = z.object({
  actor: z.string(),
  organisation: z.string(),
  role: z.string(),
  roles: z.array(z.string()),
  $correlationId: z.string(),
  $causationId: z.string().nullish(),
  requestId: z.string(),
});

export class InvalidStoredMetadata extends Error {
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super(`Metadata of event ${eventId} is not this service's event metadata: ${detail}`);
    this.name = 'InvalidStoredMetadata';
  }
}

export function fromKurrentMetadata(raw: unknown, eventId: string): EventMetadata {
  const parsed = storedMetadata.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidStoredMetadata(eventId, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  }
  const m = parsed.data;
  return {
    actor: m.actor,
    organisation: m.organisation,
    role: m.role,
    roles: m.roles,
    correlationId: m.$correlationId,
    causationId: m.$causationId ?? null,
    requestId: m.requestId,
  };
}

// ---------------------------------------------------------------------------------------
// Idempotency. Event ids of an append under an idempotency key are UUIDv5 of (key,
// fingerprint, index): the same request retried sends the same ids, which KurrentDB itself
// recognises as a retry at the same expected version. The key's first result is found
// through a claim stream per key (`es_idempotency-<sha256(key)>`); see adapter.ts.

/** Namespace of this service's deterministic event ids (a fixed random UUID). */
export const IDEMPOTENT_EVENT_NAMESPACE = '5b0c7c1e-4f8e-4d3a-9a51-2f4b6f1f9c2d';

/** RFC 9562 UUID version 5 (SHA-1 of namespace bytes + name). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`"${namespace}" is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function idempotentEventId(key: string, fingerprint: string, index: number): string {
  // Length-prefixed parts: no (key, fingerprint) pair can be spelled like another one.
  return uuidV5(`${key.length}:${key}|${fingerprint.length}:${fingerprint}|${index}`, IDEMPOTENT_EVENT_NAMESPACE);
}

/** Stream type reserved for idempotency claims: never a domain stream, never in readAll. */
export const IDEMPOTENCY_STREAM_TYPE = 'es_idempotency';

/** Index of the streams attributed to a project: `es_project_streams-<projectId>` (see query.ts). */
export const PROJECT_INDEX_STREAM_TYPE = 'es_project_streams';

/** Index of the streams attributed to a beneficiary's projects: `es_beneficiary_streams-<registration number>`. */
export const BENEFICIARY_INDEX_STREAM_TYPE = 'es_beneficiary_streams';

/** The store's own stream types: never appended to through the port, never delivered as domain events. */
export const RESERVED_STREAM_TYPES: ReadonlySet<string> = new Set([
  IDEMPOTENCY_STREAM_TYPE,
  PROJECT_INDEX_STREAM_TYPE,
  BENEFICIARY_INDEX_STREAM_TYPE,
]);

export function idempotencyStreamOf(key: string): string {
  return `${IDEMPOTENCY_STREAM_TYPE}-${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export const CLAIMED = 'IdempotencyClaimed';
export const COMPLETED = 'IdempotencyCompleted';
export const RELEASED = 'IdempotencyReleased';

export interface ClaimedData {
  key: string;
  fingerprint: string;
  streamId: string;
  expectedVersion: ExpectedVersion;
  eventIds: string[];
}

export interface CompletedData {
  streamId: string;
  nextVersion: number;
  eventIds: string[];
  positions: string[];
}

export type ClaimState =
  | { status: 'released'; revision: bigint }
  | ({ status: 'claimed'; revision: bigint } & ClaimedData)
  | ({ status: 'completed'; revision: bigint; result: AppendResult } & ClaimedData);

/** The state of a key from its claim stream's events in order (null: never claimed). */
export function foldClaim(events: readonly { type: string; data: unknown; revision: bigint }[]): ClaimState | null {
  let state: ClaimState | null = null;
  for (const e of events) {
    if (e.type === CLAIMED) state = { status: 'claimed', revision: e.revision, ...(e.data as ClaimedData) };
    else if (e.type === RELEASED) state = { status: 'released', revision: e.revision };
    else if (e.type === COMPLETED && state && state.status !== 'released') {
      const d = e.data as CompletedData;
      const { status: _s, revision: _r, ...claimed } = state as ClaimedData & { status: string; revision: bigint };
      state = {
        ...claimed,
        status: 'completed',
        revision: e.revision,
        result: {
          streamId: d.streamId,
          nextVersion: d.nextVersion,
          eventIds: d.eventIds,
          positions: d.positions.map(parsePosition),
          duplicate: false,
        },
      };
    }
  }
  return state;
}

export function completedData(result: AppendResult): CompletedData {
  return {
    streamId: result.streamId,
    nextVersion: result.nextVersion,
    eventIds: [...result.eventIds],
    positions: result.positions.map(formatPosition),
  };
}

/**
 * The result of an append, from the events read back at its place in the stream; null
 * unless they are exactly the events with `ids`, in order.
 */
export function resultFromRecorded(
  streamId: string,
  recorded: readonly (RecordedEvent | undefined)[],
  ids: readonly string[],
  duplicate: boolean,
): AppendResult | null {
  if (recorded.length !== ids.length || ids.length === 0) return null;
  const positions: GlobalPosition[] = [];
  for (let i = 0; i < ids.length; i++) {
    const e = recorded[i];
    if (!e || e.id !== ids[i] || e.streamId !== streamId) return null;
    if (!e.position) throw new Error(`${STORE_NAME} returned event ${e.id} without its log position`);
    positions.push(toGlobalPosition(e.position));
  }
  return {
    streamId,
    nextVersion: versionOfRevision(recorded.at(-1)!.revision),
    eventIds: [...ids],
    positions,
    duplicate,
  };
}

// ---------------------------------------------------------------------------------------
// Which events are ours. $all also holds the server's own events ($-prefixed streams and
// types: settings, stats, scavenges, projections' links), our idempotency claims and
// attribution indexes, and possibly streams some other program wrote; readAll delivers only
// domain events.

export function isDomainEvent(streamId: string, type: string): boolean {
  if (streamId.startsWith('$') || type.startsWith('$')) return false;
  const m = STREAM_ID_PATTERN.exec(streamId);
  return m !== null && !RESERVED_STREAM_TYPES.has(m[1]!);
}

/** A resolved event as a StoredEvent (validated and upcast through the registry), or null if it is not a domain event. */
export function toStoredEvent<E extends EventShape>(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
  registry: EventRegistry<E>,
  context?: UpcastContext,
): StoredEvent<E> | null {
  const e = resolved.event;
  if (!e || !isDomainEvent(e.streamId, e.type)) return null;
  if (!e.isJson) {
    throw new InvalidEventPayload(e.type, [{ path: '', message: `event ${e.id} is not stored as JSON` }]);
  }
  const position = positionOf(resolved);
  if (!position) throw new Error(`${STORE_NAME} returned event ${e.id} without its log position`);
  return storedEvent(registry.parseStored(e.type, e.data, context), {
    id: e.id,
    streamId: e.streamId,
    streamType: STREAM_ID_PATTERN.exec(e.streamId)![1]!,
    version: versionOfRevision(e.revision),
    metadata: fromKurrentMetadata(e.metadata, e.id),
    recordedAt: e.created,
    position,
  });
}

// ---------------------------------------------------------------------------------------
// Errors. The client throws its CommandError classes (with a string `type`) or, when the
// connection itself fails, raw gRPC errors (numeric `code`). The port's typed errors are
// what the rest of the service knows.

const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export interface ErrorContext {
  readonly streamId?: string;
  readonly expectedVersion?: ExpectedVersion;
}

/** Maps a client error to the port's typed errors; anything else is returned unchanged. */
export function toEventStoreError(err: unknown, ctx: ErrorContext = {}): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as {
    type?: unknown;
    code?: unknown;
    message?: unknown;
    streamName?: unknown;
    stream?: unknown;
    expectedState?: AppendStreamState;
    actualState?: CurrentStreamState;
  };
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(err);
  const streamId = ctx.streamId ?? (typeof e.streamName === 'string' ? e.streamName : typeof e.stream === 'string' ? e.stream : '');
  switch (e.type) {
    case 'wrong-expected-version': {
      const actual = versionOfState(e.actualState);
      if (actual === null) return new StreamDeleted(streamId);
      const expected = typeof ctx.expectedVersion === 'number' ? ctx.expectedVersion : (versionOfState(e.expectedState) ?? 0);
      return new ConcurrencyError(streamId, expected, actual);
    }
    case 'stream-deleted':
    case 'stream-tombstoned':
      return new StreamDeleted(streamId);
    case 'access-denied':
      return new EventStoreAccessDenied(
        STORE_NAME,
        'check the user and password in KURRENTDB_URL and that the user may read $all and write the streams',
        { cause: err },
      );
    case 'unavailable':
      return new EventStoreUnavailable(STORE_NAME, `server not reachable (${message})`, { cause: err });
    case 'deadline-exceeded':
    case 'timeout':
      return new EventStoreUnavailable(STORE_NAME, `no answer in time (${message})`, { cause: err });
    case 'not-leader':
      return new EventStoreUnavailable(STORE_NAME, 'the node is not the cluster leader (election in progress?)', {
        cause: err,
      });
  }
  switch (e.code) {
    case GRPC.UNAVAILABLE:
      return new EventStoreUnavailable(STORE_NAME, `server not reachable (${message})`, { cause: err });
    case GRPC.DEADLINE_EXCEEDED:
      return new EventStoreUnavailable(STORE_NAME, `no answer in time (${message})`, { cause: err });
    case GRPC.UNAUTHENTICATED:
    case GRPC.PERMISSION_DENIED:
      return new EventStoreAccessDenied(STORE_NAME, `credentials refused (${message})`, { cause: err });
  }
  return err;
}

export function isStreamNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'stream-not-found';
}
