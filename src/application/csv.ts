/** One CSV cell (RFC 4180): quoted only when it holds a comma, quote or line break; absent is empty. */
export const csvCell = (v: string | number | null | undefined): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** A header line, then one line per row, CRLF-terminated. */
export function toCsv<C extends string>(
  columns: readonly C[],
  rows: readonly Partial<Record<C, string | number | null | undefined>>[],
): string {
  return [columns.join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(','))].join('\r\n') + '\r\n';
}
