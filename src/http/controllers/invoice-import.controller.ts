import {
  Body,
  Consumes,
  Extension,
  Header,
  Middlewares,
  Path,
  Post,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from '@tsoa/runtime';
import type { Request as ExRequest, RequestHandler } from 'express';
import type { ImportedInvoice, InvoiceImport } from '../../application/invoice-import.js';
import type { ProjectId } from '../../domain/values.js';
import type { DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import { uploadedFile } from '../file-upload.js';
import type { AcceptedJobHeaders, IdempotencyKey, VersionTag } from '../headers.js';
import type { ImportProblem, Problem } from '../problem.js';
import { importJobUrl, importJobView, type ImportJobView } from '../views/import-job.js';

/**
 * The file's bytes: CSV (`text/csv`, UTF-8 or Windows-1257, separated by `;`, `,` or tab) or
 * an XLSX workbook (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`); as the
 * body itself, or as the field `file` of a multipart/form-data form.
 * @format binary
 */
export type InvoiceFile = string;

export interface InvoiceImportResult {
  imported: number;
  streamVersion: number;
  invoices: ImportedInvoice[];
  alerts: DuplicateAlertView[];
}

/**
 * The file arrives as bytes (src/http/file-upload.ts reads the body or the form before any route,
 * and `uploadedFile` hands it over); tsoa validates a body as JSON values, so it gets an empty one.
 * Whatever else comes (a JSON body, no body) reaches the controller, which answers 404 or 415.
 */
const handOverFile: RequestHandler = (req, _res, next) => {
  req.body = '';
  next();
};

const importView = (i: InvoiceImport) => (): InvoiceImportResult => ({
  imported: i.imported,
  streamVersion: i.version,
  invoices: i.invoices,
  alerts: i.alerts,
});

/** Bulk invoice import (rēķinu imports) into a project's budget. */
@Route('projects/{projectId}/budget/invoices/import')
@Tags('Budgets and payment claims')
export class InvoiceImportController extends ApiController {
  /**
   * Imports invoices from a CSV or XLSX file, all or nothing: one append to the budget stream, or a
   * 422 naming every bad row and column with the cell as written. The file is the body itself
   * (Content-Type `text/csv`, `application/csv` or
   * `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`; `application/vnd.ms-excel`
   * and `application/octet-stream` are read as whichever of CSV or XLSX the bytes are), or the field
   * `file` of a `multipart/form-data` form, as a browser form or `curl -F file=@invoices.csv` sends
   * it (a form with one file in another field works too). A legacy Excel 97-2003 `.xls` is refused
   * with 415: save it as .xlsx or CSV. Row 1 holds the headings
   * (any case; Latvian aliases accepted): supplier_reg_no, invoice_number, date (2024-03-15,
   * 15.03.2024 or a date cell), net, vat, gross (euros: 1234.56, 1234,56 or 1 234,56), cost_line,
   * alloc_RRF / alloc_ERDF / alloc_STATE / alloc_OWN (the gross split between funds; blank = 0), and
   * optionally document_hash. Each row is checked like a single invoice; the same invoice twice in
   * the file is an error. A file of at most `IMPORT_SYNC_MAX_ROWS` rows (default 500) is imported
   * within the request: 201, and the answer carries the double-funding alerts of the imported
   * invoices (warnings, not refusals). A larger one, up to `IMPORT_MAX_ROWS` rows (default
   * 100,000) and `IMPORT_MAX_FILE_MB` (default 20 MB), becomes an import job: 202 with `Location`
   * naming the job, whose state shows the progress and, once completed, the per-row results; a
   * large file with bad rows gives a job that failed at once with the same problems as the 422,
   * storing nothing.
   * @param _file The CSV or XLSX file (or a multipart/form-data form with it in the field `file`).
   * @example _file "supplier_reg_no;invoice_number;date;net;vat;gross;cost_line;alloc_RRF\n40003011203;LVRTC-2024/0117;15.03.2024;1 000,00;210,00;1 210,00;4.3;1 210,00\n"
   * @summary Import invoices from a file
   */
  @Post()
  @Security('jwt', ['beneficiary'])
  @Consumes('text/csv')
  @Extension('x-request-media-types', [
    'text/csv',
    'application/csv',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.ms-excel',
    'application/octet-stream',
    'multipart/form-data',
  ])
  @Middlewares(handOverFile)
  @SuccessResponse(201, 'Imported; see alerts')
  @Response<ImportJobView, AcceptedJobHeaders>(
    202,
    'A large file: an import job was started (or refused the file); Location names it, poll it until completed or failed',
  )
  @Response<Problem>(404, 'No such project or budget, or not visible to you')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(413, 'The file is larger than IMPORT_MAX_FILE_MB (default 20 MB)')
  @Response<Problem>(
    415,
    'Not a format the import reads: it reads CSV (text/csv, application/csv) and XLSX (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), also sent as application/vnd.ms-excel, application/octet-stream or the field `file` of multipart/form-data; a legacy Excel 97-2003 .xls is refused: save it as .xlsx or CSV',
  )
  @Response<ImportProblem>(
    422,
    'Nothing imported: every bad row and column of the file, each with the cell as written and its reason; or a form without one file in the field `file`',
  )
  public async importInvoices(
    @Path() projectId: ProjectId,
    @Body() _file: InvoiceFile,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<InvoiceImportResult | ImportJobView> {
    const caller = callerOf(req);
    await this.app.passports.get(caller, projectId);
    const answer = await this.app.importInvoices(caller, projectId, uploadedFile(req));
    if (answer.kind === 'imported') return this.written(answer.imported, importView(answer.imported), {});
    // Nothing is in the budget yet, so no ETag: the job's Location is what to follow.
    const { state, version, replayed } = answer.job;
    this.setStatus(202);
    this.setHeader('Location', importJobUrl(projectId, state.jobId));
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return importJobView(state, version);
  }
}
