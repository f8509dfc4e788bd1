import type { StreamCatalogueEntry } from '../../projections/stream-catalogue/entity.js';
import { findStream, listStreams, type StreamListQuery } from '../../projections/stream-catalogue/queries.js';
import { csvLine } from './csv.js';
import {
  EXPORT_CSV_COLUMNS,
  exportLineParts,
  PROJECT_EXPORT_FORMAT,
  type ProjectExportHeader,
  type ProjectExportSummary,
} from '../audit/project-export.js';
import { NotFound } from '../domain/errors.js';
import { passportStreamId } from '../domain/passport/decider.js';
import type { EventQuery, ExportedEvent } from '../eventstore/port.js';
import { formatPosition, parsePosition, START } from '../eventstore/position.js';
import { exportChain, TamperEvidenceUnavailable, verifyChain, type ChainReport } from '../eventstore/postgres/chain.js';
import type { Deps } from './deps.js';
import { cursorCodec, cursorSealForAll } from './cursor.js';
import {
  eventEntry,
  projectHistoryEntries,
  streamHistory,
  type FeedEntry,
  type ProjectHistoryEntry,
  type StreamHistoryPage,
} from './history.js';
import { pageOf, type Page, type PageRequest } from './page.js';

export type { ChainReport };

const STREAMS_CURSOR = cursorCodec('streams', ['text']);
const FEED_CURSOR = cursorCodec('events', ['position']);
const PROJECT_HISTORY_CURSOR = cursorCodec('project-history', ['position']);

/** What a project's history may be narrowed to. */
export type ProjectHistoryFilter = Omit<EventQuery, 'projectId' | 'beneficiary'>;

const HISTORY_CURSOR = cursorCodec('stream-history', ['int']);

/**
 * What auditors read: the history of any stream as of any instant, the global feed, the
 * stream catalogue, and the tamper-evident hash chain (PostgreSQL log only: 501 otherwise).
 */
export class Audit {
  constructor(private readonly deps: Pick<Deps, 'store' | 'clock' | 'pool' | 'orm' | 'chain' | 'config'>) {}

  /**
   * A page of a stream's history as of `asOf`, in version order. Every event before the page is
   * folded too (each entry's changes and the state need them), so the page is cut from the
   * folded history by version rather than in SQL.
   */
  async streamHistory(streamId: string, asOf: Date, page: PageRequest): Promise<StreamHistoryPage> {
    const after = page.cursor === undefined ? 0 : HISTORY_CURSOR.decode(this.seal(), page.cursor)[0];
    const { events, ...history } = await streamHistory(this.deps.store, streamId, asOf);
    const rest = events.filter((e) => e.version > after).slice(0, page.limit + 1);
    return { ...history, ...pageOf(rest, page.limit, (e) => HISTORY_CURSOR.encode(this.seal(), [e.version])) };
  }

  /** A page of the events in global order after the cursor, filtered (served from the store's indexes). */
  async feed(filter: EventQuery, page: PageRequest): Promise<Page<FeedEntry>> {
    const after = page.cursor === undefined ? START : parsePosition(FEED_CURSOR.decode(this.seal(), page.cursor)[0]);
    const events = await this.deps.store.queryEvents({ ...filter, after, limit: page.limit + 1 });
    return pageOf(
      events.map((e) => eventEntry(e)),
      page.limit,
      (e) => FEED_CURSOR.encode(this.seal(), [e.position]),
    );
  }

  /**
   * A page of a project's history: every event of every stream of the project (passport, budget,
   * indicators, findings, alert decisions), in global order, each with what it changed, the
   * four-eyes step it took and a description.
   */
  async projectHistory(projectId: string, filter: ProjectHistoryFilter, page: PageRequest): Promise<Page<ProjectHistoryEntry>> {
    const after = page.cursor === undefined ? START : parsePosition(PROJECT_HISTORY_CURSOR.decode(this.seal(), page.cursor)[0]);
    const events = await this.deps.store.queryEvents({ ...filter, projectId, after, limit: page.limit + 1 });
    if (events.length === 0 && page.cursor === undefined) await this.assertProject(projectId);
    const { items, nextCursor } = pageOf(events, page.limit, (e) =>
      PROJECT_HISTORY_CURSOR.encode(this.seal(), [formatPosition(e.position)]),
    );
    return { items: await projectHistoryEntries(this.deps.store, items), nextCursor };
  }

  /**
   * A project's whole history as JSON Lines (a header line, one line per event, a summary line)
   * or CSV (one row per event), each event with its hash-chain link: the same events as the
   * history, streamed as they are read.
   */
  async exportProject(projectId: string, format: 'jsonl' | 'csv'): Promise<AsyncGenerator<Buffer>> {
    await this.assertProject(projectId);
    const { head, pages } = await this.deps.store.exportEvents({ projectId });
    if (format === 'csv') return csvLines(pages);
    const header: ProjectExportHeader = {
      format: PROJECT_EXPORT_FORMAT,
      projectId,
      exportedAt: this.deps.clock().toISOString(),
      head: { chainSeq: head.chainSeq, hash: head.hash, position: head.position ? formatPosition(head.position) : null },
    };
    return jsonLines(header, pages);
  }

