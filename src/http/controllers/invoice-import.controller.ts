import { createHash, randomUUID } from 'node:crypto';
import {
  Body,
  Consumes,
  Controller,
  Header,
  Middlewares,
  Path,
  Post,
  Request,
  Res,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
  type TsoaResponse,
} from '@tsoa/runtime';
import express, { type Request as ExRequest, type RequestHandler } from 'express';
import { importInvoices, type ImportDeps, type ImportFormat, type InvoiceImportResult } from '../../application/invoice-import.js';
import { load } from '../../application/handle-command.js';
import { InvoiceImportRejected } from '../../domain/budget/import.js';
import { passportDecider, passportStreamId } from '../../domain/passport/decider.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import { etag, type IdempotencyKey } from '../headers.js';
import { problem, type FieldError, type Problem } from '../problem.js';
import { requestMetadata } from '../request-metadata.js';
import { visiblePassport } from '../views/passport.js';

/** Largest import file accepted; a larger body answers 413. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FORMATS: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/csv': 'csv', [XLSX]: 'xlsx' };
const PROBLEM_JSON = { 'Content-Type': 'application/problem+json' } as const;

/**
 * The file's bytes: CSV (`text/csv`, UTF-8 or Windows-1257, separated by `;`, `,` or tab) or
 * an XLSX workbook (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
 * @format binary
 */
export type InvoiceFile = string;

/** One problem in the file: `row` as the spreadsheet shows it (the headings are row 1; null: the whole file) and the column's heading. */
export interface ImportFieldError extends FieldError {
  row: number | null;
  column: string | null;
}
export interface ImportProblem extends Problem {
  errors: ImportFieldError[];
}

/**
 * Reads the body as bytes for the two file types and leaves tsoa an empty body parameter: tsoa
 * validates a body as JSON values, and the file is checked by the import itself. Whatever else
 * comes (a JSON body, no body) reaches the controller, which answers 404 or 415 after the scope check.
 */
const readFile: RequestHandler[] = [
  express.raw({ type: Object.keys(FORMATS), limit: IMPORT_MAX_BYTES }),
  (req, res, next) => {
    res.locals.importFile = Buffer.isBuffer(req.body) ? req.body : null;
    req.body = '';
    next();
  },
];

/** Bulk invoice import (rēķinu imports) into a project's budget. */
@Route('projects/{projectId}/budget/invoices/import')
@Tags('Budgets and payment claims')
export class InvoiceImportController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

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
   * @param unsupported The body is neither CSV nor XLSX
   * @param invalid Nothing imported: every bad row and column of the file, each with its reason
   */
  @Post()
  @Security('jwt', ['beneficiary'])
  @Consumes('text/csv')
  @Middlewares(...readFile)
  @SuccessResponse(201, 'Imported; see alerts')
  @Response<Problem>(404, 'No such project or budget, or not visible to you')
  @Response<Problem>(413, 'The file is larger than 5 MB')
  public async importInvoices(
    @Path() projectId: ProjectId,
    @Body() _file: InvoiceFile,
    @Request() req: ExRequest,
    @Res() unsupported: TsoaResponse<415, Problem, { 'Content-Type': 'application/problem+json' }>,
    @Res() invalid: TsoaResponse<422, ImportProblem, { 'Content-Type': 'application/problem+json' }>,
    @Header('Idempotency-Key') key?: IdempotencyKey,
  ): Promise<InvoiceImportResult> {
    const { state } = await load(this.ctx.store, passportDecider, passportStreamId(projectId));
    visiblePassport(req, projectId, state);
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = FORMATS[mediaType];
    const file = req.res!.locals.importFile as Buffer | null;
    if (!format) {
      return unsupported(
        415,
        {
          ...problem(
            415,
            'unsupported-media-type',
            'Unsupported media type',
            `Send the file as text/csv or ${XLSX}; got ${mediaType || 'no Content-Type'}`,
          ),
          instance: req.originalUrl,
        },
        PROBLEM_JSON,
      );
    }
    const metadata = requestMetadata(req);
    try {
      if (!file?.length) throw new InvoiceImportRejected([{ row: null, column: null, reason: 'the file is empty' }]);
      const idempotency = key ? { idempotency: fingerprint(req, metadata.actor, key, file) } : {};
      const result = await importInvoices(this.deps(), {
        projectId,
        file,
        format,
        ...charsetOf(req),
        metadata,
        ...idempotency,
        now: new Date(),
        newId: randomUUID,
      });
      this.setStatus(201);
      this.setHeader('ETag', etag(result.streamVersion));
      return result;
    } catch (err) {
      if (!(err instanceof InvoiceImportRejected)) throw err;
      return invalid(422, rejection(err, req.originalUrl), PROBLEM_JSON);
    }
  }

  /** The alerts are checked exactly as for a single invoice (BudgetsController.withAlerts). */
  private deps(): ImportDeps {
    const { store, pool, config } = this.ctx;
    return {
      store,
      pool,
      nearDays: config.DUPCHECK_NEAR_DAYS,
      alertSource: config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model',
    };
  }
}

function rejection(err: InvoiceImportRejected, instance: string): ImportProblem {
  const rows = new Set(err.problems.map((p) => p.row).filter((r) => r !== null)).size;
  const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const errors = err.problems.map((p) => ({
    in: 'body',
    pointer: p.row === null ? '' : `/rows/${p.row}${p.column ? `/${escape(p.column)}` : ''}`,
    row: p.row,
    column: p.column,
    detail: p.reason,
  }));
  const detail = `${errors.length} problem(s)${rows ? ` in ${rows} row(s)` : ''}; nothing was imported`;
  return { ...problem(422, 'validation', 'Request is invalid', detail), instance, errors };
}

const charsetOf = (req: ExRequest): { charset?: string } => {
  const m = /;\s*charset="?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '');
  return m ? { charset: m[1]! } : {};
};

/** As for the other POSTs (request-metadata.ts), scoped to the caller, over the file's bytes rather than a JSON rendering of them. */
function fingerprint(req: ExRequest, actor: string, key: string, file: Buffer) {
  const hash = createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${req.headers['content-type'] ?? ''}\n`)
    .update(file)
    .digest('hex');
  return { key: `${actor}:${key}`, fingerprint: hash };
}
