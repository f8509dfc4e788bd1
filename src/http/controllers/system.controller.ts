import { Get, Header, NoSecurity, Path, Post, Query, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Readiness } from '../../application/operations.js';
import type { Page } from '../../application/page.js';
import type { GenerationStatus } from '../../projection-engine/manager.js';
import { ApiController } from '../api-controller.js';
import type { IdempotencyKey } from '../headers.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { NotReady, type NotReadyProblem, type Problem } from '../problem.js';

export interface Health {
  status: 'ok';
}

/** Probes are public so orchestrators can call them; the projection controls are not. */
@Route('')
@Tags('Operations')
export class SystemController extends ApiController {
  /**
   * Liveness: the process answers.
   * @summary Liveness
   */
  @Get('health')
  @NoSecurity()
  public getHealth(): Health {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers and every active projection has caught up (within the allowed lag).
   * @summary Readiness
   */
  @Get('ready')
  @NoSecurity()
  @Response<NotReadyProblem>(503, 'Not ready: a problem whose `readiness` holds the same report, with the reasons')
  public async getReadiness(): Promise<Readiness> {
    const readiness = await this.app.operations.readiness();
    if (readiness.status !== 'ready') throw new NotReady(readiness);
    return readiness;
  }

  /**
   * Every projection generation (active and building) with checkpoint and lag.
   * @summary List projections with their lag
   */
  @Get('projections')
  @Security('jwt', ['admin', 'auditor'])
  @Response<Problem>(401, 'No valid bearer token')
  @Response<Problem>(403, 'None of your roles may do this')
  public async listProjections(@Query() cursor?: PageCursor, @Query() limit: PageLimit = 50): Promise<Page<GenerationStatus>> {
    return this.app.operations.projections({ cursor, limit });
  }

  /**
   * Rebuilds a read model from the first event into new tables; the current tables keep
   * serving until the new generation has caught up and takes over.
   * @summary Rebuild a projection from the first event
   */
  @Post('projections/{name}/rebuild')
  @Security('jwt', ['admin'])
  @Response<Problem>(401, 'No valid bearer token')
  @Response<Problem>(403, 'None of your roles may do this')
  @SuccessResponse(202, 'Rebuild started')
  @Response<Problem>(404, 'No such projection')
  public async rebuildProjection(
    @Path() name: string,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<GenerationStatus> {
    const status = await this.app.operations.rebuild(name);
    this.setStatus(202);
    return status;
  }
}
