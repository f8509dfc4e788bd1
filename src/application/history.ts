import { describeEvent, fourEyesOf, type Description, type FourEyesStep } from '../domain/describe.js';
import { diff, type FieldChange } from '../domain/diff.js';
import { NotFound } from '../domain/errors.js';
import type { AnyEvent } from '../domain/stream-types.js';
import { streamTypes } from '../domain/stream-types.js';
import type { AnyStreamType } from '../domain/stream.js';
import { STREAM_ID_PATTERN, type EventStore, type StoredEvent } from '../eventstore/port.js';
import { formatPosition } from '../eventstore/position.js';
import { readOwn } from './command.js';
import type { Page } from './page.js';

/** What every history entry says of an event: who, when, under which request, and what it was, in words. */
export interface EventFacts {
  eventId: string;
  version: number;
  type: string;
  recordedAt: string;
  /** Global position, `"<txid>.<seq>"`. */
  position: string;
  actor: string;
  /** The acting person's organisation (registration number). */
  organisation: string;
  role: string;
  correlationId: string;
  causationId: string | null;
  requestId: string;
  /** What happened, in Latvian and English. */
  description: Description;
}

/** What an event did to its stream. */
export interface EventEffect {
  /** Field-level difference of the stream's state before and after this event. */
  changes: FieldChange[];
  /** For a step that checks earlier ones (verify, approve, pay, close, correct): who took those; null otherwise. */
  fourEyes: FourEyesStep | null;
}

/** One event as an auditor reads it anywhere in the log: its facts, its stream and its payload. */
export interface EventEntry extends EventFacts {
  streamId: string;
  /** The stream's type, the prefix of its id (`budget`, `finding`, …). */
  streamType: string;
  /** The event's payload as stored (upcast to its current type). */
  data: unknown;
}

/** An event of the global feed. */
export type FeedEntry = EventEntry;

/** An event of a project's history, with what it did to its stream. */
export interface ProjectHistoryEntry extends EventEntry, EventEffect {}

/** One event of a stream's history. */
export interface HistoryEntry extends EventFacts, EventEffect {}

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

function streamTypeOf(streamId: string): AnyStreamType {
  const name = STREAM_ID_PATTERN.exec(streamId)?.[1];
  const type = name ? streamTypes[name] : undefined;
  if (!type) throw new NotFound('Stream', streamId);
  return type;
}

/** Each event with the change it made to its stream's state and the four-eyes step it took, folding from `state`. */
function folded(type: AnyStreamType, events: readonly StoredEvent[], state: unknown = type.decider.initialState) {
  return {
    steps: events.map((event) => {
      const before = state;
      state = type.decider.evolve(state, event);
      return { event, changes: diff(before, state), fourEyes: fourEyesOf(type.name, before, event as StoredEvent<AnyEvent>) };
    }),
    state,
  };
}

/**
 * A stream as it stood at `asOf`: its events recorded up to then, each with the change it
 * made to the state, and the state they fold to. What was recorded later cannot change it.
 */
export async function streamHistory(store: EventStore, streamId: string, asOf: Date): Promise<StreamHistory> {
  const type = streamTypeOf(streamId);
  const events = (await readOwn(store, type, streamId)).filter((e) => e.recordedAt.getTime() <= asOf.getTime());
  if (events.length === 0) throw new NotFound('Stream', streamId);
  const { steps, state } = folded(type, events);
  return {
    streamId,
    streamType: type.name,
    asOf: asOf.toISOString(),
    version: events.at(-1)!.version,
    state,
    events: steps.map(({ event, changes, fourEyes }) => {
      const { streamId: _s, streamType: _t, data: _d, ...entry } = eventEntry(event);
      return { ...entry, changes, fourEyes };
    }),
  };
}

/**
 * Project history entries for events of several streams: each stream is folded once, up to the
 * last of its events on the page, so every entry gets its change and four-eyes step.
 */
export async function projectHistoryEntries(store: EventStore, events: readonly StoredEvent[]): Promise<ProjectHistoryEntry[]> {
  const last = new Map<string, number>();
  for (const e of events) last.set(e.streamId, Math.max(last.get(e.streamId) ?? 0, e.version));
  const steps = new Map<string, { changes: FieldChange[]; fourEyes: FourEyesStep | null }>();
  await Promise.all(
    [...last].map(async ([streamId, to]) => {
      const type = streamTypeOf(streamId);
      for (const step of folded(type, await readOwn(store, type, streamId, { to })).steps) steps.set(step.event.id, step);
    }),
  );
  return events.map((e) => {
    const step = steps.get(e.id)!;
    return { ...eventEntry(e), changes: step.changes, fourEyes: step.fourEyes };
  });
}

/** `recordedAt`: the time as an ISO string, when the caller has it already (an export: its link's text, cut to milliseconds). */
export function eventEntry(e: StoredEvent, recordedAt = e.recordedAt.toISOString()): EventEntry {
  return {
    eventId: e.id,
    streamId: e.streamId,
    streamType: e.streamType,
    version: e.version,
    type: e.type,
    recordedAt,
    position: formatPosition(e.position),
    actor: e.metadata.actor,
    organisation: e.metadata.organisation,
    role: e.metadata.role,
    correlationId: e.metadata.correlationId,
    causationId: e.metadata.causationId,
    requestId: e.metadata.requestId,
    description: describeEvent(e as StoredEvent<AnyEvent>),
    data: e.data,
  };
}
