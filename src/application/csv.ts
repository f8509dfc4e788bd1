/** One CSV cell (RFC 4180): quoted only when it holds a comma, quote or line break; absent is empty. */
export const csvCell = (v: string | number | null | undefined): string => {
  const s = v === undefined || v === null ? '' : String(v);
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
