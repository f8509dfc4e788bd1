import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendResult as ClientAppendResult,
  type KurrentDBClient,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, IdempotencyKeyReused, InvalidStreamId, StreamDeleted } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventShape,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from '../port.js';
import { STREAM_ID_PATTERN } from '../port.js';
import { comparePositions, type GlobalPosition } from '../position.js';
import type { EventRegistry } from '../registry.js';
import {
  CLAIMED,
  COMPLETED,
  IDEMPOTENCY_STREAM_TYPE,
  RELEASED,
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
  toEventStoreError,
  toKurrentMetadata,
  toStoredEvent,
  toStreamState,
  type ClaimState,
  type ClaimedData,
  type ErrorContext,
} from './mapping.js';

/** The part of the KurrentDB client this adapter uses (a fake of it can drive the control-flow tests). */
export type KurrentClient = Pick<KurrentDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface KurrentDbEventStoreOptions {
  /** Largest page read from $all at once (readAll and countAfter page through it). */
  readonly pageSize?: number;
  /** How far back from a stream's end an idempotent 'any' append is looked for when recovering its result. */
  readonly recoveryScan?: number;
  readonly onWatchError?: (err: unknown) => void;
}

/**
 * The event-store port on KurrentDB (formerly EventStoreDB), through the official client.
 *
 * - Expected version N is stream state "revision N-1" (0: no_stream; 'any': any).
 * - readAll reads $all from a (commit, prepare) position, skips the server's own events and
 *   the idempotency claims, and pages until it has `limit` domain events or reaches the end.
 * - Idempotency: see {@link KurrentDbEventStore.append}.
 *
 * Read models and projection checkpoints stay in PostgreSQL; only the event log is here.
 */
export class KurrentDbEventStore<E extends EventShape = EventShape> implements EventStore<E> {
  private readonly pageSize: number;
  private readonly recoveryScan: number;
  private closed = false;

  constructor(
    private readonly client: KurrentClient,
    private readonly registry: EventRegistry<E>,
    private readonly options: KurrentDbEventStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.recoveryScan = options.recoveryScan ?? 1000;
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
   */
  async append(streamId: string, events: readonly NewEvent<E>[], options: AppendOptions): Promise<AppendResult> {
    const match = STREAM_ID_PATTERN.exec(streamId);
    if (!match || match[1] === IDEMPOTENCY_STREAM_TYPE) throw new InvalidStreamId(streamId);
    if (events.length === 0) throw new Error(`append to ${streamId} carries no events`);
    const streamState = toStreamState(options.expectedVersion);
    const idem = options.idempotency;
    const ids = events.map((e, i) => (idem ? idempotentEventId(idem.key, idem.fingerprint, i) : (e.id ?? randomUUID())));
    const payloads = events.map((e, i) =>
      jsonEvent({
        id: ids[i]!,
        type: e.type,
        data: this.registry.parseForAppend(e) as Record<string, unknown>,
        metadata: { ...toKurrentMetadata(e.metadata, idem) },
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
  private async scanAll(after: GlobalPosition, pageSize: number, visit: (r: AllStreamResolvedEvent) => boolean): Promise<void> {
    let passed = after;
    let from: ReadPosition = readStartFor(after);
    for (;;) {
      const page = await this.collect(
        () => this.client.readAll({ fromPosition: from, maxCount: BigInt(pageSize), direction: FORWARDS }),
        {},
      );
      for (const r of page) {
        const position = positionOf(r);
        // Reads start at (and include) `from`; anything not past what was visited is skipped.
        if (!position || comparePositions(position, passed) <= 0) continue;
        passed = position;
        if (!visit(r)) return;
      }
      if (page.length < pageSize) return;
      from = { commit: passed.transactionId, prepare: passed.sequence };
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
