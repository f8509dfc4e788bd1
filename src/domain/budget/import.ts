import { ValidationFailed, type FieldIssue } from '../errors.js';
import { drain, ROWS_PER_STEP, type Steps } from '../steps.js';
import { FUNDING_SOURCES, invoiceInputSchema, type FundingSource, type FundShare, type InvoiceInput } from './content.js';

/*
 * Bulk invoice import (rēķinu imports): a table with a heading row and one invoice per row,
 * turned into invoice inputs. Every problem of every row is collected, each named by the row
 * as the clerk sees it in the file (the heading is row 1) and by the column's heading as
 * written there. Money is read from its decimal text, never through floating-point arithmetic.
 * Reading the bytes of a CSV or XLSX file into a table is src/application/invoice-import.ts.
 */

/** At most this many invoice rows in one import, unless configured otherwise (IMPORT_MAX_ROWS); a large file becomes a job. */
export const IMPORT_MAX_ROWS = 100_000;

/** A cell as a reader hands it over: text, a number, a date (an XLSX date cell), or a spreadsheet error. */
export type Cell = string | number | boolean | Date | { error: string } | null;
/** One row of the file: its number as the clerk sees it (the heading is 1) and its cells. */
export interface TableRow {
  number: number;
  cells: Cell[];
}

/** One problem in the file: row (heading = 1; null for the whole file), column heading, the cell as written, reason. */
export interface ImportIssue {
  row: number | null;
  column: string | null;
  /** The cell at fault as written in the file ({@link asWritten}); null when the problem is not about one cell. */
  value?: string | null;
  /** A problem of the form the file came in rather than of the file: the form field it is about (`file`). */
  formField?: string;
  reason: string;
}

/** The import was refused as a whole; nothing of it is stored. */
export class InvoiceImportRejected extends ValidationFailed {
  constructor(readonly problems: readonly ImportIssue[]) {
    super(problems.map((p) => ({ field: p.row === null ? 'file' : `rows.${p.row}${p.column ? `.${p.column}` : ''}`, message: p.reason })));
    this.name = 'InvoiceImportRejected';
  }
}

type Alloc = `alloc:${FundingSource}`;
export type ImportField = 'supplierRegNo' | 'number' | 'date' | 'net' | 'vat' | 'gross' | 'costLine' | 'documentHash' | Alloc;

/** The headings this service documents; {@link ALIASES} lists what else a clerk may write. */
export const CANONICAL_HEADINGS: Record<ImportField, string> = {
  supplierRegNo: 'supplier_reg_no',
  number: 'invoice_number',
  date: 'date',
  net: 'net',
  vat: 'vat',
  gross: 'gross',
  costLine: 'cost_line',
  documentHash: 'document_hash',
  'alloc:RRF': 'alloc_RRF',
  'alloc:ERDF': 'alloc_ERDF',
  'alloc:STATE': 'alloc_STATE',
  'alloc:OWN': 'alloc_OWN',
};
const REQUIRED: ImportField[] = ['supplierRegNo', 'number', 'date', 'net', 'vat', 'gross', 'costLine'];
const ALLOCS = FUNDING_SOURCES.map((f) => `alloc:${f}` as const);

/** Headings after {@link headingKey}, Latvian terms included; `null` marks note columns that are read past. */
const ALIASES: ReadonlyMap<string, ImportField | null> = new Map(
  (
    [
      [
        'supplierRegNo',
        'supplierregno supplierregnr supplierregistrationnumber supplier piegadatajs piegadatajaregnr piegadatajaregistracijasnumurs regnr',
      ],
      ['number', 'invoicenumber invoiceno invoicenr invoice number nr rekinanumurs rekinanr rekins numurs'],
      ['date', 'date invoicedate datums rekinadatums'],
      ['net', 'net netamount neto summabezpvn bezpvn'],
      ['vat', 'vat vatamount pvn pvnsumma'],
      ['gross', 'gross grossamount total bruto summaarpvn arpvn kopa kopsumma'],
      ['costLine', 'costline izmaksupozicija pozicija'],
      ['documentHash', 'documenthash documentsha256 sha256 dokumentajaucejkods jaucejkods'],
      ['alloc:RRF', 'allocrrf rrf allocanm anm'],
      ['alloc:ERDF', 'allocerdf erdf alloceraf eraf'],
      ['alloc:STATE', 'allocstate state allocvb vb valstsbudzets'],
      ['alloc:OWN', 'allocown own pasulidzekli'],
      [null, 'notes note comment comments piezimes komentars'],
    ] as const
  ).flatMap(([field, names]) => names.split(' ').map((n) => [n, field])),
);

