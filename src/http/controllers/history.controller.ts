import { Readable } from 'node:stream';
import { Controller, Get, Path, Produces, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import { entryOf, streamHistory, type HistoryEntry, type StreamHistory } from '../../application/history.js';
import { PostgresEventStore } from '../../eventstore/postgres/adapter.js';
import { TamperEvidenceUnavailable } from '../../eventstore/postgres/chain.js';
import type { StoredEvent } from '../../eventstore/port.js';
import { parsePosition, START } from '../../eventstore/position.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import type { Problem } from '../problem.js';
import { toCsv } from '../views/csv.js';
import { parseAsOf } from '../views/indicator.js';

export interface FeedEntry extends HistoryEntry {
  streamId: string;
  /** The event's payload as stored (upcast to its current type). */
  data: unknown;
}

export interface FeedPage {
  items: FeedEntry[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

const feedEntry = (e: StoredEvent): FeedEntry => ({ ...entryOf(e), streamId: e.streamId, data: e.data });

@Route('history')
@Tags('Audit')
@Security('jwt', ['auditor'])
@Response<Problem>(422, 'Bad asOf, time range or cursor')
export class HistoryController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * A stream as it stood at `asOf` (default now): every event recorded up to then with who
   * did it, when, under which request, and the field-level change it made; and the state.
   * @param asOf a date (end of that day, UTC) or an ISO 8601 date-time with a zone; not in the future
   */
  @Get('streams/{streamId}')
  @Response<Problem>(404, 'No such stream, or nothing recorded by asOf')
  public async stream(@Path() streamId: string, @Query() asOf?: string): Promise<StreamHistory> {
    return streamHistory(this.ctx.store, streamId, parseAsOf(asOf));
  }

  /**
   * Every event in global order, filtered; cursor-paged.
   * @param from recorded at or after (ISO 8601 date-time)
   * @param to recorded at or before (ISO 8601 date-time)
   * @param projectId the project's passport and every event naming the project
   * @isInt limit @minimum limit 1 @maximum limit 1000
   */
  @Get('events')
  public async feed(
    @Query() from?: Date,
    @Query() to?: Date,
    @Query() actor?: string,
    @Query() organisation?: string,
    @Query() type?: string,
    @Query() projectId?: ProjectId,
    @Query() after?: string,
    @Query() limit = 100,
  ): Promise<FeedPage> {
    const events = await this.log().feed({
      ...defined({ from, to, actor, organisation, type, projectId }),
      after: after ? parsePosition(after) : START,
      limit: limit + 1,
    });
    const items = events.slice(0, limit).map(feedEntry);
    return events.length > limit ? { items, next: items.at(-1)!.position } : { items };
  }

  /**
   * A project's whole history, for keeping or checking offline: JSON Lines (one event per
   * line) or CSV (payload as a JSON column).
   */
  @Get('projects/{projectId}/export')
  @Produces('application/x-ndjson')
  @Produces('text/csv')
  public async export(@Path() projectId: ProjectId, @Query() format: 'jsonl' | 'csv' = 'jsonl'): Promise<Readable> {
    const entries: FeedEntry[] = [];
    for (let after = START; ;) {
      const page = await this.log().feed({ projectId, after, limit: 1000 });
      entries.push(...page.map(feedEntry));
      if (page.length < 1000) break;
      after = page.at(-1)!.position;
    }
    this.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    this.setHeader('Content-Disposition', `attachment; filename="project-${projectId}.${format}"`);
    return Readable.from([
      format === 'csv'
        ? toCsv(CSV_COLUMNS, entries.map(csvRow))
        : entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''),
    ]);
  }

  private log(): PostgresEventStore {
    if (!(this.ctx.store instanceof PostgresEventStore)) throw new TamperEvidenceUnavailable();
    return this.ctx.store;
  }
}

const CSV_COLUMNS = [
  'position',
  'recordedAt',
  'streamId',
  'version',
  'type',
  'eventId',
  'actor',
  'organisation',
  'role',
  'correlationId',
  'causationId',
  'requestId',
  'data',
] as const;

/** One row per event; the payload is a JSON column. */
const csvRow = (e: FeedEntry) => ({ ...e, data: JSON.stringify(e.data) });

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
