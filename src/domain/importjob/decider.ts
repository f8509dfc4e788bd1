import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, ValidationFailed } from '../errors.js';
import type { ImportIssue } from '../budget/import.js';
import { defineStreamType } from '../stream.js';
import type { InvoiceInput } from '../budget/content.js';
import { importJobEvents, type ImportedRow, type ImportJobEvent, type ImportJobFile } from './events.js';
import { decodeRows, encodeRows } from './rows.js';

interface Started {
  jobId: string;
  projectId: string;
  recipientOrg: string;
  file: ImportJobFile;
  /** Invoice rows in the file. */
  rows: number;
  chunkRows: number;
  startedAt: string;
  startedBy: string;
  /** The validated rows, chunk by chunk, encoded (src/domain/importjob/rows.ts): what is left to store is read from here. */
  chunks: { firstRow: number; lastRow: number; count: number; rows: string }[];
  /** Per chunk stored, its rows' results, in order. */
  stored: ImportedRow[][];
  /** Distinct double-funding alerts the stored chunks raised. */
  alerts: string[];
}

/**
 * An import job: `queued` until its first chunk is stored, `running` while chunks are stored,
 * `completed` with every row stored, `failed` with the problems (a refused file stores nothing).
 */
export type ImportJob =
  | { status: 'none' }
  | (Started & { status: 'queued' | 'running' })
  | (Started & { status: 'completed'; finishedAt: string })
  | (Started & { status: 'failed'; finishedAt: string; issues: ImportIssue[] });

interface JobFacts {
  jobId: string;
  projectId: string;
  recipientOrg: string;
  file: ImportJobFile;
  chunkRows: number;
}

export type ImportJobCommand =
  /** A file whose every row was read and checked: its rows are kept in chunks of `chunkRows`. */
  | Command<'StartImportJob', JobFacts & { rows: { row: number; invoice: InvoiceInput }[] }>
  /** A file with problems: the job starts and fails at once, naming them all; nothing is stored. */
  | Command<'RefuseImportFile', JobFacts & { rowCount: number; issues: ImportIssue[] }>
  /** A chunk was appended to the budget (`budgetVersion` after it) with these results. */
  | Command<'RecordImportChunk', { chunk: number; budgetVersion: number; invoices: ImportedRow[] }>
  /** Storing stopped for good (the budget refused a chunk). */
  | Command<'FailImportJob', { issues: ImportIssue[] }>;

export const initialState: ImportJob = { status: 'none' };

const started = (c: { data: JobFacts; context: { now: Date; actor: string } }, rows: number): ImportJobEvent => ({
  type: 'ImportJobStarted.v1',
  data: {
    jobId: c.data.jobId,
    projectId: c.data.projectId,
    recipientOrg: c.data.recipientOrg,
    file: c.data.file,
    rows,
    chunkRows: c.data.chunkRows,
    startedAt: c.context.now.toISOString(),
    startedBy: c.context.actor,
  },
});

function start(c: Extract<ImportJobCommand, { type: 'StartImportJob' }>): ImportJobEvent[] {
  const { rows, chunkRows } = c.data;
  if (rows.length === 0) throw new ValidationFailed([{ field: 'rows', message: 'the import holds no invoices' }]);
  const chunks: ImportJobEvent[] = [];
  for (let from = 0; from < rows.length; from += chunkRows) {
    const slice = rows.slice(from, from + chunkRows);
    chunks.push({
      type: 'ImportRowsAccepted.v1',
      data: { chunk: from / chunkRows, firstRow: slice[0]!.row, lastRow: slice.at(-1)!.row, count: slice.length, rows: encodeRows(slice) },
    });
  }
  return [started(c, rows.length), ...chunks];
}

