import type { StreamCatalogueEntry } from '../../projections/stream-catalogue/entity.js';
import { findStream, listStreams, type StreamListQuery } from '../../projections/stream-catalogue/queries.js';
import { NotFound } from '../domain/errors.js';
import type { AnyEvent } from '../domain/stream-types.js';
import { parsePosition, START } from '../eventstore/position.js';
import { PostgresEventStore, type FeedFilter } from '../eventstore/postgres/adapter.js';
import { exportChain, TamperEvidenceUnavailable, verifyChain, type ChainReport } from '../eventstore/postgres/chain.js';
import type { Deps } from './deps.js';
import { cursorCodec } from './cursor.js';
import { feedEntry, streamHistory, type FeedEntry, type StreamHistoryPage } from './history.js';
import { pageOf, type Page, type PageRequest } from './page.js';

export type { ChainReport };

const STREAMS_CURSOR = cursorCodec('streams', ['text']);
const FEED_CURSOR = cursorCodec('events', ['position']);
const HISTORY_CURSOR = cursorCodec('stream-history', ['int']);

/**
 * What auditors read: the history of any stream as of any instant, the global feed, the
 * stream catalogue, and the tamper-evident hash chain (PostgreSQL log only: 501 otherwise).
 */
export class Audit {
  constructor(private readonly deps: Deps) {}

  /**
   * A page of a stream's history as of `asOf`, in version order. Every event before the page is
   * folded too (each entry's changes and the state need them), so the page is cut from the
   * folded history by version rather than in SQL.
   */
  async streamHistory(streamId: string, asOf: Date, page: PageRequest): Promise<StreamHistoryPage> {
    const after = page.cursor === undefined ? 0 : HISTORY_CURSOR.decode(page.cursor)[0];
    const { events, ...history } = await streamHistory(this.deps.store, streamId, asOf);
    const rest = events.filter((e) => e.version > after).slice(0, page.limit + 1);
    return { ...history, ...pageOf(rest, page.limit, (e) => HISTORY_CURSOR.encode([e.version])) };
  }

  /** A page of the events in global order after the cursor, filtered. */
  async feed(filter: Omit<FeedFilter, 'after' | 'limit'>, page: PageRequest): Promise<Page<FeedEntry>> {
    const after = page.cursor === undefined ? START : parsePosition(FEED_CURSOR.decode(page.cursor)[0]);
    const events = await this.log().feed({ ...filter, after, limit: page.limit + 1 });
    return pageOf(events.map(feedEntry), page.limit, (e) => FEED_CURSOR.encode([e.position]));
  }

  /** Every event of the feed's filter, page by page. */
  async *feedAll(filter: Omit<FeedFilter, 'after' | 'limit'>): AsyncGenerator<FeedEntry> {
    for (let cursor = START; ;) {
      const page = await this.log().feed({ ...filter, after: cursor, limit: 1000 });
      yield* page.map(feedEntry);
      if (page.length < 1000) return;
      cursor = page.at(-1)!.position;
    }
  }

  /** The stream catalogue in stream id order, keyset-paged. */
  async streams(q: Omit<StreamListQuery, 'after' | 'limit'>, page: PageRequest): Promise<Page<StreamCatalogueEntry>> {
    const after = page.cursor === undefined ? undefined : STREAMS_CURSOR.decode(page.cursor)[0];
    const rows = await listStreams(this.deps.orm, { ...q, ...(after === undefined ? {} : { after }), limit: page.limit + 1 });
    return pageOf(rows, page.limit, (r) => STREAMS_CURSOR.encode([r.streamId]));
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

  private log(): PostgresEventStore<AnyEvent> {
    const store = this.deps.store;
    if (!(store instanceof PostgresEventStore)) throw new TamperEvidenceUnavailable();
    return store as PostgresEventStore<AnyEvent>;
  }
}