/** Case, diacritics, spaces and punctuation do not matter: "Rēķina Nr." → "rekinanr". */
export const headingKey = (heading: string): string =>
  heading
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Spreadsheet column letters, as Excel shows them: 0 → A, 26 → AA. */
export const columnLetter = (index: number): string =>
  (index >= 26 ? columnLetter(Math.floor(index / 26) - 1) : '') + String.fromCharCode(65 + (index % 26));

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (reason: string): Parsed<never> => ({ ok: false, reason });

const THIN_SPACES = /[ \u00A0\u202F]/g;
const AMOUNT = /^(\d{1,3}(?:[ \u00A0\u202F]\d{3})+|\d+)(?:[.,](\d+))?$/;
const MAX_WHOLE_EUROS = 10n ** 13n;

/**
 * Euros as written → integer cents, exactly: "1234.56", "1234,56" (Latvian decimal comma),
 * "1 234,56" (thousands grouped by spaces). At most 2 decimals; never negative.
 */
export function centsFromText(text: string): Parsed<number> {
  const t = text.trim();
  if (/^[-\u2212]/.test(t))
    return AMOUNT.test(t.slice(1).trim())
      ? no(`${quote(t)} is negative; amounts must not be negative`)
      : no(`${quote(t)} is not an amount in euros (write e.g. 1234.56 or 1 234,56)`);
  const m = AMOUNT.exec(t);
  if (!m) return no(`${quote(t)} is not an amount in euros (write e.g. 1234.56 or 1 234,56)`);
  const decimals = m[2] ?? '';
  if (decimals.length > 2) return no(`${quote(t)} has more than 2 decimals; round it to the cent`);
  const whole = BigInt(m[1]!.replace(THIN_SPACES, ''));
  if (whole >= MAX_WHOLE_EUROS) return no(`${quote(t)} is too large for an invoice`);
  return ok(Number(whole * 100n + BigInt(decimals.padEnd(2, '0'))));
}

/**
 * A spreadsheet number as the spreadsheet shows it in General format: 15 significant digits, the
 * most a double holds exactly, so 0.1 + 0.2 shows as 0.3 and 19.99 as 19.99.
 */
export const numberAsWritten = (value: number): string =>
  Number.isFinite(value) && !Number.isInteger(value) ? String(Number(value.toPrecision(15))) : String(value);

/**
 * A cell as written in the file: a text cell's text exactly as it stands, a number as the
 * spreadsheet shows it ({@link numberAsWritten}), a date cell as its ISO date, an error cell as its
 * code (#VALUE!), a blank cell as ''. What an issue quotes as `value`, never cents.
 */
export function asWritten(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return numberAsWritten(cell);
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return '';
    const iso = cell.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof cell === 'object') return cell.error;
  return cell;
}

/**
 * Cents as euros written the way `samples` (amounts as written in the same row) write them: a
 * decimal comma if they use one, thousands grouped by spaces if they are: 121001 next to
 * "1 000,00" is "1 210,01", next to "1000.00" it is "1210.01".
 */
export function eurosLike(cents: number, samples: readonly string[]): string {
  const comma = samples.some((s) => /\d,\d{1,2}\s*$/.test(s));
  const grouped = samples.some((s) => /\d[ \u00A0\u202F]\d{3}/.test(s));
  const whole = String(Math.trunc(cents / 100));
  return `${grouped ? whole.replace(/\B(?=(\d{3})+$)/g, ' ') : whole}${comma ? ',' : '.'}${String(cents % 100).padStart(2, '0')}`;
}

