import { randomUUID } from 'node:crypto';
import { parse as csvParser, CsvError, type Options as CsvOptions } from 'csv-parse';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { createInflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import type { DuplicateAlertView } from '../../projections/double-funding/queries.js';
import { budgetDecider, importIssuesInSteps as rowIssuesInSteps, type Budget, type OpenBudget } from '../domain/budget/decider.js';
import {
  IMPORT_MAX_ROWS,
  inFileOrder,
  interpretTableInSteps,
  InvoiceImportRejected,
  issuesFromDecider,
  type Cell,
  type ImportIssue,
  type InterpretedImport,
  type TableRow,
} from '../domain/budget/import.js';
import type { CommandContext } from '../domain/decider.js';
import { drain, type Steps } from '../domain/steps.js';
import { ValidationFailed } from '../domain/errors.js';
import { alertAsSeenBy, audienceOf } from './alert-audience.js';
import type { Budgets } from './budgets.js';
import type { Caller } from './caller.js';
import type { Outcome } from './command.js';
import { importFormatOf, sniff, type DeclaredFile, type ImportFormat } from './invoice-import-format.js';
import { inSlices } from '../time-slices.js';

/*
 * Bulk invoice import: the file's bytes → its format (src/application/invoice-import-format.ts)
 * → a table (csv-parse, exceljs) → invoice inputs (src/domain/budget/import.ts) → one
 * ImportInvoices command, so the whole file is one append to the budget stream at the version it
 * was checked against: all of it or none of it.
 */

export type { ImportFormat } from './invoice-import-format.js';
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

/** The file as it was sent: the bytes, the media type and name it came with (which, with the bytes, decide the format). */
export interface ImportFile extends DeclaredFile {
  /** From the Content-Type's charset parameter, if any. */
  charset?: string;
}

export interface InvoiceImport extends Outcome<OpenBudget> {
  imported: number;
  invoices: ImportedInvoice[];
  /** Double-funding alerts the imported invoices raise, checked as for a single invoice. */
  alerts: DuplicateAlertView[];
}

/** A file read into invoice inputs, and how many invoice rows it holds (which decides a job or not). */
export interface ReadImport {
  format: ImportFormat;
  interpreted: InterpretedImport;
  /** Non-blank rows below the headings, read or not. */
  rowCount: number;
}

/**
 * Reads a file of invoices: its format from the bytes and their label, a table, every row as an
 * invoice input with every problem found. A file that cannot be read at all (empty, broken, no
 * headings) is refused at once (InvoiceImportRejected), whatever its size.
 */
export async function readImport(file: ImportFile, maxRows: number): Promise<ReadImport> {
  const format = importFormatOf(file);
  if (file.bytes.length === 0) throw new InvoiceImportRejected([{ row: null, column: null, reason: 'the file is empty' }]);
  const table = format === 'csv' ? await readCsv(file.bytes, file.charset) : await readXlsx(file.bytes, maxRows);
  const interpreted = Array.isArray(table)
    ? await inSlices(interpretTableInSteps(table, maxRows))
    : { rows: [], issues: [table], headings: {} };
  if (interpreted.rows.length === 0 && interpreted.issues.length) throw new InvoiceImportRejected(inFileOrder(interpreted.issues));
  return { format, interpreted, rowCount: interpreted.rows.length };
}

/**
 * Every problem of the file against the budget as it stands: the rows that could not be read and
 * what the budget's decider says of those that could (each row checked like a single invoice,
 * the same invoice twice in the file), in file order; none: the file may be imported.
 */
export function importIssues(interpreted: InterpretedImport, context: CommandContext, state: Budget): ImportIssue[] {
  return drain(importIssuesInSteps(interpreted, context, state));
}

/** {@link importIssues}, pausing every so many rows. */
export function* importIssuesInSteps(interpreted: InterpretedImport, context: CommandContext, state: Budget): Steps<ImportIssue[]> {
  // A budget that takes no invoices at all refuses the same way whatever the rows: the decider says why.
  if (state.status !== 'open') return importIssuesAtOnce(interpreted, context, state);
  const found = yield* rowIssuesInSteps(interpreted.rows, state);
  return inFileOrder([...interpreted.issues, ...(found.length ? issuesFromDecider(found, interpreted) : [])]);
}

function importIssuesAtOnce(interpreted: InterpretedImport, context: CommandContext, state: Budget): ImportIssue[] {
  const dryRun = () =>
    budgetDecider.decide(
      {
        type: 'ImportInvoices',
        data: { rows: interpreted.rows.map((r) => ({ row: r.row, invoice: { ...r.invoice, invoiceId: DRY_RUN_ID } })) },
        context,
      },
      state,
    );
  return inFileOrder([...interpreted.issues, ...decisionIssues(dryRun, interpreted)]);
}

/**
 * Imports a file of invoices into a project's budget within the request, once read
 * ({@link readImport}): every row is checked as a single invoice would be, and any problem
 * anywhere refuses the whole file naming every row and column at fault (InvoiceImportRejected);
 * a valid file is one append.
 */
export async function importRead(budgets: Budgets, caller: Caller, projectId: string, { interpreted }: ReadImport): Promise<InvoiceImport> {
  const outcome = await budgets.act(caller, projectId, (context, state) => {
    const issues = importIssues(interpreted, context, state);
    if (issues.length) throw new InvoiceImportRejected(issues);
    return {
      type: 'ImportInvoices',
      data: { rows: interpreted.rows.map((r) => ({ row: r.row, invoice: { ...r.invoice, invoiceId: randomUUID() } })) },
      context,
    };
  });
  const stored = (await budgets.stored(outcome)).flatMap((e) => (e.type === 'InvoiceSubmitted.v1' ? [e] : []));
  const suppliers = [...new Set(interpreted.rows.map((r) => r.invoice.supplierRegNo))];
  const alerts = await budgets.alerts(
    suppliers,
    stored.map((e) => e.id),
  );
  const audience = await audienceOf(budgets.deps, caller.user, alerts);
  const shown = alerts.map((a) => alertAsSeenBy(audience, a));
  // Each row names its alerts by the ids the answer shows them under.
  const shownId = new Map(alerts.map((a, i) => [a.alertId, shown[i]!.alertId]));
  const alertIds = alertIdsByEvent(alerts);
  return {
    ...outcome,
    imported: stored.length,
    invoices: interpreted.rows.map((r, i) => {
      const event = stored[i]!;
      return {
        row: r.row,
        invoiceId: event.data.invoiceId,
        number: r.invoice.number,
        alertIds: (alertIds.get(event.id) ?? []).map((id) => shownId.get(id)!),
      };
    }),
    alerts: shown,
  };
}

/** Event id → the alerts that involve it, in the alerts' order: one pass, not one scan of the alerts per row. */
export function alertIdsByEvent(alerts: readonly Pick<DuplicateAlertView, 'alertId' | 'eventIds'>[]): Map<string, string[]> {
  const byEvent = new Map<string, string[]>();
  for (const a of alerts)
    for (const id of new Set(a.eventIds)) {
      const list = byEvent.get(id);
      if (list) list.push(a.alertId);
      else byEvent.set(id, [a.alertId]);
    }
  return byEvent;
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
export async function readCsv(bytes: Buffer, charset?: string): Promise<TableRow[] | ImportIssue> {
  if (sniff(bytes) === 'zip') {
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
    const records = await parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false });
    return records.map((cells, i) => ({ number: i + 1, cells }));
  } catch (err) {
    if (err instanceof CsvError)
      return fileIssue(`not readable as CSV near line ${(err as CsvError & { lines?: number }).lines ?? '?'}: ${err.message}`);
    throw err;
  }
}

