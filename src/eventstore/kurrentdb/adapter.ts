import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type Filter,
  type KurrentDBClient,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, IdempotencyKeyReused, InvalidStreamId, StreamDeleted } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  Attribution,
  EventQuery,
  EventShape,
  EventStore,
  ExportHead,
  ExportedEvent,
  NewEvent,
  QueryEventsOptions,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from '../port.js';
import { STREAM_ID_PATTERN } from '../port.js';
import { START, comparePositions, type GlobalPosition } from '../position.js';
import type { EventRegistry } from '../registry.js';
import {
  CLAIMED,
  COMPLETED,
  RELEASED,
  RESERVED_STREAM_TYPES,
  completedData,
  foldClaim,
  idempotencyStreamOf,
  idempotentEventId,
  isDomainEvent,
  isStreamNotFound,
  positionOf,
  readStartFor,
  resultFromRecorded,
  revisionOfVersion,
  toClientPosition,
  toEventStoreError,
  toKurrentMetadata,
  toStoredEvent,
  toStreamState,
  type ClaimState,
  type ClaimedData,
  type ErrorContext,
} from './mapping.js';
import {
  STREAM_ATTRIBUTED,
  MAX_REGEX_STREAMS,
  beneficiaryIndexStream,
  indexEntriesFor,
  matchesQuery,
  planQuery,
  projectIndexStream,
  streamsOfIndex,
  type IndexEntry,
  type QueryPlan,
} from './query.js';

/** The part of the KurrentDB client this adapter uses (a fake of it can drive the control-flow tests). */
export type KurrentClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface KurrentDbEventStoreOptions {
  /** Largest page read from $all at once (readAll and countAfter page through it). */
  readonly pageSize?: number;
  /** How far back from a stream's end an idempotent 'any' append is looked for when recovering its result. */
  readonly recoveryScan?: number;
  readonly onWatchError?: (err: unknown) => void;
  /** Most stream names a query sends the server as one regex (above it: their stream types' prefixes). */
  readonly maxRegexStreams?: number;
  /** How many index streams' known streams are remembered, so a stream is announced to its index once (per process). */
  readonly indexCacheSize?: number;
}

/**
 * The event-store port on KurrentDB (formerly EventStoreDB), through the official client.
 *
 * - Expected version N is stream state "revision N-1" (0: no_stream; 'any': any).
 * - readAll reads $all from a (commit, prepare) position, skips the server's own events and
 *   the idempotency claims, and pages until it has `limit` domain events or reaches the end.
 * - Idempotency: see {@link KurrentDbEventStore.append}.
 * - Attribution: each event carries its projects in its metadata, and per-project and
 *   per-beneficiary index streams name the streams to read; see query.ts and
 *   {@link KurrentDbEventStore.queryEvents}.
 *
 * Read models and projection checkpoints stay in PostgreSQL; only the event log is here.
 */
export class KurrentDbEventStore<E extends EventShape = EventShape> implements EventStore<E> {
  private readonly pageSize: number;
  private readonly recoveryScan: number;
  private readonly maxRegexStreams: number;
  private readonly indexCacheSize: number;
  /** Index stream → streams known to be listed in it (a lower bound: other processes add more). */
  private readonly indexed = new Map<string, Set<string>>();
  private closed = false;

  constructor(
    private readonly client: KurrentClient,
    private readonly registry: EventRegistry<E>,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.recoveryScan = options.recoveryScan ?? 1000;
    this.maxRegexStreams = options.maxRegexStreams ?? MAX_REGEX_STREAMS;
    this.indexCacheSize = options.indexCacheSize ?? 10_000;
  }

