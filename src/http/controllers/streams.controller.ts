import { Controller, Get, Path, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import { findStream, listStreams } from '../../../projections/stream-catalogue/queries.js';
import { NotFound } from '../../domain/errors.js';
import type { AppContext } from '../context.js';
import type { Problem } from '../problem.js';

export interface StreamSummary {
  streamId: string;
  streamType: string;
  /** Number of events in the stream. */
  version: number;
  lastEventType: string;
  createdAt: string;
  lastEventAt: string;
}

export interface StreamPage {
  items: StreamSummary[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

/** The raw event log is history: auditors and admins only. */
@Route('streams')
@Tags('Event log')
@Security('jwt', ['auditor', 'admin'])
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
export class StreamsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * The stream catalogue: every stream with its type, version and last write.
   * @param streamType only streams of this type, e.g. `fund`
   * @param after cursor from the previous page
   * @param limit page size
   * @isInt limit
   * @minimum limit 1
   * @maximum limit 500
   */
  @Get()
  public async list(@Query() streamType?: string, @Query() after?: string, @Query() limit = 100): Promise<StreamPage> {
    const rows = await listStreams(this.ctx.orm, { streamType, after, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toSummary);
    return rows.length > limit ? { items, next: items.at(-1)!.streamId } : { items };
  }

  @Get('{streamId}')
  @Response<Problem>(404, 'Unknown stream')
  public async get(@Path() streamId: string): Promise<StreamSummary> {
    const row = await findStream(this.ctx.orm, streamId);
    if (!row) throw new NotFound('Stream', streamId);
    return toSummary(row);
  }
}

function toSummary(r: Awaited<ReturnType<typeof findStream>> & object): StreamSummary {
  return {
    streamId: r.streamId,
    streamType: r.streamType,
    version: r.version,
    lastEventType: r.lastEventType,
    createdAt: r.createdAt.toISOString(),
    lastEventAt: r.lastEventAt.toISOString(),
  };
}