function recordChunk(c: Extract<ImportJobCommand, { type: 'RecordImportChunk' }>, job: Exclude<ImportJob, { status: 'none' }>) {
  const { chunk, budgetVersion, invoices } = c.data;
  // The same chunk recorded again (a worker resumed after a crash between the budget and here): nothing new.
  if (chunk < job.stored.length) return [];
  if (job.status !== 'queued' && job.status !== 'running')
    throw new IllegalTransition(c.type, job.status, `import job ${job.jobId} is ${job.status}`);
  if (chunk !== job.stored.length)
    throw new IllegalTransition(c.type, job.status, `chunk ${chunk} recorded before chunk ${job.stored.length} of import job ${job.jobId}`);
  const expected = acceptedRows(job, chunk);
  if (
    invoices.length !== expected.length ||
    invoices.some((i, n) => i.row !== expected[n]!.row || i.invoiceId !== expected[n]!.invoice.invoiceId)
  )
    throw new ValidationFailed([
      { field: 'invoices', message: `chunk ${chunk} holds rows ${expected[0]?.row}–${expected.at(-1)?.row}, in order` },
    ]);
  const known = new Set(job.alerts);
  const newAlerts = [...new Set(invoices.flatMap((i) => i.alertIds))].filter((a) => !known.has(a));
  const now = c.context.now.toISOString();
  const events: ImportJobEvent[] = [{ type: 'ImportChunkStored.v1', data: { chunk, budgetVersion, invoices, newAlerts, storedAt: now } }];
  if (chunk === job.chunks.length - 1)
    events.push({
      type: 'ImportJobCompleted.v1',
      data: { stored: job.rows, alertsRaised: known.size + newAlerts.length, completedAt: now },
    });
  return events;
}

export function decide(command: ImportJobCommand, state: ImportJob): ImportJobEvent[] {
  if (command.type === 'StartImportJob' || command.type === 'RefuseImportFile') {
    if (state.status !== 'none') throw new IllegalTransition(command.type, state.status, `import job ${command.data.jobId} exists`);
    if (command.type === 'StartImportJob') return start(command);
    const failed: ImportJobEvent = {
      type: 'ImportJobFailed.v1',
      data: { issues: command.data.issues, stored: 0, failedAt: command.context.now.toISOString() },
    };
    return [started(command, command.data.rowCount), failed];
  }
  if (state.status === 'none') throw new IllegalTransition(command.type, 'none', 'no such import job');
  switch (command.type) {
    case 'RecordImportChunk':
      return recordChunk(command, state);
    case 'FailImportJob': {
      if (state.status === 'failed') return [];
      if (state.status === 'completed') throw new IllegalTransition(command.type, state.status, `import job ${state.jobId} is completed`);
      const stored = state.stored.reduce((n, c) => n + c.length, 0);
      return [{ type: 'ImportJobFailed.v1', data: { issues: command.data.issues, stored, failedAt: command.context.now.toISOString() } }];
    }
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** Arrays of chunks are copied, never the chunks themselves: evolving a 100-chunk job costs little per event. */
export function evolve(state: ImportJob, event: ImportJobEvent): ImportJob {
  if (event.type === 'ImportJobStarted.v1') return { ...event.data, status: 'queued', chunks: [], stored: [], alerts: [] };
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ImportRowsAccepted.v1': {
      const { firstRow, lastRow, count, rows } = event.data;
      return { ...state, chunks: [...state.chunks, { firstRow, lastRow, count, rows }] };
    }
    case 'ImportChunkStored.v1':
      return {
        ...state,
        status: 'running',
        stored: [...state.stored, event.data.invoices],
        alerts: [...state.alerts, ...event.data.newAlerts],
      };
    case 'ImportJobCompleted.v1':
      return { ...state, status: 'completed', finishedAt: event.data.completedAt };
    case 'ImportJobFailed.v1':
      return { ...state, status: 'failed', finishedAt: event.data.failedAt, issues: event.data.issues };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const importJobDecider: Decider<ImportJobCommand, ImportJobEvent, ImportJob> = { decide, evolve, initialState };

/** An invoice import job: `importjob-<jobId>`, belonging to its project and beneficiary. */
export const importJobStream = defineStreamType({
  name: 'importjob',
  decider: importJobDecider,
  events: importJobEvents,
  projects: (state) => (state.status === 'none' ? [] : [{ projectId: state.projectId, organisation: state.recipientOrg }]),
});
export const importJobStreamId = (jobId: string) => `importjob-${jobId}`;

/** The validated rows of a chunk, each with its invoice's id. */
export const acceptedRows = (job: Started, chunk: number) => decodeRows(job.jobId, job.chunks[chunk]!.rows);

/** Rows validated: all of a file that passed, none of one refused. */
export const validatedRows = (job: Started): number => job.chunks.reduce((n, c) => n + c.count, 0);

/** Rows stored so far. */
export const storedRows = (job: Started): number => job.stored.reduce((n, c) => n + c.length, 0);
