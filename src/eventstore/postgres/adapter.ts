import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConcurrencyError, DuplicateEventId, IdempotencyKeyReused, InvalidStreamId } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventShape,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from '../port.js';
import { STREAM_ID_PATTERN, storedEvent } from '../port.js';
import type { GlobalPosition } from '../position.js';
import type { EventRegistry } from '../registry.js';
import { GroupCommitter, type AppendRequest, type AppendResponse } from './group-commit.js';

interface EventRow {
  tx: string;
  position: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  payload: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
  /** The types stored before this event in its stream; only for types whose upcaster needs them. */
  earlier_types?: string[] | null;
}

/**
 * The columns of an event read as `e`. For a retired type whose upcaster needs the types stored
 * before it in its stream, they come along through the (stream_id, version) index; for every
 * other row the case is not evaluated.
 */
const columns = (contextualTypes: readonly string[]) => {
  const own = `e.transaction_id::text as tx, e.position, e.event_id, e.stream_id, e.stream_type, e.version, e.type, e.payload,
  e.metadata, e.recorded_at`;
  if (contextualTypes.length === 0) return own;
  return `${own}, case when e.type in (${contextualTypes.map((t) => `'${t}'`).join(', ')}) then array(
    select distinct p.type from es_events p where p.stream_id = e.stream_id and p.version < e.version) end as earlier_types`;
};

/**
 * Events after ($1, $2) in global order that no reader can ever see appear before later
 * ones: only transactions older than the oldest still running are visible.
 */
const VISIBLE_AFTER = `where (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
  and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

export interface FeedFilter {
  after: GlobalPosition;
  limit: number;
  from?: Date;
  to?: Date;
  actor?: string;
  organisation?: string;
  type?: string;
  projectId?: string;
}

export interface PostgresEventStoreOptions {
  /** Group commits running at once (each on its own connection). */
  readonly writers?: number;
  /** Most appends in one group commit. */
  readonly maxGroup?: number;
}

export class PostgresEventStore<E extends EventShape = EventShape> implements EventStore<E> {
  private readonly committer: GroupCommitter;
  private readonly columns: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly registry: EventRegistry<E>,
    options: PostgresEventStoreOptions = {},
  ) {
    this.committer = new GroupCommitter(pool, options.writers ?? 2, options.maxGroup ?? 256);
    this.columns = columns(registry.contextualTypes);
  }

  async append(streamId: string, events: readonly NewEvent<E>[], options: AppendOptions): Promise<AppendResult> {
    const match = STREAM_ID_PATTERN.exec(streamId);
    if (!match) throw new InvalidStreamId(streamId);
    if (events.length === 0) throw new Error(`append to ${streamId} carries no events`);
    const request: AppendRequest = {
      s: streamId,
      t: match[1]!,
      ev: events.map((e) => ({
        id: e.id ?? randomUUID(),
        type: e.type,
        data: this.registry.parseForAppend(e),
        meta: e.metadata,
      })),
    };
    // Ids drawn here were never stored, so es_append can skip looking for an earlier try.
    if (events.every((e) => e.id === undefined)) request.g = true;
    if (options.expectedVersion !== 'any') request.e = options.expectedVersion;
    if (options.idempotency) {
      request.k = options.idempotency.key;
      request.f = options.idempotency.fingerprint;
    }
    const response = await this.committer.submit(request);
    return toResult(streamId, response, options);
  }

  async findIdempotentResult(key: string, fingerprint: string): Promise<AppendResult | null> {
    const { rows } = await this.pool.query<{ fingerprint: string; result: AppendResponse; stream_id: string }>(
      `select fingerprint, result, (select stream_id from es_events where event_id = (result->'ids'->>0)::uuid)
         from es_idempotency where key = $1`,
      [key],
    );
    const row = rows[0];
    if (!row) return null;
    if (row.fingerprint !== fingerprint) throw new IdempotencyKeyReused(key);
    return toResult(row.stream_id, { ...row.result, dup: true } as AppendResponse, {
      expectedVersion: 'any',
      idempotency: { key, fingerprint },
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent<E>[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${this.columns} from es_events e
        where e.stream_id = $1 and e.version >= $2 and e.version <= $3
        order by e.version`,
      [streamId, options.from ?? 1, options.to ?? 2_147_483_647],
    );
    return rows.map((r) => this.toStored(r));
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent<E>[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${this.columns} from es_events e
        ${VISIBLE_AFTER}
        order by e.transaction_id, e.position
        limit $3`,
      [options.after.transactionId.toString(), options.after.sequence.toString(), options.limit],
    );
    return rows.map((r) => this.toStored(r));
  }

  /**
   * The auditor's feed: events in global order after a cursor, filtered by recorded time,
   * actor, organisation, event type and project (its passport stream, or events naming it).
   */
  async feed(filter: FeedFilter): Promise<StoredEvent<E>[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${this.columns} from es_events e
        ${VISIBLE_AFTER}
          and e.recorded_at >= coalesce($3::timestamptz, '-infinity') and e.recorded_at <= coalesce($4::timestamptz, 'infinity')
          and ($5::text is null or e.metadata->>'actor' = $5)
          and ($6::text is null or e.metadata->>'organisation' = $6)
          and ($7::text is null or e.type = $7)
          and ($8::text is null or e.stream_id = 'passport-' || $8 or e.payload->>'projectId' = $8)
        order by e.transaction_id, e.position
        limit $9`,
      [
        filter.after.transactionId.toString(),
        filter.after.sequence.toString(),
        filter.from ?? null,
        filter.to ?? null,
        filter.actor ?? null,
        filter.organisation ?? null,
        filter.type ?? null,
        filter.projectId ?? null,
        filter.limit,
      ],
    );
    return rows.map((r) => this.toStored(r));
  }

  async countAfter(after: GlobalPosition, cap: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `select count(*)::int as n from (
         select 1 from es_events e
          ${VISIBLE_AFTER}
          limit $3) t`,
      [after.transactionId.toString(), after.sequence.toString(), cap],
    );
    return rows[0]!.n;
  }

  /** Waits for appends already submitted; the pool belongs to the caller. */
  async close(): Promise<void> {
    await this.committer.drain();
  }

  private toStored(row: EventRow): StoredEvent<E> {
    // Only a retired type that needs them has the earlier types (and pays for a set of them).
    const context = row.earlier_types ? { earlierTypes: new Set(row.earlier_types) } : undefined;
    const event = this.registry.parseStored(row.type, row.payload, context);
    return storedEvent(event, {
      id: row.event_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      position: { transactionId: BigInt(row.tx), sequence: BigInt(row.position) },
    });
  }
}

function toResult(streamId: string, r: AppendResponse, options: AppendOptions): AppendResult {
  switch (r.err) {
    case undefined:
      return {
        streamId,
        nextVersion: r.v,
        eventIds: r.ids,
        positions: r.pos.map(([tx, seq]): GlobalPosition => ({ transactionId: BigInt(tx), sequence: BigInt(seq) })),
        duplicate: r.dup,
      };
    case 'version':
      throw new ConcurrencyError(streamId, r.expected, r.actual);
    case 'idempotency':
      throw new IdempotencyKeyReused(options.idempotency?.key ?? '');
    case 'event_id':
      throw new DuplicateEventId(r.id);
  }
}