  /**
   * Appends atomically with the stream-state check. With an idempotency key:
   *
   * 1. The key's claim stream `es_idempotency-<sha256(key)>` is read. Claimed or completed
   *    under another fingerprint: refused. Completed: the stored first result is returned.
   * 2. Otherwise this request takes the claim by appending `IdempotencyClaimed` (fingerprint,
   *    target stream, expected version, event ids) at the claim stream's current revision
   *    (no_stream for a new key). The revision check makes the claim a compare-and-set:
   *    of two concurrent requests with one key only one proceeds; the other reads again.
   * 3. The events are appended with ids UUIDv5(key, fingerprint, index): a retry after a
   *    lost answer sends the same ids at the same expected version, which KurrentDB itself
   *    treats as the same write.
   * 4. `IdempotencyCompleted` records the result (versions, ids, positions) on the claim
   *    stream; a failed append (version conflict, deleted stream) appends `IdempotencyReleased`,
   *    so the key is free again, as on PostgreSQL where nothing of a failed append is kept.
   *
   * A crash between 3 and 4 leaves a claim without result: the next lookup finds the events
   * at the claimed place in the target stream (or, for 'any', among its last
   * `recoveryScan` events) and completes the claim then.
   *
   * With an attribution, each event's metadata carries it, and before the events are appended
   * the stream is announced (once) in each of its projects' and beneficiaries' index streams;
   * see {@link KurrentDbEventStore.attribute}.
   */
  async append(streamId: string, events: readonly NewEvent<E>[], options: AppendOptions): Promise<AppendResult> {
    const match = STREAM_ID_PATTERN.exec(streamId);
    if (!match || RESERVED_STREAM_TYPES.has(match[1]!)) throw new InvalidStreamId(streamId);
    if (events.length === 0) throw new Error(`append to ${streamId} carries no events`);
    const streamState = toStreamState(options.expectedVersion);
    const idem = options.idempotency;
    const ids = events.map((e, i) => (idem ? idempotentEventId(idem.key, idem.fingerprint, i) : (e.id ?? randomUUID())));
    const payloads = events.map((e, i) =>
      jsonEvent({
        id: ids[i]!,
        type: e.type,
        data: this.registry.parseForAppend(e) as Record<string, unknown>,
        metadata: { ...toKurrentMetadata(e.metadata, idem, options.attribution) },
      }),
    );

    let claimRevision: bigint | null = null;
    if (idem) {
      const claimed = await this.claim(idem, {
        key: idem.key,
        fingerprint: idem.fingerprint,
        streamId,
        expectedVersion: options.expectedVersion,
        eventIds: ids,
      });
      if ('result' in claimed) return claimed.result;
      claimRevision = claimed.revision;
    } else if (options.expectedVersion !== 'any' && events.some((e) => e.id !== undefined)) {
      // Client-chosen ids may be a retry: the same ids already at the expected place are the earlier append.
      const earlier = await this.locate(streamId, options.expectedVersion, ids);
      if (earlier) return { ...earlier, duplicate: true };
    }

    const ctx: ErrorContext = { streamId, expectedVersion: options.expectedVersion };
    let written: ClientAppendResult;
    if (options.attribution?.length) {
      try {
        await this.attribute(streamId, options.attribution);
      } catch (err) {
        // No event of this request is stored (index entries alone are harmless): the key is free again.
        if (idem && claimRevision !== null) {
          await this.appendClaimEvent(idem.key, RELEASED, { reason: 'attribution' }, claimRevision).catch(() => undefined);
        }
        throw err;
      }
    }
    try {
      written = await this.client.appendToStream(streamId, payloads, { streamState });
    } catch (err) {
      const mapped = toEventStoreError(err, ctx);
      if (idem && claimRevision !== null && (mapped instanceof ConcurrencyError || mapped instanceof StreamDeleted)) {
        await this.appendClaimEvent(idem.key, RELEASED, { reason: mapped.name }, claimRevision).catch(() => undefined);
      }
      throw mapped;
    }
    const nextVersion = Number(written.nextExpectedRevision) + 1;
    const result = await this.locate(streamId, nextVersion - ids.length, ids);
    if (!result) {
      throw new Error(`${streamId}: the events just appended are not at versions ${nextVersion - ids.length + 1}..${nextVersion}`);
    }
    if (idem && claimRevision !== null) {
      // Best effort: without it, the result is recovered from the stream on the next lookup.
      await this.appendClaimEvent(idem.key, COMPLETED, completedData(result), claimRevision).catch(() => undefined);
    }
    return result;
  }

