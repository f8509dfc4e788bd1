/**
 * The auditor's queries on KurrentDB, as pure parts (no I/O; tested without a server).
 *
 * KurrentDB has no secondary index the adapter could write in the same transaction as the
 * events, so a project's history is found in two steps:
 *
 * 1. Each event carries its own attribution in its metadata (`attribution: [{ projectId,
 *    organisation }]`): that is the record the query's answer is decided on.
 * 2. An index stream per project (`es_project_streams-<projectId>`) and per beneficiary
 *    (`es_beneficiary_streams-<registration number>`) lists, once each, the streams that ever
 *    had an event attributed to it (`StreamAttributed`). It only says where to look: a query
 *    reads the index, then reads `$all` with a server-side filter on exactly those stream names,
 *    and keeps the events whose own attribution matches.
 *
 * The index entry is appended before the events it announces, so an event in `$all` always has
 * its entry at an earlier position; a crash in between leaves an entry for a stream without
 * attributed events, which the per-event check makes harmless. See docs/event-store.md.
 */
import { eventTypeFilter, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { Attribution, EventQuery } from '../port.js';
import { STREAM_ID_PATTERN } from '../port.js';
import { BENEFICIARY_INDEX_STREAM_TYPE, PROJECT_INDEX_STREAM_TYPE, attributionOf, isDomainEvent, uuidV5 } from './mapping.js';

/** The type of an index stream's entries. */
export const STREAM_ATTRIBUTED = 'StreamAttributed';

/** Namespace of index entries' deterministic ids (a fixed random UUID, not the idempotency one). */
export const INDEX_ENTRY_NAMESPACE = 'c3f1a8e2-6d4b-4f0a-8b7e-1e9d2a5c7f31';

/**
 * Above this many streams a regex of their names is no longer sent (a request and a match per
 * event that grow with it); the server then filters on their stream types' prefixes and the
 * adapter keeps the project's streams.
 */
export const MAX_REGEX_STREAMS = 500;

export function projectIndexStream(projectId: string): string {
  return `${PROJECT_INDEX_STREAM_TYPE}-${projectId}`;
}

export function beneficiaryIndexStream(organisation: string): string {
  return `${BENEFICIARY_INDEX_STREAM_TYPE}-${organisation}`;
}

/** What an index entry says: this stream has events attributed to this project of this beneficiary. */
export interface StreamAttributedData {
  streamId: string;
  projectId: string;
  /** Null when the project's beneficiary was not known (no passport yet). */
  organisation: string | null;
}

export interface IndexEntry {
  readonly indexStream: string;
  /** Deterministic: the same (index stream, stream) always has the same id, so a retry or a race is one write. */
  readonly id: string;
  readonly data: StreamAttributedData;
}

/** Same index stream and stream, same id (length-prefixed, so no pair is spelled like another). */
export function indexEntryId(indexStream: string, streamId: string): string {
  return uuidV5(`${indexStream.length}:${indexStream}|${streamId.length}:${streamId}`, INDEX_ENTRY_NAMESPACE);
}

/**
 * The index entries an append of `streamId` with this attribution needs: one per project, and one
 * per beneficiary (when the attribution names it).
 */
export function indexEntriesFor(streamId: string, attribution: readonly Attribution[]): IndexEntry[] {
  const entries = new Map<string, IndexEntry>();
  for (const a of attribution) {
    const indexes = [projectIndexStream(a.projectId), ...(a.organisation === null ? [] : [beneficiaryIndexStream(a.organisation)])];
    for (const indexStream of indexes) {
      if (entries.has(indexStream)) continue;
      entries.set(indexStream, {
        indexStream,
        id: indexEntryId(indexStream, streamId),
        data: { streamId, projectId: a.projectId, organisation: a.organisation },
      });
    }
  }
  return [...entries.values()];
}

/** The stream ids an index stream lists (duplicates, from a lost race, count once; anything else is ignored). */
export function streamsOfIndex(events: readonly { type: string; data: unknown }[]): Set<string> {
  const streams = new Set<string>();
  for (const e of events) {
    if (e.type !== STREAM_ATTRIBUTED || typeof e.data !== 'object' || e.data === null) continue;
    const streamId = (e.data as { streamId?: unknown }).streamId;
    if (typeof streamId === 'string') streams.add(streamId);
  }
  return streams;
}

/**
 * A literal for the server's regular expressions (.NET): the characters .NET's Regex.Escape
 * escapes, plus `]` and `}`, each behind a backslash, and white space as `\uXXXX`, so the text
 * means the same in .NET and in JavaScript (the unit tests).
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}#]|\s/g, (c) => (/\s/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\${c}`));
}

/** A regex that matches exactly these stream names and no other (anchored, each name escaped, sorted). */
export function exactStreamsRegex(streamIds: Iterable<string>): string {
  return `^(?:${[...streamIds].sort().map(escapeRegex).join('|')})$`;
}

/** How a query reads `$all`: the server-side filter, and the streams it may hold (null: any). */
export interface QueryPlan {
  readonly filter: Filter;
  readonly streams: ReadonlySet<string> | null;
}

/**
 * The server-side filter for a query; null when no event can match (the index lists no stream of
 * the asked type). `indexed` is the index's streams when the query names a project or a
 * beneficiary, otherwise null. A filter is on stream names or on event types, never both: what
 * it cannot say is checked by {@link matchesQuery}.
 */
export function planQuery(query: EventQuery, indexed: ReadonlySet<string> | null, maxRegexStreams = MAX_REGEX_STREAMS): QueryPlan | null {
  if (indexed !== null) {
    const prefix = query.streamType === undefined ? null : `${query.streamType}-`;
    const streams = prefix === null ? indexed : new Set([...indexed].filter((s) => s.startsWith(prefix)));
    if (streams.size === 0) return null;
    if (streams.size <= maxRegexStreams) return { filter: streamNameFilter({ regex: exactStreamsRegex(streams) }), streams };
    const prefixes = new Set<string>();
    for (const s of streams) {
      const m = STREAM_ID_PATTERN.exec(s);
      if (m) prefixes.add(`${m[1]}-`);
    }
    return { filter: streamNameFilter({ prefixes: [...prefixes].sort() }), streams };
  }
  if (query.streamType !== undefined) return { filter: streamNameFilter({ prefixes: [`${query.streamType}-`] }), streams: null };
  if (query.type !== undefined) return { filter: eventTypeFilter({ regex: `^${escapeRegex(query.type)}$` }), streams: null };
  // Nothing to narrow on the server but its own events ($-prefixed types), which are never ours.
  return { filter: eventTypeFilter({ regex: '^[^$]' }), streams: null };
}

/** What the client-side check reads of an event as the client returns it. */
export interface Candidate {
  readonly streamId: string;
  readonly type: string;
  readonly metadata: unknown;
  readonly created: Date;
}

/**
 * Whether an event answers the query, decided on the event itself: its own attribution (project
 * and beneficiary on the same entry, as a project is one beneficiary's), its stream type, its
 * stored type name, the actor and the actor's organisation in its metadata, and its recorded time.
 */
export function matchesQuery(e: Candidate, query: EventQuery, streams: ReadonlySet<string> | null = null): boolean {
  if (!isDomainEvent(e.streamId, e.type)) return false;
  if (streams !== null && !streams.has(e.streamId)) return false;
  if (query.projectId !== undefined || query.beneficiary !== undefined) {
    const attributed = attributionOf(e.metadata).some(
      (a) =>
        (query.projectId === undefined || a.projectId === query.projectId) &&
        (query.beneficiary === undefined || a.organisation === query.beneficiary),
    );
    if (!attributed) return false;
  }
  if (query.streamType !== undefined && STREAM_ID_PATTERN.exec(e.streamId)?.[1] !== query.streamType) return false;
  if (query.type !== undefined && e.type !== query.type) return false;
  if (query.actor !== undefined || query.organisation !== undefined) {
    const m = (typeof e.metadata === 'object' && e.metadata !== null ? e.metadata : {}) as { actor?: unknown; organisation?: unknown };
    if (query.actor !== undefined && m.actor !== query.actor) return false;
    if (query.organisation !== undefined && m.organisation !== query.organisation) return false;
  }
  if (query.from !== undefined && e.created.getTime() < query.from.getTime()) return false;
  if (query.to !== undefined && e.created.getTime() > query.to.getTime()) return false;
  return true;
}
