import { Get, Path, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { StreamCatalogueEntry } from '../../../projections/stream-catalogue/entity.js';
import { ApiController } from '../api-controller.js';
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
export class StreamsController extends ApiController {
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
  public async listStreams(@Query() streamType?: string, @Query() after?: string, @Query() limit = 100): Promise<StreamPage> {
    const rows = await this.app.audit.streams({ streamType, after, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toSummary);
    return rows.length > limit ? { items, next: items.at(-1)!.streamId } : { items };
  }

  @Get('{streamId}')
  @Response<Problem>(404, 'Unknown stream')
  public async getStream(@Path() streamId: string): Promise<StreamSummary> {
    return toSummary(await this.app.audit.stream(streamId));
  }
}

function toSummary(r: StreamCatalogueEntry): StreamSummary {
  return {
    streamId: r.streamId,
    streamType: r.streamType,
    version: r.version,
    lastEventType: r.lastEventType,
    createdAt: r.createdAt.toISOString(),
    lastEventAt: r.lastEventAt.toISOString(),
  };
}
