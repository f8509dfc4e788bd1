import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import type { InvoiceInput } from '../budget/content.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const count = z.number().int().min(0);
const row = z.number().int().min(2);

/** The file a job imports: what identifies it, never its bytes (its rows are in the job's own events). */
export const importFileSchema = z
  .object({
    name: z.string().max(500).nullable(),
    format: z.enum(['csv', 'xlsx']),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: count,
  })
  .strict();
export type ImportJobFile = z.infer<typeof importFileSchema>;

/** One problem of a refused file, as the synchronous import's 422 names it (src/domain/budget/import.ts ImportIssue). */
const issueSchema = z
  .object({
    row: z.number().int().min(1).nullable(),
    column: z.string().nullable(),
    value: z.string().nullable().optional(),
    formField: z.string().optional(),
    reason: z.string().min(1),
  })
  .strict();

/** A validated row, with the id its invoice will have (derived from the job and the row, so a retried chunk offers the same). */
export interface AcceptedRow {
  row: number;
  invoice: InvoiceInput & { invoiceId: string };
}

/** An imported row's result: the invoice it became and the double-funding alerts that involve it. */
export interface ImportedRow {
  /** The row in the file (the heading is row 1). */
  row: number;
  invoiceId: string;
  number: string;
  /** Double-funding alerts that involve this invoice. */
  alertIds: string[];
}
export const importedRowSchema = z
  .object({ row, invoiceId: z.uuid(), number: z.string().min(1), alertIds: z.array(z.string().regex(/^[0-9a-f]{32}$/)) })
  .strict() satisfies z.ZodType<ImportedRow>;

/**
 * An import job (rēķinu importa uzdevums) for a file too large to import within the request:
 * the project, the file and how many rows it holds. `recipientOrg` attributes the job to the
 * beneficiary, as its budget is.
 */
export const ImportJobStarted = defineEvent(
  'ImportJobStarted.v1',
  z
    .object({
      jobId: z.uuid(),
      projectId: z.uuid(),
      recipientOrg: z.string().min(1),
      file: importFileSchema,
      rows: count,
      chunkRows: z.number().int().min(1),
      startedAt: at,
      startedBy: actor,
    })
    .strict(),
);

/**
 * One chunk of the file's rows, read and checked: the job resumes from these after a restart,
 * without the file. `rows`: `count` rows from `firstRow` to `lastRow`, encoded one per line
 * (src/domain/importjob/rows.ts).
 */
export const ImportRowsAccepted = defineEvent(
  'ImportRowsAccepted.v1',
  z.object({ chunk: count, firstRow: row, lastRow: row, count: z.number().int().min(1), rows: z.string().min(1) }).strict(),
);

/** A chunk stored in the budget (one append, `budgetVersion` after it) and checked for double funding; `newAlerts`: alerts no earlier chunk raised. */
export const ImportChunkStored = defineEvent(
  'ImportChunkStored.v1',
  z
    .object({
      chunk: count,
      budgetVersion: z.number().int().min(1),
      invoices: z.array(importedRowSchema).min(1),
      newAlerts: z.array(z.string().regex(/^[0-9a-f]{32}$/)),
      storedAt: at,
    })
    .strict(),
);

/** Every chunk stored. */
export const ImportJobCompleted = defineEvent(
  'ImportJobCompleted.v1',
  z.object({ stored: count, alertsRaised: count, completedAt: at }).strict(),
);

/** The job ended without importing the file: every problem of the file (nothing stored), or why storing stopped. */
export const ImportJobFailed = defineEvent(
  'ImportJobFailed.v1',
  z.object({ issues: z.array(issueSchema).min(1), stored: count, failedAt: at }).strict(),
);

export type ImportJobEvent =
  | EventOf<typeof ImportJobStarted>
  | EventOf<typeof ImportRowsAccepted>
  | EventOf<typeof ImportChunkStored>
  | EventOf<typeof ImportJobCompleted>
  | EventOf<typeof ImportJobFailed>;

export const importJobEvents = [ImportJobStarted, ImportRowsAccepted, ImportChunkStored, ImportJobCompleted, ImportJobFailed];