  async findIdempotentResult(key: string, fingerprint: string): Promise<AppendResult | null> {
    const claim = await this.readClaim(key);
    if (!claim || claim.status === 'released') return null;
    if (claim.fingerprint !== fingerprint) throw new IdempotencyKeyReused(key);
    if (claim.status === 'completed') return { ...claim.result, duplicate: true };
    const recovered = await this.recover(claim);
    return recovered && { ...recovered, duplicate: true };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent<E>[]> {
    const from = Math.max(1, options.from ?? 1);
    const to = options.to ?? Number.MAX_SAFE_INTEGER;
    if (to < from || !isDomainEvent(streamId, 'x')) return [];
    const resolved = await this.collect(
      () =>
        this.client.readStream(streamId, { fromRevision: revisionOfVersion(from), maxCount: BigInt(to - from + 1), direction: FORWARDS }),
      { streamId },
    );
    return this.toStored(resolved);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent<E>[]> {
    const found: AllStreamResolvedEvent[] = [];
    if (options.limit <= 0) return [];
    // A page a little larger than asked for: usually one round trip, unless system events fill it.
    const page = Math.min(this.pageSize, Math.max(options.limit + 1, 64));
    await this.scanAll(options.after, page, (r) => {
      if (r.event && isDomainEvent(r.event.streamId, r.event.type)) found.push(r);
      return found.length < options.limit;
    });
    return this.toStored(found);
  }

  /**
   * The auditor's read. With a project (or a beneficiary): the end of `$all` is noted first, then
   * the index stream names the streams to read, then `$all` is read after `after` with a server-side
   * filter on exactly those stream names, up to the noted end, and each event is kept only if its
   * own attribution (and every other filter) matches. Noting the end first is what makes paging
   * safe: an index entry precedes its stream's events, so every event up to that end has its entry
   * in the index read after it, and a page never passes an event whose stream it did not know.
   * Without a project or beneficiary: `$all` with a server-side filter on the stream type's prefix
   * (or else the event type), the rest checked here.
   */
  async queryEvents(options: QueryEventsOptions): Promise<StoredEvent<E>[]> {
    if (options.limit <= 0) return [];
    const query = queryOf(options);
    let until: GlobalPosition | null = null;
    if (isIndexed(query)) {
      until = await this.lastPosition();
      if (!until || comparePositions(until, options.after) <= 0) return [];
    }
    const plan = await this.plan(query);
    if (!plan) return [];
    const found: AllStreamResolvedEvent[] = [];
    const page = Math.min(this.pageSize, Math.max(options.limit + 1, 64));
    await this.scanAll(
      options.after,
      page,
      (r, position) => {
        if (until && comparePositions(position, until) > 0) return false;
        if (r.event && matchesQuery(r.event, query, plan.streams)) found.push(r);
        return found.length < options.limit;
      },
      plan.filter,
    );
    return this.toStored(found);
  }

  /**
   * The query's events from the beginning of `$all` up to its end as it was when the export
   * started (`head.position`), streamed page by page. KurrentDB keeps no hash chain here, so every
   * event's `proof` is null and the head has no chain link; see docs/event-store.md.
   */
  async exportEvents(query: EventQuery): Promise<{ head: ExportHead; pages: AsyncIterable<readonly ExportedEvent<E>[]> }> {
    const q = queryOf(query);
    const until = await this.lastPosition();
    // After the head is noted (see queryEvents): every event up to it has its index entry by now.
    const plan = until ? await this.plan(q) : null;
    return { head: { chainSeq: null, hash: null, position: until }, pages: this.exportUntil(q, plan, until) };
  }

  private async *exportUntil(query: EventQuery, plan: QueryPlan | null, until: GlobalPosition | null): AsyncGenerator<ExportedEvent<E>[]> {
    if (!plan || !until) return;
    for await (const page of this.pagesOfAll(START, this.pageSize, plan.filter)) {
      const matching: AllStreamResolvedEvent[] = [];
      let done = false;
      for (const { r, position } of page) {
        if (comparePositions(position, until) > 0) {
          done = true;
          break;
        }
        if (r.event && matchesQuery(r.event, query, plan.streams)) matching.push(r);
      }
      if (matching.length > 0) yield (await this.toStored(matching)).map((e) => Object.assign(e, { proof: null }));
      if (done) return;
    }
  }

  /** The index's streams when the query names a project or beneficiary, and the server-side filter. */
  private async plan(query: EventQuery): Promise<QueryPlan | null> {
    let indexed: Set<string> | null = null;
    if (query.projectId !== undefined) indexed = await this.readIndex(projectIndexStream(query.projectId));
    else if (query.beneficiary !== undefined) indexed = await this.readIndex(beneficiaryIndexStream(query.beneficiary));
    return planQuery(query, indexed, this.maxRegexStreams);
  }

  /**
   * The streams an index lists. Read from the leader, as the end of $all before it is: the
   * argument that every event up to that end has its entry in this read needs one node's log.
   */
  private async readIndex(indexStream: string): Promise<Set<string>> {
    const resolved = await this.collect(() => this.client.readStream(indexStream, { direction: FORWARDS, requiresLeader: true }), {
      streamId: indexStream,
    });
    return streamsOfIndex(resolved.flatMap((r) => (r.event ? [{ type: r.event.type, data: r.event.data }] : [])));
  }

  /** The position of the last event in `$all` (any event, the server's own too); null when it is empty. */
  private async lastPosition(): Promise<GlobalPosition | null> {
    const last = await this.collect(
      () => this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1n, requiresLeader: true }),
      {},
    );
    return last[0] ? positionOf(last[0]) : null;
  }