/**
 * A spreadsheet number → integer cents. The binary double is printed with 15 significant
 * digits (as many as a double holds exactly), which removes the noise of e.g. a formula's
 * 0.1 + 0.2 = 0.30000000000000004, and then read as text: a value with a third decimal is
 * refused rather than rounded away.
 */
export function centsFromNumber(value: number): Parsed<number> {
  const shown = numberAsWritten(value);
  if (!Number.isFinite(value)) return no(`${shown} is not an amount`);
  if (value < 0) return no(`${shown} is negative; amounts must not be negative`);
  const printed = value.toPrecision(15);
  if (printed.includes('e'))
    return value >= 1 ? no(`${shown} is too large for an invoice`) : no(`${shown} has more than 2 decimals; round it to the cent`);
  const parsed = centsFromText(printed.includes('.') ? printed.replace(/\.?0+$/, '') : printed);
  if (parsed.ok) return parsed;
  return parsed.reason.includes('too large')
    ? no(`${shown} is too large for an invoice`)
    : no(`${shown} has more than 2 decimals; round it to the cent (e.g. =ROUND(…;2))`);
}

const isoOf = (y: number, m: number, d: number): Parsed<string> => {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return no(`${y}-${m}-${d} is not a date in the calendar`);
  return ok(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
};

/** A date as written: ISO 2024-03-15, or Latvian 15.03.2024 (a final dot allowed). */
export function dateFromText(text: string): Parsed<string> {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (iso) return reword(isoOf(Number(iso[1]), Number(iso[2]), Number(iso[3])), t);
  const lv = /^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$/.exec(t);
  if (lv) return reword(isoOf(Number(lv[3]), Number(lv[2]), Number(lv[1])), t);
  return no(`${quote(t)} is not a date (write 2024-03-15 or 15.03.2024)`);
}
const reword = (p: Parsed<string>, t: string): Parsed<string> => (p.ok ? p : no(`${quote(t)} is not a date in the calendar`));

function dateFromCell(cell: Cell): Parsed<string> {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return no('the date cell holds no valid date');
    return isoOf(cell.getUTCFullYear(), cell.getUTCMonth() + 1, cell.getUTCDate());
  }
  if (typeof cell === 'number') return no(`${cell} is a number, not a date: format the cell as a date or write 2024-03-15`);
  return dateFromText(cellText(cell));
}

function centsFromCell(cell: Cell): Parsed<number> {
  if (typeof cell === 'number') return centsFromNumber(cell);
  if (cell instanceof Date) return no('the cell holds a date, not an amount');
  return centsFromText(cellText(cell));
}

function textFromCell(cell: Cell): Parsed<string> {
  if (cell instanceof Date) return no('the spreadsheet turned this into a date; format the column as text and type it again');
  return ok(cellText(cell).trim());
}

/** A cell as the text a person reads in it; an error cell shows its code (#VALUE!). */
function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return cell.toISOString();
  if (typeof cell === 'object') return cell.error;
  return String(cell);
}

const quote = (t: string) => JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t);
const isBlank = (cell: Cell | undefined) => cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');
const errorOf = (cell: Cell | undefined) => (typeof cell === 'object' && cell !== null && !(cell instanceof Date) ? cell.error : null);

/** A row that parsed far enough to be checked like a single invoice; `failed` names the fields that did not. */
export interface ImportRow {
  row: number;
  invoice: InvoiceInput;
  failed: ReadonlySet<ImportField>;
  /** Each field's cell as written in the file ({@link asWritten}), to quote in issues found later. */
  written: Partial<Record<ImportField, string>>;
}

export interface InterpretedImport {
  rows: ImportRow[];
  issues: ImportIssue[];
  /** The heading each field had in the file, for naming columns in issues found later. */
  headings: Partial<Record<ImportField, string>>;
}

