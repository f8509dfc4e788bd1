import { Readable } from 'node:stream';
import { Get, Path, Produces, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { FeedEntry, ProjectHistoryEntry, StreamHistoryPage } from '../../application/history.js';
import type { Page } from '../../application/page.js';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/as-of.js';

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
   * Every event in global order, filtered; cursor-paged. Each filter is served from an index.
   * @param from recorded at or after (ISO 8601 date-time)
   * @param to recorded at or before (ISO 8601 date-time)
   * @param actor the acting person's user id
   * @param organisation the acting person's organisation (registration number)
   * @param beneficiary events belonging to projects of this organisation (registration number)
   * @param type an event type with its version, e.g. `InvoiceSubmitted.v1`
   * @param streamType a stream type: `passport`, `budget`, `indicator`, `finding`, `dupalert`, `fund`, `programme`, `programme_node`
   * @param projectId every event of every stream of the project
   * @summary Global event feed
   */
  @Get('events')
  public async getEventFeed(
    @Query() from?: Date,
    @Query() to?: Date,
    @Query() actor?: string,
    @Query() organisation?: string,
    @Query() beneficiary?: string,
    @Query() type?: string,
    @Query() streamType?: string,
    @Query() projectId?: ProjectId,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<FeedEntry>> {
    return this.app.audit.feed(defined({ from, to, actor, organisation, beneficiary, type, streamType, projectId }), { cursor, limit });
  }

  /**
   * Everything that happened to a project: every event of every one of its streams (passport,
   * budget, indicators, findings, double-funding decisions) in global order, each with who did
   * it in which role, what it changed (field by field), the other person of a four-eyes step,
   * and a description in Latvian and English; cursor-paged.
   * @param from recorded at or after (ISO 8601 date-time)
   * @param to recorded at or before (ISO 8601 date-time)
   * @param actor the acting person's user id
   * @param organisation the acting person's organisation (registration number)
   * @param type an event type with its version, e.g. `PaymentClaimSubmitted.v1`
   * @param streamType a stream type: `passport`, `budget`, `indicator`, `finding`, `dupalert`
   * @summary A project's history
   */
  @Get('projects/{projectId}')
  @Response<Problem>(404, 'No such project')
  public async getProjectHistory(
    @Path() projectId: ProjectId,
    @Query() from?: Date,
    @Query() to?: Date,
    @Query() actor?: string,
    @Query() organisation?: string,
    @Query() type?: string,
    @Query() streamType?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<ProjectHistoryEntry>> {
    return this.app.audit.projectHistory(projectId, defined({ from, to, actor, organisation, type, streamType }), { cursor, limit });
  }

  /**
   * A project's whole history, for keeping or checking offline: the same events as its history,
   * each with its link in the log's hash chain, streamed. JSON Lines: a header line (the chain
   * head the export was cut at), one line per event, a summary line (count, each stream's last
   * version). CSV: one row per event, payload and link text as columns.
   * Check either with `npm run verify-export -- FILE`.
   * @summary Export a project's history
   */
  @Get('projects/{projectId}/export')
  @Produces('application/x-ndjson')
  @Produces('text/csv')
  @Response<Problem>(404, 'No such project')
  public async exportProjectHistory(@Path() projectId: ProjectId, @Query() format: 'jsonl' | 'csv' = 'jsonl'): Promise<Readable> {
    const lines = await this.app.audit.exportProject(projectId, format);
    this.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    this.setHeader('Content-Disposition', `attachment; filename="project-${projectId}.${format}"`);
    return Readable.from(lines);
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
