import type { StreamCatalogueEntry } from '../../projections/stream-catalogue/entity.js';
import { findStream, listStreams, type StreamListQuery } from '../../projections/stream-catalogue/queries.js';
import { NotFound } from '../domain/errors.js';
import type { AnyEvent } from '../domain/stream-types.js';
import { parsePosition, START } from '../eventstore/position.js';
import { PostgresEventStore, type FeedFilter } from '../eventstore/postgres/adapter.js';
import { exportChain, TamperEvidenceUnavailable, verifyChain, type ChainReport } from '../eventstore/postgres/chain.js';
import type { Deps } from './deps.js';
import { feedEntry, streamHistory, type FeedEntry, type StreamHistory } from './history.js';

export type { ChainReport };

/**
 * What auditors read: the history of any stream as of any instant, the global feed, the
 * stream catalogue, and the tamper-evident hash chain (PostgreSQL log only: 501 otherwise).
 */
export class Audit {
  constructor(private readonly deps: Deps) {}

  streamHistory(streamId: string, asOf: Date): Promise<StreamHistory> {
    return streamHistory(this.deps.store, streamId, asOf);
  }

  /** A page of the events in global order after the cursor `after` (a position, `"<txid>.<seq>"`), filtered. */
  async feed(filter: Omit<FeedFilter, 'after'> & { after?: string }): Promise<{ items: FeedEntry[]; next?: string }> {
    const after = filter.after ? parsePosition(filter.after) : START;
    const events = await this.log().feed({ ...filter, after, limit: filter.limit + 1 });
    const items = events.slice(0, filter.limit).map(feedEntry);
    return events.length > filter.limit ? { items, next: items.at(-1)!.position } : { items };
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

  streams(q: StreamListQuery): Promise<StreamCatalogueEntry[]> {
    return listStreams(this.deps.orm, q);
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