  /**
   * Announces `streamId` in the index stream of each project and beneficiary it is attributed to,
   * unless this process knows it is there. The entry's id is fixed by (index stream, stream), so
   * two processes announcing it at once, or a retry, write it once (KurrentDB recognises the id;
   * should a duplicate get through after all, readers count a stream once). Called before the
   * events are appended: a crash in between leaves an entry for a stream with no attributed events.
   */
  private async attribute(streamId: string, attribution: readonly Attribution[]): Promise<void> {
    await Promise.all(
      indexEntriesFor(streamId, attribution).map(async (entry) => {
        const known = await this.knownStreams(entry.indexStream);
        if (known.has(streamId)) return;
        await this.appendIndexEntry(entry);
        known.add(streamId);
      }),
    );
  }

  private async knownStreams(indexStream: string): Promise<Set<string>> {
    const cached = this.indexed.get(indexStream);
    if (cached) {
      // Most recently used last, so the first key is the one to forget.
      this.indexed.delete(indexStream);
      this.indexed.set(indexStream, cached);
      return cached;
    }
    const known = await this.readIndex(indexStream);
    const raced = this.indexed.get(indexStream);
    if (raced) {
      for (const s of known) raced.add(s);
      return raced;
    }
    while (this.indexed.size >= this.indexCacheSize) this.indexed.delete(this.indexed.keys().next().value!);
    this.indexed.set(indexStream, known);
    return known;
  }

  private async appendIndexEntry(entry: IndexEntry): Promise<void> {
    try {
      await this.client.appendToStream(entry.indexStream, jsonEvent({ id: entry.id, type: STREAM_ATTRIBUTED, data: { ...entry.data } }), {
        streamState: ANY,
      });
    } catch (err) {
      throw toEventStoreError(err, { streamId: entry.indexStream });
    }
  }

  /**
   * Validated and upcast through the registry. A retired type whose upcaster needs the types
   * stored before it in its stream gets them from a read of that stream's beginning (rare:
   * only such legacy events pay for it).
   */
  private async toStored(resolved: readonly (ResolvedEvent | AllStreamResolvedEvent)[]): Promise<StoredEvent<E>[]> {
    const out: StoredEvent<E>[] = [];
    for (const r of resolved) {
      const e = r.event;
      const context =
        e && isDomainEvent(e.streamId, e.type) && this.registry.isContextual(e.type)
          ? { earlierTypes: await this.typesBefore(e.streamId, e.revision) }
          : undefined;
      const stored = toStoredEvent(r, this.registry, context);
      if (stored) out.push(stored);
    }
    return out;
  }

