import type { ExistingImportJob } from '../../application/import-jobs.js';
import type { Page } from '../../application/page.js';
import { InvoiceImportRejected } from '../../domain/budget/import.js';
import { storedRows, validatedRows } from '../../domain/importjob/decider.js';
import type { ImportedInvoice } from '../../application/invoice-import.js';
import { importProblem, type ImportProblem } from '../problem.js';

/** Where an import job stands: `queued` (nothing stored yet), `running`, `completed` (every row stored) or `failed`. */
export type ImportJobState = 'queued' | 'running' | 'completed' | 'failed';

export interface ImportJobProgress {
  /** Invoice rows in the file. */
  rows: number;
  /** Rows read from the file (all of them: the file is read when the job starts). */
  parsed: number;
  /** Rows that passed every check; the file is all or nothing, so all of them or, when it failed, none. */
  validated: number;
  /** Rows stored in the budget so far. */
  stored: number;
  /** Distinct double-funding alerts the stored rows raised (warnings: the rows are stored either way). */
  alertsRaised: number;
  /** The chunks the rows are stored in (one append each) and how many are stored. */
  chunks: number;
  chunksStored: number;
}

/** An invoice import job (rēķinu importa uzdevums). */
export interface ImportJobView {
  /** @format uuid */
  jobId: string;
  /** @format uuid */
  projectId: string;
  state: ImportJobState;
  file: { name: string | null; format: 'csv' | 'xlsx'; sha256: string; bytes: number };
  progress: ImportJobProgress;
  startedAt: string;
  startedBy: string;
  /** When it completed or failed; null while it runs. */
  finishedAt: string | null;
  /** A failed job's problems, exactly as the synchronous import's 422 names them; null otherwise. */
  problem: ImportProblem | null;
  /** The per-row results (row, invoice id, number, alert ids), paged: GET it once the job completed. */
  invoices: string;
  /** The job stream's version (also the ETag). */
  streamVersion: number;
}

export type ImportedRowsPage = Page<ImportedInvoice>;

export const importJobUrl = (projectId: string, jobId: string) => `/projects/${projectId}/budget/import-jobs/${jobId}`;

export function importJobView(job: ExistingImportJob, version: number): ImportJobView {
  return {
    jobId: job.jobId,
    projectId: job.projectId,
    state: job.status,
    file: job.file,
    progress: {
      rows: job.rows,
      parsed: job.rows,
      validated: validatedRows(job),
      stored: storedRows(job),
      alertsRaised: job.alerts.length,
      chunks: job.chunks.length,
      chunksStored: job.stored.length,
    },
    startedAt: job.startedAt,
    startedBy: job.startedBy,
    finishedAt: job.status === 'completed' || job.status === 'failed' ? job.finishedAt : null,
    problem: job.status === 'failed' ? importProblem(new InvoiceImportRejected(job.issues)) : null,
    invoices: `${importJobUrl(job.projectId, job.jobId)}/invoices`,
    streamVersion: version,
  };
}
