import { Get, Path, Query, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { StreamCatalogueEntry } from '../../../projections/stream-catalogue/entity.js';
import { mapPage, type Page } from '../../application/page.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
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
   * @summary List event streams
   */
  @Get()
  public async listStreams(
    @Query() streamType?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<StreamSummary>> {
    return mapPage(await this.app.audit.streams({ streamType }, { cursor, limit }), toSummary);
  }

  /**
   * One stream's entry in the catalogue: its type, version and last write (its events: `/history/streams/{streamId}`).
   * @summary Read a stream's catalogue entry
   */
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