/** Characters of CSV parsed between serving the requests waiting (~10 ms of parsing). */
const CSV_SLICE = 128 * 1024;

/** The records of a CSV text, parsed a slice at a time; rejects with csv-parse's CsvError. */
async function parseCsv(text: string, options: CsvOptions): Promise<string[][]> {
  const records: string[][] = [];
  const parser = csvParser(options);
  let failed: unknown;
  parser.on('readable', () => {
    for (let record: unknown; (record = parser.read()) !== null;) records.push(record as string[]);
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', (err) => reject((failed = err)));
  });
  for (let at = 0; at < text.length && failed === undefined; at += CSV_SLICE) {
    parser.write(text.slice(at, at + CSV_SLICE));
    await yieldToRequests();
  }
  if (failed === undefined) parser.end();
  await ended;
  return records;
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
export async function readXlsx(bytes: Buffer, maxRows = IMPORT_MAX_ROWS): Promise<TableRow[] | ImportIssue> {
  if (bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0])))
    return fileIssue('this is an old .xls workbook; save it as .xlsx (Excel Workbook) or CSV');
  // The declared sizes refuse an honest bomb at once; the inflated ones, checked before any parser sees the bytes, a lying one.
  const declared = unpackedSize(bytes);
  if (declared === null) return fileIssue('not a readable XLSX workbook');
  const tooLarge = () => fileIssue(`the workbook unpacks to more than ${IMPORT_MAX_UNPACKED_BYTES / 1024 / 1024} MB; split it`);
  if (declared > IMPORT_MAX_UNPACKED_BYTES) return tooLarge();
  const inflated = await inflatedSize(bytes, IMPORT_MAX_UNPACKED_BYTES);
  if (inflated === null) return fileIssue('not a readable XLSX workbook');
  if (inflated > IMPORT_MAX_UNPACKED_BYTES) return tooLarge();
  const workbook = new ExcelJS.Workbook();
  try {
    // @ts-expect-error exceljs declares a global Buffer of its own (an ArrayBuffer) that Node's Buffer does not match; it reads any bytes.
    await workbook.xlsx.load(bytes);
  } catch {
    return fileIssue('not a readable XLSX workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return fileIssue('the workbook has no worksheet');
  if (sheet.actualRowCount > maxRows + 1)
    return fileIssue(`the worksheet "${sheet.name}" holds ${sheet.actualRowCount - 1} rows; one import takes at most ${maxRows}`);
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
    return result === undefined ? { error: 'a formula without a stored result (open and save the file in Excel)' } : cellOf(result);
  }
  if ('text' in value) return String(value.text);
  return null;
}

