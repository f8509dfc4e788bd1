import { Controller, Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { alertsForProject, type DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import { visibleProject } from '../../application/indicators.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/indicator.js';

export interface ProjectDoubleFundingView {
  projectId: string;
  /** The instant the answer is for: only what was recorded up to then counts. */
  asOf: string;
  /** Alerts among whose projects this one is, strongest rule first, with the decision as it stood then. */
  alerts: DuplicateAlertView[];
}

/** A project's double-funding alerts (dubultfinansējuma brīdinājumi), now or as they stood at any past instant. */
@Route('projects/{projectId}/double-funding')
@Tags('Double funding')
export class ProjectDoubleFundingController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * The double-funding alerts involving the project as they stood at `asOf`: computed from the
   * invoices, claims, verifications and officers' confirm/dismiss decisions recorded up to then,
   * so a later invoice or decision never changes a past answer. A beneficiary sees only its own projects.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time with a zone; default now; not in the future
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'No such project, or not visible to you')
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async get(@Path() projectId: ProjectId, @Request() req: ExRequest, @Query() asOf?: string): Promise<ProjectDoubleFundingView> {
    const instant = parseAsOf(asOf);
    await visibleProject(this.ctx.store, req.user as AuthenticatedUser, projectId);
    const source = this.ctx.config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model';
    // Without asOf: everything committed, even what was recorded while this request ran.
    const alerts = await alertsForProject(
      this.ctx.pool,
      projectId,
      this.ctx.config.DUPCHECK_NEAR_DAYS,
      asOf === undefined ? undefined : instant,
      source,
    );
    return { projectId, asOf: instant.toISOString(), alerts };
  }
}