/** Reads the heading row; headings that cannot be mapped are issues of row 1. */
function readHeadings(heading: TableRow, rows: readonly TableRow[]) {
  const issues: ImportIssue[] = [];
  const columns = new Map<number, ImportField>();
  const headings: Partial<Record<ImportField, string>> = {};
  const width = rows.reduce((n, r) => Math.max(n, r.cells.length), heading.cells.length);
  Array.from({ length: width }, (_, index) => heading.cells[index] ?? null).forEach((cell, index) => {
    const text = isBlank(cell) ? '' : cellText(cell ?? null).trim();
    if (text === '') {
      if (rows.some((r) => !isBlank(r.cells[index])))
        issues.push({
          row: heading.number,
          column: `column ${columnLetter(index)}`,
          value: '',
          reason: 'the column has values but no heading',
        });
      return;
    }
    const field = ALIASES.get(headingKey(text));
    if (field === undefined) {
      issues.push({
        row: heading.number,
        column: text,
        value: text,
        reason: `unknown column; the columns are ${Object.values(CANONICAL_HEADINGS).join(', ')} (notes may go in a "notes" column)`,
      });
    } else if (field !== null && headings[field] !== undefined) {
      issues.push({
        row: heading.number,
        column: text,
        value: text,
        reason: `a second column for ${CANONICAL_HEADINGS[field]} (the first is "${headings[field]}")`,
      });
    } else if (field !== null) {
      headings[field] = text;
      columns.set(index, field);
    }
  });
  for (const field of REQUIRED) {
    if (headings[field] === undefined)
      issues.push({ row: heading.number, column: CANONICAL_HEADINGS[field], reason: 'the column is missing' });
  }
  if (!ALLOCS.some((a) => headings[a] !== undefined)) {
    issues.push({
      row: heading.number,
      column: 'alloc_RRF',
      reason: `no fund allocation column: add at least one of ${ALLOCS.map((a) => CANONICAL_HEADINGS[a]).join(', ')}`,
    });
  }
  return { issues, columns, headings };
}

/**
 * The table → invoice inputs and every problem found in it. Blank rows are read past. When the
 * headings are wrong nothing else is checked: every row would fail the same way.
 */
export function interpretTable(table: readonly TableRow[], maxRows = IMPORT_MAX_ROWS): InterpretedImport {
  return drain(interpretTableInSteps(table, maxRows));
}