  private async typesBefore(streamId: string, revision: bigint): Promise<Set<string>> {
    if (revision === 0n) return new Set();
    const earlier = await this.collect(
      () => this.client.readStream(streamId, { fromRevision: 0n, maxCount: revision, direction: FORWARDS }),
      {
        streamId,
      },
    );
    return new Set(earlier.flatMap((r) => (r.event ? [r.event.type] : [])));
  }

  async countAfter(after: GlobalPosition, cap: number): Promise<number> {
    let n = 0;
    if (cap <= 0) return 0;
    await this.scanAll(after, this.pageSize, (r) => {
      if (r.event && isDomainEvent(r.event.streamId, r.event.type)) n++;
      return n < cap;
    });
    return n;
  }

  /**
   * A catch-up subscription to $all from its end, used only as a doorbell for the
   * projection runners (they read from their PostgreSQL checkpoint). Re-subscribes after
   * errors (server restart, leader change) until stopped.
   */
  watch(listener: () => void): () => void {
    let stopped = false;
    let current: ReturnType<KurrentClient['subscribeToAll']> | undefined;
    let retry: NodeJS.Timeout | undefined;
    const subscribe = (delay: number) => {
      if (stopped || this.closed) return;
      const sub = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
      current = sub;
      let lost = false;
      const onLost = (err?: unknown) => {
        if (err !== undefined) this.options.onWatchError?.(toEventStoreError(err));
        if (stopped || lost) return;
        lost = true;
        // Events may have been missed while it was down: wake the runners once it is back.
        retry = setTimeout(() => {
          listener();
          subscribe(Math.min(delay * 2, 10_000));
        }, delay);
      };
      sub.on('data', () => listener());
      sub.on('error', (err) => onLost(err));
      sub.on('end', () => onLost());
    };
    subscribe(500);
    return () => {
      stopped = true;
      clearTimeout(retry);
      void current?.unsubscribe().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
  }

  // ---------------------------------------------------------------------------------------

  /** Takes the key's claim for this request, or returns the first result when this is a retry. */
  private async claim(
    idem: { key: string; fingerprint: string },
    claim: ClaimedData,
  ): Promise<{ result: AppendResult } | { revision: bigint }> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.readClaim(idem.key);
      if (state && state.status !== 'released' && state.fingerprint !== idem.fingerprint) {
        throw new IdempotencyKeyReused(idem.key);
      }
      if (state?.status === 'completed') return { result: { ...state.result, duplicate: true } };
      if (state?.status === 'claimed') {
        const recovered = await this.recover(state);
        if (recovered) return { result: { ...recovered, duplicate: true } };
      }
      try {
        const revision = await this.appendClaimEvent(idem.key, CLAIMED, claim, state ? state.revision : null);
        return { revision };
      } catch (err) {
        // Another request with this key moved the claim meanwhile: look at it again.
        if (err instanceof ConcurrencyError && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Finds the events of a claim that has no recorded result, and records it. */
  private async recover(claim: ClaimState & { status: 'claimed' }): Promise<AppendResult | null> {
    const found =
      claim.expectedVersion === 'any'
        ? await this.locateNearEnd(claim.streamId, claim.eventIds)
        : await this.locate(claim.streamId, claim.expectedVersion, claim.eventIds);
    if (found) {
      await this.appendClaimEvent(claim.key, COMPLETED, completedData(found), claim.revision).catch(() => undefined);
    }
    return found;
  }

  private async readClaim(key: string): Promise<ClaimState | null> {
    const stream = idempotencyStreamOf(key);
    const resolved = await this.collect(() => this.client.readStream(stream, { direction: FORWARDS, requiresLeader: true }), {
      streamId: stream,
    });
    return foldClaim(resolved.flatMap((r) => (r.event ? [{ type: r.event.type, data: r.event.data, revision: r.event.revision }] : [])));
  }

  private async appendClaimEvent(key: string, type: string, data: object, revision: bigint | null): Promise<bigint> {
    const stream = idempotencyStreamOf(key);
    try {
      const written = await this.client.appendToStream(stream, jsonEvent({ type, data: data as Record<string, unknown> }), {
        streamState: revision === null ? NO_STREAM : revision,
      });
      return written.nextExpectedRevision;
    } catch (err) {
      throw toEventStoreError(err, { streamId: stream });
    }
  }

  /** The result of an append of `ids` right after version `afterVersion`, if exactly those events are there. */
  private async locate(streamId: string, afterVersion: number, ids: readonly string[]): Promise<AppendResult | null> {
    const resolved = await this.collect(
      () =>
        this.client.readStream(streamId, {
          fromRevision: BigInt(afterVersion),
          maxCount: BigInt(ids.length),
          direction: FORWARDS,
          requiresLeader: true,
        }),
      { streamId },
    );
    return resultFromRecorded(
      streamId,
      resolved.map((r) => r.event),
      ids,
      false,
    );
  }

  private async locateNearEnd(streamId: string, ids: readonly string[]): Promise<AppendResult | null> {
    const resolved = await this.collect(
      () =>
        this.client.readStream(streamId, {
          fromRevision: END,
          direction: BACKWARDS,
          maxCount: BigInt(this.recoveryScan),
          requiresLeader: true,
        }),
      { streamId },
    );
    const recorded = resolved.map((r) => r.event).reverse();
    const first = recorded.findIndex((e) => e?.id === ids[0]);
    if (first < 0) return null;
    return resultFromRecorded(streamId, recorded.slice(first, first + ids.length), ids, false);
  }

  /** Visits $all events strictly after `after` in order, page by page, while `visit` returns true. */
  private async scanAll(
    after: GlobalPosition,
    pageSize: number,
    visit: (r: AllStreamResolvedEvent, position: GlobalPosition) => boolean,
    filter?: Filter,
  ): Promise<void> {
    for await (const page of this.pagesOfAll(after, pageSize, filter)) {
      for (const { r, position } of page) if (!visit(r, position)) return;
    }
  }

  /**
   * $all strictly after `after`, in order, one page per read (with `filter`, the server skips
   * what does not match and a page holds up to `pageSize` matching events). A page shorter than
   * asked for is the end of $all.
   */
  private async *pagesOfAll(
    after: GlobalPosition,
    pageSize: number,
    filter?: Filter,
  ): AsyncGenerator<{ r: AllStreamResolvedEvent; position: GlobalPosition }[]> {
    // At least 2: a read includes its start, so a page of 1 could hold only what was already passed.
    const size = Math.max(2, pageSize);
    let passed = after;
    let from: ReadPosition = readStartFor(after);
    for (;;) {
      const page = await this.collect(
        () => this.client.readAll({ fromPosition: from, maxCount: BigInt(size), direction: FORWARDS, ...(filter ? { filter } : {}) }),
        {},
      );
      const fresh: { r: AllStreamResolvedEvent; position: GlobalPosition }[] = [];
      for (const r of page) {
        const position = positionOf(r);
        // Reads start at (and include) `from`; anything not past what was visited is skipped.
        if (!position || comparePositions(position, passed) <= 0) continue;
        passed = position;
        fresh.push({ r, position });
      }
      yield fresh;
      if (page.length < size) return;
      from = toClientPosition(passed);
    }
  }

  private async collect<T extends ResolvedEvent | AllStreamResolvedEvent>(read: () => AsyncIterable<T>, ctx: ErrorContext): Promise<T[]> {
    const out: T[] = [];
    try {
      for await (const r of read()) out.push(r);
    } catch (err) {
      if (isStreamNotFound(err)) return [];
      throw toEventStoreError(err, ctx);
    }
    return out;
  }
}

/** The query's filters alone (not the page's `after` and `limit`). */
function queryOf(q: EventQuery): EventQuery {
  const { projectId, beneficiary, streamType, type, actor, organisation, from, to } = q;
  return { projectId, beneficiary, streamType, type, actor, organisation, from, to };
}

function isIndexed(q: EventQuery): boolean {
  return q.projectId !== undefined || q.beneficiary !== undefined;
}
