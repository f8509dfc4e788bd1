import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ConcurrencyError, DuplicateEventId, IdempotencyKeyReused, InvalidStreamId } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  ChainLink,
  EventMetadata,
  EventQuery,
  EventShape,
  EventStore,
  ExportedEvent,
  ExportHead,
  NewEvent,
  QueryEventsOptions,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
} from '../port.js';
import { STREAM_ID_PATTERN, storedEvent } from '../port.js';
import { START, type GlobalPosition } from '../position.js';
import type { EventRegistry, UpcastContext } from '../registry.js';
import { GENESIS, lastLink, linkCommitted, RECORDED_TEXT } from './chain.js';
import { inSlices } from '../../time-slices.js';
import { prepared } from '../../db/prepared.js';
import { binaryCopyRows } from './copy-binary.js';
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
 * For a retired type whose upcaster needs the types stored before it in its stream, those types
 * (through the (stream_id, version) index); for every other row the case is not evaluated.
 */
const earlierTypes = (contextualTypes: readonly string[], asJsonText = false) => {
  if (contextualTypes.length === 0) return '';
  const types = `array(select distinct p.type from es_events p where p.stream_id = e.stream_id and p.version < e.version)`;
  return `, case when e.type in (${contextualTypes.map((t) => `'${t}'`).join(', ')}) then ${asJsonText ? `array_to_json(${types})::text` : types} end as earlier_types`;
};

/** The columns of an event read as `e`. */
const columns = (contextualTypes: readonly string[]) =>
  `e.transaction_id::text as tx, e.position, e.event_id, e.stream_id, e.stream_type, e.version, e.type, e.payload, e.metadata, e.recorded_at${earlierTypes(contextualTypes)}`;

/** Separates the fixed-form facts of an exported row (none of them can hold it). */
const UNIT = '\x1f';

/**
 * The columns of an exported event and its link, all text (as the binary COPY reader takes
 * them): every fixed-form fact (numbers, ids, hashes, the hashed time) in one, then the stream
 * id and type as they are, the exact hashed payload and metadata, and the earlier types as a
 * JSON array where an upcaster needs them. Every column costs the service time a row to read
 * (13 columns took 2.0 s of its CPU for 100k events, these 1.2 s), and an export is bound by it.
 */
const exportColumns = (contextualTypes: readonly string[]) =>
  `concat_ws(chr(31), e.transaction_id, e.position, e.event_id, e.stream_type, e.version, ${RECORDED_TEXT},
             coalesce(c.chain_seq::text, ''), coalesce(encode(c.hash, 'hex'), ''), coalesce(encode(p.hash, 'hex'), '')) as facts,
   e.stream_id, e.type, e.payload::text as payload_text, e.metadata::text as metadata_text${earlierTypes(contextualTypes, true)}`;

/**
 * Events after ($1, $2) in global order that no reader can ever see appear before later
 * ones: only transactions older than the oldest still running are visible.
 */
