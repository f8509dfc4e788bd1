import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type pg from 'pg';
import { alertsAtSubmission, type DuplicateAlertView } from '../../projections/double-funding/queries.js';
import { budgetDecider, budgetStreamId, type BudgetCommand } from '../domain/budget/decider.js';
import {
  IMPORT_MAX_ROWS,
  inFileOrder,
  interpretTable,
  InvoiceImportRejected,
  issuesFromDecider,
  type Cell,
  type ImportIssue,
  type InterpretedImport,
  type TableRow,
} from '../domain/budget/import.js';
import { NotFound, ValidationFailed } from '../domain/errors.js';
import type { EventMetadata, EventStore } from '../eventstore/port.js';
import { load } from './handle-command.js';

/*
 * Bulk invoice import: the file's bytes → a table (csv-parse, exceljs) → invoice inputs
 * (src/domain/budget/import.ts) → one ImportInvoices command, so the whole file is one append
 * to the budget stream at the version it was checked against: all of it or none of it.
 */

export type ImportFormat = 'csv' | 'xlsx';
/** An XLSX file is a ZIP archive; one that says it unpacks to more than this is refused (a "ZIP bomb"). */
export const IMPORT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export interface ImportedInvoice {
  /** The row in the file (the heading is row 1). */
  row: number;
  invoiceId: string;
  number: string;
  /** Double-funding alerts (below) that involve this invoice. */
  alertIds: string[];
}
export interface InvoiceImportResult {
  imported: number;
  streamVersion: number;
  invoices: ImportedInvoice[];
  alerts: DuplicateAlertView[];
}

export interface ImportDeps {
  store: EventStore;
  pool: pg.Pool;
  nearDays: number;
  /** Where the submit-time double-funding check reads its facts; the same as for a single invoice. */
  alertSource: Parameters<typeof alertsAtSubmission>[4];
}
export interface ImportRequest {
  projectId: string;
  file: Buffer;
  format: ImportFormat;
  /** From the Content-Type's charset parameter, if any. */
  charset?: string;
  metadata: EventMetadata;
  idempotency?: { key: string; fingerprint: string };
  now: Date;
  newId: () => string;
}

export async function importInvoices(deps: ImportDeps, input: ImportRequest): Promise<InvoiceImportResult> {
  const streamId = budgetStreamId(input.projectId);
  const { key, fingerprint } = input.idempotency ?? {};
  const earlier = key && fingerprint ? await deps.store.findIdempotentResult(key, fingerprint) : null;
  const { state, version: current } = await load(deps.store, budgetDecider, streamId);
  if (state.status === 'none') throw new NotFound('Budget of project', input.projectId);

  const table = input.format === 'csv' ? readCsv(input.file, input.charset) : await readXlsx(input.file);
  const interpreted = Array.isArray(table) ? interpretTable(table) : { rows: [], issues: [table], headings: {} };
  if (interpreted.rows.length === 0 && interpreted.issues.length) throw new InvoiceImportRejected(inFileOrder(interpreted.issues));
  let version = earlier?.nextVersion ?? 0;
  if (!earlier) {
    const importing = (invoiceId: () => string): BudgetCommand => ({
      type: 'ImportInvoices',
      data: { rows: interpreted.rows.map((r) => ({ row: r.row, invoice: { ...r.invoice, invoiceId: invoiceId() } })) },
      context: { now: input.now, actor: input.metadata.actor, subject: input.projectId },
    });
    // Rows that could not be read are checked against the budget too, so one answer names everything.
    const issues = [
      ...interpreted.issues,
      ...decisionIssues(
        () =>
          budgetDecider.decide(
            importing(() => DRY_RUN_ID),
            state,
          ),
        interpreted,
      ),
    ];
    if (issues.length) throw new InvoiceImportRejected(inFileOrder(issues));
    // Read, decide, append as handleCommand does, without folding thousands of new events into a state nobody reads.
    const events = budgetDecider.decide(importing(input.newId), state);
    const appended = await deps.store.append(
      streamId,
      events.map((e) => ({ type: e.type, data: e.data, metadata: input.metadata })),
      { expectedVersion: current, ...(input.idempotency ? { idempotency: input.idempotency } : {}) },
    );
    version = appended.nextVersion;
  }
  const n = interpreted.rows.length;
  const stored = (await deps.store.readStream(streamId, { from: version - n + 1, to: version })).filter(
    (e) => e.type === 'InvoiceSubmitted.v1',
  );
  const suppliers = [...new Set(interpreted.rows.map((r) => r.invoice.supplierRegNo))];
  const alerts = await alertsAtSubmission(
    deps.pool,
    suppliers,
    stored.map((e) => e.id),
    deps.nearDays,
    deps.alertSource,
  );
  return {
    imported: stored.length,
    streamVersion: version,
    invoices: interpreted.rows.map((r, i) => {
      const event = stored[i]!;
      return {
        row: r.row,
        invoiceId: (event.data as { invoiceId: string }).invoiceId,
        number: r.invoice.number,
        alertIds: alerts.filter((a) => a.eventIds.includes(event.id)).map((a) => a.alertId),
      };
    }),
    alerts,
  };
}

