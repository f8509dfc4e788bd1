import { Controller, Get, NoSecurity, Path, Post, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { GenerationStatus } from '../../projection-engine/manager.js';
import type { AppContext } from '../context.js';
import type { Problem } from '../problem.js';

export interface Health {
  status: 'ok';
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  database: 'up' | 'down';
  /** Active projections and how far behind the event log each one is. */
  projections: GenerationStatus[];
  /** Why the service is not ready, if it is not. */
  reasons: string[];
}

/** Probes are public so orchestrators can call them; the projection controls are not. */
@Route('')
@Tags('Operations')
export class SystemController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /** Liveness: the process answers. */
  @Get('health')
  @NoSecurity()
  public health(): Health {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every active projection has caught up (within the allowed lag). */
  @Get('ready')
  @NoSecurity()
  @Response<Readiness>(503, 'Not ready')
  public async ready(): Promise<Readiness> {
    const reasons: string[] = [];
    let database: Readiness['database'] = 'up';
    let projections: GenerationStatus[] = [];
    try {
      await this.ctx.pool.query('select 1');
      projections = await this.ctx.projections.status();
    } catch {
      database = 'down';
      reasons.push('database unreachable');
    }
    // A generation built by older code has older tables than this code's queries read: not
    // ready until the generation for this code has caught up and taken over.
    const current = new Map(this.ctx.projections.projections.map((p) => [p.name, p.version]));
    for (const p of projections) {
      if (p.status !== 'active') continue;
      if (p.behind > this.ctx.config.READY_MAX_LAG_EVENTS) reasons.push(`projection ${p.projection} is ${p.behind} events behind`);
      const version = current.get(p.projection);
      if (version !== undefined && p.codeVersion !== version) {
        reasons.push(
          `projection ${p.projection} is being rebuilt for code version ${version}; the generation serving it was built by version ${p.codeVersion}`,
        );
      }
    }
    if (reasons.length > 0) this.setStatus(503);
    return { status: reasons.length ? 'not-ready' : 'ready', database, projections, reasons };
  }

  /** Every projection generation (active and building) with checkpoint and lag. */
  @Get('projections')
  @Security('jwt', ['admin', 'auditor'])
  @Response<Problem>(401, 'No valid bearer token')
  @Response<Problem>(403, 'None of your roles may do this')
  public async projections(): Promise<GenerationStatus[]> {
    return this.ctx.projections.status();
  }

  /**
   * Rebuilds a read model from the first event into new tables; the current tables keep
   * serving until the new generation has caught up and takes over.
   */
  @Post('projections/{name}/rebuild')
  @Security('jwt', ['admin'])
  @Response<Problem>(401, 'No valid bearer token')
  @Response<Problem>(403, 'None of your roles may do this')
  @SuccessResponse(202, 'Rebuild started')
  @Response<Problem>(404, 'No such projection')
  public async rebuild(@Path() name: string): Promise<GenerationStatus> {
    const status = await this.ctx.projections.rebuild(name);
    this.setStatus(202);
    return status;
  }
}
