import { Body, Consumes, Header, Middlewares, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest, RequestHandler } from 'express';
import type { ImportFormat, ImportedInvoice, InvoiceImport } from '../../application/invoice-import.js';
import type { ProjectId } from '../../domain/values.js';
import type { DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag } from '../headers.js';
import { UnsupportedMediaType, type ImportProblem, type Problem } from '../problem.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/csv': 'csv', [XLSX]: 'xlsx' };

/**
 * The file's bytes: CSV (`text/csv`, UTF-8 or Windows-1257, separated by `;`, `,` or tab) or
 * an XLSX workbook (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
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
 * The body arrives as bytes (src/http/app.ts reads the file types before any route); tsoa
 * validates a body as JSON values, so it gets an empty one and the file goes by `res.locals`.
 * Whatever else comes (a JSON body, no body) reaches the controller, which answers 404 or 415.
 */
const handOverFile: RequestHandler = (req, res, next) => {
  res.locals.importFile = Buffer.isBuffer(req.body) ? req.body : null;
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
   * Imports invoices from a CSV or XLSX file (body = the file; Content-Type `text/csv` or
   * `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`), all or nothing: one append
   * to the budget stream, or a 422 naming every bad row and column. Row 1 holds the headings
   * (any case; Latvian aliases accepted): supplier_reg_no, invoice_number, date (2024-03-15,
   * 15.03.2024 or a date cell), net, vat, gross (euros: 1234.56, 1234,56 or 1 234,56), cost_line,
   * alloc_RRF / alloc_ERDF / alloc_STATE / alloc_OWN (the gross split between funds; blank = 0), and
   * optionally document_hash. At most 10,000 rows and 5 MB. Each row is checked like a single
   * invoice; the same invoice twice in the file is an error. The answer carries the double-funding
   * alerts of the imported invoices (warnings, not refusals).
   * @param _file The CSV or XLSX file.
   */
  @Post()
  @Security('jwt', ['beneficiary'])
  @Consumes('text/csv')
  @Middlewares(handOverFile)
  @SuccessResponse(201, 'Imported; see alerts')
  @Response<Problem>(404, 'No such project or budget, or not visible to you')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(413, 'The file is larger than 5 MB')
  @Response<Problem>(415, 'The body is neither CSV nor XLSX')
  @Response<ImportProblem>(422, 'Nothing imported: every bad row and column of the file, each with its reason')
  public async importInvoices(
    @Path() projectId: ProjectId,
    @Body() _file: InvoiceFile,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<InvoiceImportResult> {
    const caller = callerOf(req);
    await this.app.passports.get(caller, projectId);
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMATS[mediaType];
    if (!format) throw new UnsupportedMediaType(`Send the file as text/csv or ${XLSX}; got ${mediaType || 'no Content-Type'}`);
    const bytes = (req.res?.locals as { importFile?: Buffer | null }).importFile ?? Buffer.alloc(0);
    const imported = await this.app.importInvoices(caller, projectId, { bytes, format, ...charsetOf(req) });
    return this.written(imported, importView(imported), {});
  }
}

const charsetOf = (req: ExRequest): { charset?: string } => {
  const m = /;\s*charset="?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '');
  return m ? { charset: m[1]! } : {};
};
