import { Readable } from 'node:stream';
import { Get, Path, Produces, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { FeedEntry, StreamHistoryPage } from '../../application/history.js';
import type { Page } from '../../application/page.js';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import type { Problem } from '../problem.js';
import { toCsv } from '../views/csv.js';
import { parseAsOf } from '../views/indicator.js';

@Route('history')
@Tags('Audit')
@Security('jwt', ['auditor'])
@Response<Problem>(422, 'Bad asOf, time range or limit')
export class HistoryController extends ApiController {
  /**
   * A stream as it stood at `asOf` (default now): every event recorded up to then with who
   * did it, when, under which request, and the field-level change it made; and the state.
   * @param asOf a date (end of that day, UTC) or an ISO 8601 date-time with a zone; not in the future
   * @summary Stream history as of an instant
   */
  @Get('streams/{streamId}')
  @Response<Problem>(404, 'No such stream, or nothing recorded by asOf')
  public async getStreamHistory(
    @Path() streamId: string,
    @Query() asOf?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<StreamHistoryPage> {
    return this.app.audit.streamHistory(streamId, parseAsOf(asOf), { cursor, limit });
  }

  /**
   * Every event in global order, filtered; cursor-paged.
   * @param from recorded at or after (ISO 8601 date-time)
   * @param to recorded at or before (ISO 8601 date-time)
   * @param projectId the project's passport and every event naming the project
   * @summary Global event feed
   */
  @Get('events')
  public async getEventFeed(
    @Query() from?: Date,
    @Query() to?: Date,
    @Query() actor?: string,
    @Query() organisation?: string,
    @Query() type?: string,
    @Query() projectId?: ProjectId,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<FeedEntry>> {
    return this.app.audit.feed(defined({ from, to, actor, organisation, type, projectId }), { cursor, limit });
  }

  /**
   * A project's whole history, for keeping or checking offline: JSON Lines (one event per
   * line) or CSV (payload as a JSON column).
   * @summary Export a project's history
   */
  @Get('projects/{projectId}/export')
  @Produces('application/x-ndjson')
  @Produces('text/csv')
  public async exportProjectHistory(@Path() projectId: ProjectId, @Query() format: 'jsonl' | 'csv' = 'jsonl'): Promise<Readable> {
    const entries: FeedEntry[] = [];
    for await (const entry of this.app.audit.feedAll({ projectId })) entries.push(entry);
    this.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    this.setHeader('Content-Disposition', `attachment; filename="project-${projectId}.${format}"`);
    return Readable.from([
      format === 'csv'
        ? toCsv(CSV_COLUMNS, entries.map(csvRow))
        : entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''),
    ]);
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
