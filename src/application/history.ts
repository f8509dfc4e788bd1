import { diff, type FieldChange } from '../domain/diff.js';
import { NotFound } from '../domain/errors.js';
import { streamTypes } from '../domain/stream-types.js';
import { STREAM_ID_PATTERN, type EventStore, type StoredEvent } from '../eventstore/port.js';
import { readOwn } from './command.js';
import { formatPosition } from '../eventstore/position.js';
import type { Page } from './page.js';

/** An event of the global feed: where it belongs and what it holds, besides who did it when. */
export interface FeedEntry extends HistoryEntry {
  streamId: string;
  /** The event's payload as stored (upcast to its current type). */
  data: unknown;
}

/** One event as an auditor reads it: who, when, under which request, and what it changed. */
export interface HistoryEntry {
  eventId: string;
  version: number;
  type: string;
  recordedAt: string;
  /** Global position, `"<txid>.<seq>"`. */
  position: string;
  actor: string;
  organisation: string;
  role: string;
  correlationId: string;
  causationId: string | null;
  requestId: string;
  /** Field-level difference of the stream's state before and after this event. */
  changes: FieldChange[];
}

export interface StreamHistory {
  streamId: string;
  streamType: string;
  /** The instant the history is read as of: only events recorded up to it count. */
  asOf: string;
  /** Stream version as of that instant. */
  version: number;
  /** The stream's state as of that instant. */
  state: unknown;
  events: HistoryEntry[];
}

/** A page of a stream's history: its events in version order, with the stream's version and state as of `asOf` on every page. */
export interface StreamHistoryPage extends Page<HistoryEntry> {
  streamId: string;
  streamType: string;
  /** The instant the history is read as of: only events recorded up to it count. */
  asOf: string;
  /** Stream version as of that instant. */
  version: number;
  /** The stream's state as of that instant (after all its events, not only this page's). */
  state: unknown;
}

/**
 * A stream as it stood at `asOf`: its events recorded up to then, each with the change it
 * made to the state, and the state they fold to. What was recorded later cannot change it.
 */
export async function streamHistory(store: EventStore, streamId: string, asOf: Date): Promise<StreamHistory> {
  const streamType = STREAM_ID_PATTERN.exec(streamId)?.[1];
  const type = streamType ? streamTypes[streamType] : undefined;
  if (!type) throw new NotFound('Stream', streamId);
  const events = (await readOwn(store, type, streamId)).filter((e) => e.recordedAt.getTime() <= asOf.getTime());
  if (events.length === 0) throw new NotFound('Stream', streamId);
  let state = type.decider.initialState;
  const entries = events.map((e) => {
    const before = state;
    state = type.decider.evolve(state, e);
    return entryOf(e, diff(before, state));
  });
  return { streamId, streamType: type.name, asOf: asOf.toISOString(), version: events.at(-1)!.version, state, events: entries };
}

export const feedEntry = (e: StoredEvent): FeedEntry => ({ ...entryOf(e), streamId: e.streamId, data: e.data });

export function entryOf(e: StoredEvent, changes: FieldChange[] = []): HistoryEntry {
  return {
    eventId: e.id,
    version: e.version,
    type: e.type,
    recordedAt: e.recordedAt.toISOString(),
    position: formatPosition(e.position),
    actor: e.metadata.actor,
    organisation: e.metadata.organisation,
    role: e.metadata.role,
    correlationId: e.metadata.correlationId,
    causationId: e.metadata.causationId,
    requestId: e.metadata.requestId,
    changes,
  };
}