interface ZipEntry {
  /** Compression method: 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  /** What the central directory claims it unpacks to (a claim, not a fact). */
  readonly declaredSize: number;
  readonly localHeader: number;
}

/** The entries of a ZIP's central directory; null when it is not a ZIP. ZIP64 (over 4 GB, or 65,535 entries) is refused as too large. */
function zipEntries(zip: Buffer): ZipEntry[] | 'too-large' | null {
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= stop; i--) {
    if (zip.readUInt32LE(i) !== 0x06054b50) continue;
    const count = zip.readUInt16LE(i + 10);
    if (count === 0xffff) return 'too-large';
    let p = zip.readUInt32LE(i + 16);
    const entries: ZipEntry[] = [];
    for (let n = 0; n < count; n++) {
      if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50) return null;
      const declaredSize = zip.readUInt32LE(p + 24);
      const compressedSize = zip.readUInt32LE(p + 20);
      if (declaredSize === 0xffffffff || compressedSize === 0xffffffff) return 'too-large';
      entries.push({ method: zip.readUInt16LE(p + 10), compressedSize, declaredSize, localHeader: zip.readUInt32LE(p + 42) });
      p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    }
    return entries;
  }
  return null;
}

/** What the ZIP's central directory says its entries unpack to, summed (a claim); null when it is not a ZIP. */
export function unpackedSize(zip: Buffer): number | null {
  const entries = zipEntries(zip);
  if (entries === 'too-large') return Number.POSITIVE_INFINITY;
  return entries === null ? null : entries.reduce((sum, e) => sum + e.declaredSize, 0);
}

/**
 * What the ZIP's entries really unpack to, summed: each deflated entry is inflated as a stream and
 * its output counted (and dropped), stopping as soon as the total passes `limit`, so a ZIP bomb
 * whose central directory lies about its sizes costs at most `limit` bytes of inflating and one
 * chunk of memory. Null when it is not a ZIP this can read (an entry neither stored nor deflated,
 * a header out of bounds, a deflate stream that is broken); more than `limit` when it is too large.
 */
export async function inflatedSize(zip: Buffer, limit: number): Promise<number | null> {
  const entries = zipEntries(zip);
  if (entries === 'too-large') return Number.POSITIVE_INFINITY;
  if (entries === null) return null;
  let total = 0;
  for (const e of entries) {
    const h = e.localHeader;
    if (h + 30 > zip.length || zip.readUInt32LE(h) !== 0x04034b50) return null;
    const start = h + 30 + zip.readUInt16LE(h + 26) + zip.readUInt16LE(h + 28);
    if (start + e.compressedSize > zip.length) return null;
    const data = zip.subarray(start, start + e.compressedSize);
    if (e.method === 0) total += data.length;
    else if (e.method === 8) {
      const inflated = await inflatedBytes(data, limit - total);
      if (inflated === null) return null;
      total += inflated;
    } else return null;
    if (total > limit) return total;
  }
  return total;
}

/** Bytes a raw deflate stream inflates to, counted up to just past `limit`; null when the stream is broken. */
function inflatedBytes(data: Buffer, limit: number): Promise<number | null> {
  return new Promise((resolve) => {
    const inflate = createInflateRaw();
    let total = 0;
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        inflate.destroy();
        resolve(total);
      }
    });
    inflate.on('end', () => resolve(total));
    inflate.on('error', () => resolve(null));
    inflate.end(data);
  });
}
