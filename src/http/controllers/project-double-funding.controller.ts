import { Get, Path, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import type { Page } from '../../application/page.js';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/as-of.js';

/** A page of the alerts among whose projects this one is, strongest rule first (then by id), with the decision as it stood then. */
export interface ProjectDoubleFundingView extends Page<DuplicateAlertView> {
  projectId: string;
  /** The instant the answer is for: only what was recorded up to then counts. */
  asOf: string;
}

/** A project's double-funding alerts (dubultfinansējuma brīdinājumi), now or as they stood at any past instant. */
@Route('projects/{projectId}/double-funding')
@Tags('Double funding')
export class ProjectDoubleFundingController extends ApiController {
  /**
   * The double-funding alerts involving the project as they stood at `asOf`: computed from the
   * invoices, claims, verifications and officers' confirm/dismiss decisions recorded up to then,
   * so a later invoice or decision never changes a past answer. A beneficiary sees only its own projects,
   * and of each alert only its own part: the rule, the amount at risk, the status and its own projects,
   * events, invoices and invoice keys, under an alert id of its own; nothing of the other organisations
   * whose invoices or claims the alert also involves (officers, approvers and auditors see alerts whole).
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time with a zone; default now; not in the future
   * @summary Double-funding alerts of a project
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'No such project, or not visible to you')
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async getProjectDoubleFunding(
    @Path() projectId: ProjectId,
    @Request() req: ExRequest,
    @Query() asOf?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<ProjectDoubleFundingView> {
    const instant = parseAsOf(asOf);
    // Without asOf: everything committed, even what was recorded while this request ran.
    const page = await this.app.doubleFunding.forProject(callerOf(req), projectId, asOf === undefined ? undefined : instant, {
      cursor,
      limit,
    });
    return { projectId, asOf: instant.toISOString(), ...page };
  }
}