/** {@link interpretTable}, pausing every {@link ROWS_PER_STEP} rows. */
export function* interpretTableInSteps(table: readonly TableRow[], maxRows = IMPORT_MAX_ROWS): Steps<InterpretedImport> {
  const [heading, ...all] = table;
  if (!heading || heading.number !== 1 || heading.cells.every(isBlank)) {
    return {
      rows: [],
      headings: {},
      issues: [
        { row: 1, column: null, reason: `the first row must hold the column headings: ${Object.values(CANONICAL_HEADINGS).join(', ')}` },
      ],
    };
  }
  const data = all.filter((r) => !r.cells.every(isBlank));
  if (data.length > maxRows) {
    return {
      rows: [],
      headings: {},
      issues: [{ row: null, column: null, reason: `the file holds ${data.length} invoice rows; one import takes at most ${maxRows}` }],
    };
  }
  const head = readHeadings(heading, data);
  if (head.issues.length) return { rows: [], headings: head.headings, issues: head.issues };
  if (data.length === 0)
    return {
      rows: [],
      headings: head.headings,
      issues: [{ row: null, column: null, reason: 'the file holds no invoice rows below the headings' }],
    };
  const issues: ImportIssue[] = [];
  const rows: ImportRow[] = [];
  for (const r of data) {
    if (rows.length % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    rows.push(interpretRow(r, head.columns, head.headings, issues));
  }
  return { rows, issues, headings: head.headings };
}

function interpretRow(
  r: TableRow,
  columns: Map<number, ImportField>,
  headings: Partial<Record<ImportField, string>>,
  issues: ImportIssue[],
): ImportRow {
  const failed = new Set<ImportField>();
  const cellOf = (field: ImportField) => {
    for (const [index, f] of columns) if (f === field) return r.cells[index] ?? null;
    return null;
  };
  const written: Partial<Record<ImportField, string>> = {};
  for (const [index, field] of columns) written[field] = asWritten(r.cells[index]);
  const fail = (field: ImportField, reason: string) => {
    failed.add(field);
    issues.push({ row: r.number, column: headings[field] ?? CANONICAL_HEADINGS[field], value: written[field] ?? '', reason });
  };
  /** Reads one field: missing when blank (unless optional), a spreadsheet error, or what `read` says. */
  function read<T>(field: ImportField, readCell: (c: Cell) => Parsed<T>, fallback: T, optional = false): T | undefined {
    const cell = cellOf(field);
    if (isBlank(cell)) {
      if (!optional) fail(field, 'missing');
      return optional ? undefined : fallback;
    }
    const error = errorOf(cell);
    const parsed = error ? no(`the cell shows the spreadsheet error ${error}`) : readCell(cell);
    if (parsed.ok) return parsed.value;
    fail(field, parsed.reason);
    return fallback;
  }
  const matching =
    (pattern: RegExp, what: string) =>
    (c: Cell): Parsed<string> => {
      const t = textFromCell(c);
      return !t.ok || pattern.test(t.value) ? t : no(`${quote(t.value)} is not ${what}`);
    };

  const supplierRegNo = read('supplierRegNo', matching(/^\d{11}$/, 'an 11-digit registration number'), '00000000000')!;
  // A placeholder of its own per row, so unreadable numbers never look like duplicates of each other.
  const number = read('number', matching(/^.{1,100}$/s, 'an invoice number of at most 100 characters'), `#row-${r.number}`)!;
  const date = read('date', dateFromCell, '2000-01-01')!;
  const netCents = read('net', centsFromCell, 0)!;
  const vatCents = read('vat', centsFromCell, 0)!;
  const grossCents = read('gross', centsFromCell, 0)!;
  const costLine = read('costLine', matching(/^\d+(\.\d+)*$/, 'a cost line code such as 4.3'), '0')!;
  const allocations: FundShare[] = [];
  for (const fund of FUNDING_SOURCES) {
    if (headings[`alloc:${fund}`] === undefined) continue;
    const cents = read(`alloc:${fund}`, centsFromCell, 0, true);
    if (cents) allocations.push({ fund, cents });
  }
  if (allocations.length === 0 && !ALLOCS.some((a) => failed.has(a))) {
    const columnsPresent = ALLOCS.filter((a) => headings[a] !== undefined).map((a) => headings[a]!);
    issues.push({
      row: r.number,
      column: columnsPresent.join(', '),
      value: null,
      reason: `no fund allocation: put the gross, or its split between funds, under ${columnsPresent.join(', ')}`,
    });
    ALLOCS.forEach((a) => failed.add(a));
  }
  const hashText = read('documentHash', matching(/^[0-9a-fA-F]{64}$/, 'a SHA-256 hash (64 hexadecimal characters)'), '', true);
  const invoice: InvoiceInput = {
    supplierRegNo,
    number,
    date,
    netCents,
    vatCents,
    grossCents,
    costLine,
    allocations,
    ...(hashText ? { documentHash: hashText.toLowerCase() } : {}),
  };
  // The reading above should leave nothing for the schema to object to; if it ever does, say so on the row.
  if (failed.size === 0) {
    for (const i of invoiceInputSchema.safeParse(invoice).error?.issues ?? [])
      issues.push({ row: r.number, column: String(i.path[0] ?? ''), value: null, reason: i.message });
  }
  return { row: r.number, invoice, failed, written };
}

/** What each field the decider names depends on: its issue is dropped when one of those already failed to read. */
const DEPENDS_ON = new Map<string, { on: ImportField[]; column: ImportField | 'allocations' }>([
  ['grossCents', { on: ['net', 'vat', 'gross'], column: 'gross' }],
  ['costLine', { on: ['costLine'], column: 'costLine' }],
  ['allocations', { on: ['gross', ...ALLOCS], column: 'allocations' }],
  ['number', { on: ['supplierRegNo', 'number'], column: 'number' }],
]);

/**
 * The decider's issues (`rows.<row>.<field>`) as issues of the file, named by the headings and
 * quoting the cells as written, leaving out those that follow from a cell that could not be read in
 * the first place. The decider speaks in cents; the rules about sums are said again here in the
 * euros the file holds.
 */
export function issuesFromDecider(decided: readonly FieldIssue[], imported: InterpretedImport): ImportIssue[] {
  const byRow = new Map(imported.rows.map((r) => [r.row, r]));
  const fundColumns = ALLOCS.filter((a) => imported.headings[a] !== undefined).map((a) => imported.headings[a]!);
  return decided.flatMap((issue): ImportIssue[] => {
    const m = /^rows\.(\d+)\.(\w+)(?:\.(\d+)\.fund)?$/.exec(issue.field);
    const row = m ? byRow.get(Number(m[1])) : undefined;
    if (!m || !row) return [{ row: null, column: null, value: null, reason: issue.message }];
    if (m[3] !== undefined) {
      const fund = row.invoice.allocations[Number(m[3])]?.fund;
      return fund && !row.failed.has(`alloc:${fund}`)
        ? [
            {
              row: row.row,
              column: imported.headings[`alloc:${fund}`] ?? null,
              value: row.written[`alloc:${fund}`] ?? null,
              reason: issue.message,
            },
          ]
        : [];
    }
    const rule = DEPENDS_ON.get(m[2]!);
    if (rule?.on.some((f) => row.failed.has(f))) return [];
    if (!rule) return [{ row: row.row, column: m[2]!, value: null, reason: issue.message }];
    if (rule.column === 'allocations')
      return [{ row: row.row, column: fundColumns.join(', '), value: null, reason: allocationsReason(row, imported) }];
    return [
      {
        row: row.row,
        column: imported.headings[rule.column] ?? CANONICAL_HEADINGS[rule.column],
        value: row.written[rule.column] ?? null,
        reason: rule.column === 'gross' ? grossReason(row) : issue.message,
      },
    ];
  });
}

/** gross ≠ net + VAT, in the row's own figures: "gross 1 210,01 is not net 1 000,00 + VAT 210,00 = 1 210,00". */
function grossReason({ invoice, written }: ImportRow): string {
  const [net, vat, gross] = [written.net ?? '', written.vat ?? '', written.gross ?? ''].map((t) => t.trim());
  const sum = eurosLike(invoice.netCents + invoice.vatCents, [net!, vat!, gross!]);
  return `gross ${gross} is not net ${net} + VAT ${vat} = ${sum}`;
}

/** The allocations do not add up to the gross, naming each allocation cell as written. */
function allocationsReason({ invoice, written }: ImportRow, imported: InterpretedImport): string {
  const cells = ALLOCS.flatMap((a) => {
    const text = written[a]?.trim();
    return imported.headings[a] !== undefined && text ? [{ heading: imported.headings[a], text }] : [];
  });
  const gross = (written.gross ?? '').trim();
  const total = eurosLike(
    invoice.allocations.reduce((n, a) => n + a.cents, 0),
    [gross, ...cells.map((c) => c.text)],
  );
  return `the allocations add up to ${total} (${cells.map((c) => `${c.heading} ${c.text}`).join(' + ')}), the gross is ${gross}`;
}

/** Issues in file order: the whole file first, then by row; within a row as found. */
export const inFileOrder = (issues: readonly ImportIssue[]): ImportIssue[] =>
  issues
    .map((issue, n) => ({ issue, n }))
    .sort((a, b) => (a.issue.row ?? 0) - (b.issue.row ?? 0) || a.n - b.n)
    .map((x) => x.issue);
