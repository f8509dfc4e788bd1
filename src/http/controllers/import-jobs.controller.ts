import { Get, Path, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { StreamStateHeaders } from '../headers.js';
import type { PageCursor, PageLimit } from '../paging.js';
import type { Problem } from '../problem.js';
import { importJobView, type ImportedRowsPage, type ImportJobView } from '../views/import-job.js';

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];

/**
 * An import job's id.
 * @format uuid
 */
export type ImportJobId = string;

/** Invoice import jobs (a file above IMPORT_SYNC_MAX_ROWS rows): their progress and per-row results. */
@Route('projects/{projectId}/budget/import-jobs')
@Tags('Budgets and payment claims')
@Response<Problem>(404, 'No such project or import job, or not visible to you')
export class ImportJobsController extends ApiController {
  /**
   * An import job: its state (`queued`, `running`, `completed`, `failed`), the rows parsed,
   * validated and stored so far, the double-funding alerts raised, and a failed job's problems as
   * the synchronous import's 422 names them. Whoever may read the project's budget may read it.
   * @summary Read an invoice import job
   */
  @Get('{jobId}')
  @SuccessResponse<StreamStateHeaders>(200, 'The job; ETag is its stream version')
  @Security('jwt', READERS)
  public async getImportJob(@Path() projectId: ProjectId, @Path() jobId: ImportJobId, @Request() req: ExRequest): Promise<ImportJobView> {
    return this.shown(await this.app.importJobs.get(callerOf(req), projectId, jobId), importJobView);
  }

  /**
   * The job's stored rows in file order: each row's invoice id, invoice number and the
   * double-funding alerts that involve it; cursor-paged. Complete once the job completed.
   * @summary List an import job's per-row results
   */
  @Get('{jobId}/invoices')
  @Security('jwt', READERS)
  public async listImportJobInvoices(
    @Path() projectId: ProjectId,
    @Path() jobId: ImportJobId,
    @Request() req: ExRequest,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<ImportedRowsPage> {
    return this.app.importJobs.invoices(callerOf(req), projectId, jobId, { cursor, limit });
  }
}
