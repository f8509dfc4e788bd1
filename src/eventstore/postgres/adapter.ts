import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConcurrencyError, DuplicateEventId, IdempotencyKeyReused, InvalidStreamId } from '../errors.js';
import type { AppendOptions, AppendResult, EventStore, NewEvent, ReadAllOptions, ReadStreamOptions, StoredEvent } from '../port.js';
import { STREAM_ID_PATTERN } from '../port.js';
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
  metadata: StoredEvent['metadata'];
  recorded_at: Date;
}

const COLUMNS = `transaction_id::text as tx, position, event_id, stream_id, stream_type, version,
  type, payload, metadata, recorded_at`;

/**
 * Events after ($1, $2) in global order that no reader can ever see appear before later
 * ones: only transactions older than the oldest still running are visible.
 */
const VISIBLE_AFTER = `where (transaction_id, position) > ($1::text::xid8, $2::bigint)
  and transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

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

export class PostgresEventStore implements EventStore {
  private readonly committer: GroupCommitter;

  constructor(
    private readonly pool: pg.Pool,
    private readonly registry: EventRegistry,
    options: PostgresEventStoreOptions = {},
  ) {
    this.committer = new GroupCommitter(pool, options.writers ?? 2, options.maxGroup ?? 256);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const match = STREAM_ID_PATTERN.exec(streamId);
    if (!match) throw new InvalidStreamId(streamId);
    if (events.length === 0) throw new Error(`append to ${streamId} carries no events`);
    const request: AppendRequest = {
      s: streamId,
      t: match[1]!,
      ev: events.map((e) => ({
        id: e.id ?? randomUUID(),
        type: e.type,
        data: this.registry.parseForAppend(e.type, e.data),
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

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${COLUMNS} from es_events
        where stream_id = $1 and version >= $2 and version <= $3
        order by version`,
      [streamId, options.from ?? 1, options.to ?? 2_147_483_647],
    );
    return rows.map((r) => this.toStored(r));
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${COLUMNS} from es_events
        ${VISIBLE_AFTER}
        order by transaction_id, position
        limit $3`,
      [options.after.transactionId.toString(), options.after.sequence.toString(), options.limit],
    );
    return rows.map((r) => this.toStored(r));
  }

  /**
   * The auditor's feed: events in global order after a cursor, filtered by recorded time,
   * actor, organisation, event type and project (its passport stream, or events naming it).
   */
  async feed(filter: FeedFilter): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `select ${COLUMNS} from es_events
        ${VISIBLE_AFTER}
          and recorded_at >= coalesce($3::timestamptz, '-infinity') and recorded_at <= coalesce($4::timestamptz, 'infinity')
          and ($5::text is null or metadata->>'actor' = $5)
          and ($6::text is null or metadata->>'organisation' = $6)
          and ($7::text is null or type = $7)
          and ($8::text is null or stream_id = 'passport-' || $8 or payload->>'projectId' = $8)
        order by transaction_id, position
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
         select 1 from es_events
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

  private toStored(row: EventRow): StoredEvent {
    const { type, data } = this.registry.parseStored(row.type, row.payload);
    return {
      id: row.event_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      type,
      data,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      position: { transactionId: BigInt(row.tx), sequence: BigInt(row.position) },
    };
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