const VISIBLE_AFTER = `where (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
  and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

export interface PostgresEventStoreOptions {
  /** Group commits running at once (each on its own connection). */
  readonly writers?: number;
  /** Most appends in one group commit. */
  readonly maxGroup?: number;
}

export class PostgresEventStore<E extends EventShape = EventShape> implements EventStore<E> {
  private readonly committer: GroupCommitter;
  private readonly columns: string;
  /** The statements run on every command and batch, built (and marked for preparing) once. */
  private readonly streamSql: string;
  private readonly logSql: string;
  private readonly exportColumns: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly registry: EventRegistry<E>,
    options: PostgresEventStoreOptions = {},
  ) {
    this.committer = new GroupCommitter(pool, options.writers ?? 2, options.maxGroup ?? 256);
    this.columns = columns(registry.contextualTypes);
    this.exportColumns = exportColumns(registry.contextualTypes);
    this.streamSql = prepared(`select ${this.columns} from es_events e
        where e.stream_id = $1 and e.version >= $2 and e.version <= $3
        order by e.version`);
    this.logSql = prepared(`select ${this.columns} from es_events e
        ${VISIBLE_AFTER}
        order by e.transaction_id, e.position
        limit $3`);
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
    if (options.attribution?.length) request.p = options.attribution.map((a) => ({ p: a.projectId, o: a.organisation }));
    const response = await this.committer.submit(request);
    return toResult(streamId, response, options);
  }

  async findIdempotentResult(key: string, fingerprint: string): Promise<AppendResult | null> {
    const { rows } = await this.pool.query<{ fingerprint: string; result: AppendResponse; stream_id: string }>(
      prepared(`select fingerprint, result, (select stream_id from es_events where event_id = (result->'ids'->>0)::uuid)
         from es_idempotency where key = $1`),
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
    const { rows } = await this.pool.query<EventRow>(this.streamSql, [streamId, options.from ?? 1, options.to ?? 2_147_483_647]);
    return this.allStored(rows);
  }

  async readAll(options: ReadAllOptions): Promise<StoredEvent<E>[]> {
    const { rows } = await this.pool.query<EventRow>(this.logSql, [
      options.after.transactionId.toString(),
      options.after.sequence.toString(),
      options.limit,
    ]);
    return this.allStored(rows);
  }

  /**
   * The rows as events, checked against their schemas a time slice at a time: a projection's
   * batch of thousands of events, or a long stream, is tens of milliseconds of checking, which
   * must not keep the requests waiting all that time.
   */
  private allStored(rows: EventRow[]): Promise<StoredEvent<E>[]> {
    const toStored = (row: EventRow) => this.toStored(row);
    return inSlices(
      (function* () {
        const events: StoredEvent<E>[] = [];
        for (const row of rows) {
          events.push(toStored(row));
          if (events.length % 64 === 0) yield;
        }
        return events;
      })(),
    );
  }

  /**
   * The auditor's read, from indexes in global order: a project's (or a beneficiary's) events
   * through the attribution index, otherwise the log's own indexes on type, stream type, actor
   * and organisation. Only the filters given become conditions, so the planner sees each as it is.
   */
  async queryEvents(options: QueryEventsOptions): Promise<StoredEvent<E>[]> {
    const q = eventQuerySql(options, { after: options.after, visibleOnly: true });
    const { rows } = await this.pool.query<EventRow>(
      `select ${this.columns} ${q.from} where ${q.where} order by ${q.order} limit ${q.param(options.limit)}`,
      q.params,
    );
    return rows.map((r) => this.toStored(r));
  }

  /**
   * Links every committed event into the hash chain first, so the export covers the log up to
   * now; then streams the query's events up to the chain's head, page by page, each with its link.
   */
  async exportEvents(
    query: EventQuery,
    // Pages of 100 or 200 kept events alive long enough that V8 sometimes moved them to the old
    // generation: those exports ran half as fast and used 80 MB more. Pages of 25 or 50 never did.
    pageSize = 50,
  ): Promise<{ head: ExportHead; pages: AsyncIterable<readonly ExportedEvent<E>[]> }> {
    await linkCommitted(this.pool);
    const top = await lastLink(this.pool);
    const head: ExportHead = top
      ? {
          chainSeq: Number(top.seq),
          hash: top.hash.toString('hex'),
          position: { transactionId: BigInt(top.tx), sequence: BigInt(top.pos) },
        }
      : { chainSeq: 0, hash: GENESIS.toString('hex'), position: null };
    return { head, pages: this.exportPages(query, head.position, pageSize) };
  }

  /**
   * One statement, `COPY (select …) TO STDOUT` in the binary format: the server streams the rows
   * while the service turns the ones before into events (a cursor's FETCH round trips left
   * either side waiting on the other: 100k events took 1.95 s to read, 1.35 s as COPY), text
   * columns arrive as their bytes with nothing to unescape, and the socket's flow control keeps
   * memory to a chunk and a page. One statement sees one snapshot, up to the head the export
   * was cut at. A reader that goes away half-way leaves the connection mid-COPY: it is closed
   * (which ends the server's COPY) rather than returned to the pool.
   */
  private async *exportPages(query: EventQuery, until: GlobalPosition | null, pageSize: number): AsyncGenerator<ExportedEvent<E>[]> {
    if (!until) return;
    const client = await this.pool.connect();
    // COPY takes no parameters: the values are written as literals, escaped by the driver.
    const q = eventQuerySql(query, { after: START, until }, (value) =>
      client.escapeLiteral(value instanceof Date ? value.toISOString() : String(value)),
    );
    let done = false;
    try {
      await client.query('begin read only');
      // Row by row through indexes: compiling the plan (JIT, ~70 ms on a 100k-event project) gains nothing.
      await client.query('set local jit = off');
      const rows = client.query(
        copyTo(
          `copy (select ${this.exportColumns}
                   ${q.from}
                   left join es_chain c on c.position = e.position
                   left join es_chain p on p.chain_seq = c.chain_seq - 1
                  where ${q.where} order by ${q.order}) to stdout (format binary)`,
        ),
      );
      let page: ExportedEvent<E>[] = [];
      for await (const chunk of binaryCopyRows(rows)) {
        for (const row of chunk) {
          page.push(this.exported(row));
          if (page.length === pageSize) {
            yield page;
            page = [];
          }
        }
      }
      if (page.length > 0) yield page;
      await client.query('commit');
      done = true;
    } finally {
      client.release(!done);
    }
  }

  async head(): Promise<GlobalPosition | null> {
    const { rows } = await this.pool.query<{ tx: string; pos: string }>(
      'select transaction_id::text as tx, position as pos from es_events order by transaction_id desc, position desc limit 1',
    );
    const row = rows[0];
    return row ? { transactionId: BigInt(row.tx), sequence: BigInt(row.pos) } : null;
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
    return storedEvent(this.registry.parseStored(row.type, row.payload, context(row.earlier_types)), {
      id: row.event_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      version: row.version,
      metadata: row.metadata,
      recordedAt: row.recorded_at,
      position: { transactionId: BigInt(row.tx), sequence: BigInt(row.position) },
    });
  }

  /** An exported row (see {@link exportColumns}) as a stored event with its link (null for an event the chain has not linked). */
  private exported(row: readonly (string | null)[]): ExportedEvent<E> {
    const [facts, streamId, type, payloadText, metadataText, earlier] = row as [
      string,
      string,
      string,
      string,
      string,
      string | null | undefined,
    ];
    const [tx = '', position = '', eventId = '', streamType = '', version = '', recordedText = '', chainSeq, linkHash, prevHash] =
      facts.split(UNIT);
    const earlierTypes = earlier ? (JSON.parse(earlier) as string[]) : null;
    const event = storedEvent(this.registry.readStored(type, JSON.parse(payloadText), context(earlierTypes)), {
      id: eventId,
      streamId,
      streamType,
      version: Number(version),
      metadata: JSON.parse(metadataText) as EventMetadata,
      recordedAt: new Date(recordedText),
      position: { transactionId: BigInt(tx), sequence: BigInt(position) },
    });
    const proof: ChainLink | null = chainSeq
      ? {
          chainSeq: Number(chainSeq),
          prevHash: prevHash || GENESIS.toString('hex'),
          hash: linkHash ?? '',
          eventId,
          streamId,
          version: event.version,
          type,
          payloadText,
          metadataText,
          recordedAt: recordedText,
        }
      : null;
    return Object.assign(event, { proof });
  }
}

/** Only a retired type that needs them has the earlier types (and pays for a set of them). */
function context(earlierTypes: readonly string[] | null | undefined): UpcastContext | undefined {
  return earlierTypes ? { earlierTypes: new Set(earlierTypes) } : undefined;
}

/**
 * FROM, WHERE and ORDER BY of an event query over `e` (es_events), its values as parameters
 * (or, for a statement that takes none, as the literals `literal` writes). With a project or a
 * beneficiary, the attribution index `a` drives it in global order; an event belonging to two
 * projects of one beneficiary comes once (distinct on its position).
 */
function eventQuerySql(
  query: EventQuery,
  range: { after: GlobalPosition; until?: GlobalPosition | null; visibleOnly?: boolean },
  literal?: (value: unknown) => string,
) {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    if (literal) return literal(value);
    params.push(value);
    return `$${params.length}`;
  };
  const viaIndex = query.projectId !== undefined || query.beneficiary !== undefined;
  const o = viaIndex ? 'a' : 'e';
  const where = [
    `(${o}.transaction_id, ${o}.position) > (${param(range.after.transactionId.toString())}::text::xid8, ${param(range.after.sequence.toString())}::bigint)`,
  ];
  if (range.visibleOnly) where.push(`${o}.transaction_id < pg_snapshot_xmin(pg_current_snapshot())`);
  if (range.until)
    where.push(
      `(${o}.transaction_id, ${o}.position) <= (${param(range.until.transactionId.toString())}::text::xid8, ${param(range.until.sequence.toString())}::bigint)`,
    );
  if (query.projectId !== undefined) where.push(`a.project_id = ${param(query.projectId)}`);
  if (query.beneficiary !== undefined) where.push(`a.organisation = ${param(query.beneficiary)}`);
  if (query.streamType !== undefined) where.push(`e.stream_type = ${param(query.streamType)}`);
  if (query.type !== undefined) where.push(`e.type = ${param(query.type)}`);
  if (query.actor !== undefined) where.push(`e.metadata->>'actor' = ${param(query.actor)}`);
  if (query.organisation !== undefined) where.push(`e.metadata->>'organisation' = ${param(query.organisation)}`);
  if (query.from !== undefined) where.push(`e.recorded_at >= ${param(query.from)}`);
  if (query.to !== undefined) where.push(`e.recorded_at <= ${param(query.to)}`);
  const from = viaIndex ? 'from es_event_projects a join es_events e on e.position = a.position' : 'from es_events e';
  // Under a beneficiary alone, one event may be indexed under several of its projects.
  const distinct = query.projectId === undefined && query.beneficiary !== undefined;
  return {
    params,
    param,
    from: distinct
      ? `from (select distinct on (a.transaction_id, a.position) a.* ${from} where ${where.join(' and ')} order by a.transaction_id, a.position) a join es_events e on e.position = a.position`
      : from,
    where: distinct ? 'true' : where.join(' and '),
    order: `${o}.transaction_id, ${o}.position`,
  };
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