  /** Every list here is the auditors' (and admins'): they see every object. */
  private seal() {
    return cursorSealForAll(this.deps.config);
  }

  /** 404 for a project that has no passport: nothing of it was ever recorded. */
  private async assertProject(projectId: string): Promise<void> {
    const [first] = await this.deps.store.readStream(passportStreamId(projectId), { to: 1 });
    if (!first) throw new NotFound('Project', projectId);
  }

  /** The stream catalogue in stream id order, keyset-paged. */
  async streams(q: Omit<StreamListQuery, 'after' | 'limit'>, page: PageRequest): Promise<Page<StreamCatalogueEntry>> {
    const after = page.cursor === undefined ? undefined : STREAMS_CURSOR.decode(this.seal(), page.cursor)[0];
    const rows = await listStreams(this.deps.orm, { ...q, ...(after === undefined ? {} : { after }), limit: page.limit + 1 });
    return pageOf(rows, page.limit, (r) => STREAMS_CURSOR.encode(this.seal(), [r.streamId]));
  }

  async stream(streamId: string): Promise<StreamCatalogueEntry> {
    const row = await findStream(this.deps.orm, streamId);
    if (!row) throw new NotFound('Stream', streamId);
    return row;
  }

  /** Recomputes the hash chain over everything committed so far and reports the first break. */
  async verifyChain(): Promise<ChainReport> {
    await this.catchUpChain();
    return verifyChain(this.deps.pool);
  }

  /** The whole linked log, one JSON line per event, in the exact text form that was hashed. */
  async exportChain(): Promise<AsyncGenerator<string>> {
    await this.catchUpChain();
    return exportChain(this.deps.pool);
  }

  private async catchUpChain(): Promise<void> {
    if (!this.deps.chain) throw new TamperEvidenceUnavailable();
    // Link what has committed so far, so the answer covers the log up to this request.
    await this.deps.chain.catchUp();
  }
}

/**
 * Lines are written as UTF-8 into chunks of this many bytes: few enough writes, and each chunk
 * encoded once, where it is written (no long string to join and encode again), outside the
 * JavaScript heap.
 */
const CHUNK_BYTES = 64 * 1024;

/** The header line, the event lines, the summary line. */
async function* jsonLines(header: ProjectExportHeader, pages: AsyncIterable<readonly ExportedEvent[]>): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(header)}\n`);
  const streams: Record<string, number> = {};
  let n = 0;
  yield* inChunks(pages, (e) => {
    streams[e.streamId] = e.version;
    n++;
    // The link's hashed time, cut to milliseconds, is the event's (the offline check holds them to it): no Date to write.
    return exportLineParts(eventEntry(e, e.proof ? `${e.proof.recordedAt.slice(0, 23)}Z` : undefined), e.proof);
  });
  const summary: ProjectExportSummary = { events: n, streams };
  yield Buffer.from(`${JSON.stringify({ summary })}\n`);
}

/** The header row, then one row per event. */
async function* csvLines(pages: AsyncIterable<readonly ExportedEvent[]>): AsyncGenerator<Buffer> {
  yield Buffer.from(csvLine(EXPORT_CSV_COLUMNS));
  yield* inChunks(pages, (e) => {
    const entry = eventEntry(e);
    const p = e.proof;
    return [
      csvLine(EXPORT_CSV_COLUMNS, {
        ...entry,
        descriptionLv: entry.description.lv,
        descriptionEn: entry.description.en,
        data: JSON.stringify(entry.data),
        chainSeq: p?.chainSeq ?? null,
        prevHash: p?.prevHash ?? null,
        hash: p?.hash ?? null,
        storedType: p?.type ?? null,
        payloadText: p?.payloadText ?? null,
        metadataText: p?.metadataText ?? null,
        recordedAtText: p?.recordedAt ?? null,
      }),
    ];
  });
}

/** Each event's line (in parts), written in chunks of {@link CHUNK_BYTES} (a longer line in a chunk of its own). */
async function* inChunks(
  pages: AsyncIterable<readonly ExportedEvent[]>,
  lineOf: (e: ExportedEvent) => readonly string[],
): AsyncGenerator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for await (const page of pages) {
    for (const e of page) {
      const parts = lineOf(e);
      let length = 0;
      for (const part of parts) length += part.length;
      // A UTF-16 unit takes at most 3 bytes of UTF-8; the chunk goes out before a line could overflow it.
      if (used + 3 * length > chunk.length) {
        if (used > 0) yield chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, 3 * length));
        used = 0;
      }
      for (const part of parts) used += chunk.write(part, used);
    }
  }
  if (used > 0) yield chunk.subarray(0, used);
}