const DRY_RUN_ID = '00000000-0000-4000-8000-000000000000';

function decisionIssues(decide: () => unknown, interpreted: InterpretedImport): ImportIssue[] {
  try {
    decide();
    return [];
  } catch (err) {
    if (err instanceof ValidationFailed) return issuesFromDecider(err.issues, interpreted);
    throw err;
  }
}

const fileIssue = (reason: string, row: number | null = null): ImportIssue => ({ row, column: null, reason });

/**
 * CSV as spreadsheets write it: UTF-8 (with or without a byte-order mark), else Windows-1257
 * (Baltic, what a Latvian Excel saves as plain "CSV"); separated by `;` (Latvian Excel: the
 * comma is the decimal sign), `,` or tab, whichever the heading row uses most.
 */
export function readCsv(bytes: Buffer, charset?: string): TableRow[] | ImportIssue {
  if (bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    return fileIssue(
      'this is an XLSX workbook (a ZIP archive), not CSV: send it as application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
  }
  const text = decode(bytes, charset);
  if (typeof text !== 'string') return text;
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const outsideQuotes = firstLine.replace(/"[^"]*"/g, '');
  const delimiter = [';', ',', '\t'].map((d) => ({ d, n: outsideQuotes.split(d).length })).sort((a, b) => b.n - a.n)[0]!.d;
  try {
    const records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
    return records.map((cells, i) => ({ number: i + 1, cells }));
  } catch (err) {
    if (err instanceof CsvError)
      return fileIssue(`not readable as CSV near line ${(err as CsvError & { lines?: number }).lines ?? '?'}: ${err.message}`);
    throw err;
  }
}

function decode(bytes: Buffer, charset: string | undefined): string | ImportIssue {
  const label = charset?.toLowerCase();
  if (label && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      return fileIssue(`unknown character set ${JSON.stringify(charset)}; send UTF-8`);
    }
  }
  const body = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1257').decode(body);
  }
}

/** The first worksheet of an XLSX workbook; each cell as typed (numbers, dates, text). */
export async function readXlsx(bytes: Buffer): Promise<TableRow[] | ImportIssue> {
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])))
    return fileIssue('this is an old .xls workbook; save it as .xlsx (Excel Workbook) or CSV');
  const unpacked = unpackedSize(bytes);
  if (unpacked === null) return fileIssue('not a readable XLSX workbook');
  if (unpacked > IMPORT_MAX_UNPACKED_BYTES)
    return fileIssue(`the workbook unpacks to more than ${IMPORT_MAX_UNPACKED_BYTES / 1024 / 1024} MB; split it`);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    return fileIssue('not a readable XLSX workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return fileIssue('the workbook has no worksheet');
  if (sheet.actualRowCount > IMPORT_MAX_ROWS + 1)
    return fileIssue(`the worksheet "${sheet.name}" holds ${sheet.actualRowCount - 1} rows; one import takes at most ${IMPORT_MAX_ROWS}`);
  const rows: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellOf(row.getCell(c).value));
    rows.push({ number, cells });
  });
  return rows;
}

function cellOf(value: ExcelJS.CellValue | undefined): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('error' in value) return { error: String(value.error) };
  if ('richText' in value) return value.richText.map((t) => t.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as ExcelJS.CellFormulaValue).result;
    return result === undefined
      ? { error: 'a formula without a stored result (open and save the file in Excel)' }
      : cellOf(result as ExcelJS.CellValue);
  }
  if ('text' in value) return String(value.text);
  return null;
}

/**
 * What the ZIP's central directory says its entries unpack to, summed; null when it is not a
 * ZIP. ZIP64 entries (over 4 GB each, or 65,535 entries) count as too large.
 */
export function unpackedSize(zip: Buffer): number | null {
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= stop; i--) {
    if (zip.readUInt32LE(i) !== 0x06054b50) continue;
    const entries = zip.readUInt16LE(i + 10);
    if (entries === 0xffff) return Number.POSITIVE_INFINITY;
    let p = zip.readUInt32LE(i + 16);
    let total = 0;
    for (let n = 0; n < entries; n++) {
      if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50) return null;
      const size = zip.readUInt32LE(p + 24);
      if (size === 0xffffffff) return Number.POSITIVE_INFINITY;
      total += size;
      p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    }
    return total;
  }
  return null;
}
