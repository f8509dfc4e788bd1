import type { FundShare, InvoiceInput } from '../budget/content.js';
import { FUNDING_SOURCES } from '../budget/content.js';
import { uuidV5 } from '../ids.js';
import type { AcceptedRow } from './events.js';

/*
 * A chunk of validated rows as the job stream keeps them: one line per row, its fields separated
 * by tabs (tabs, line breaks and backslashes within a field escaped). A 100,000-row file is then
 * 100 strings of ~100 KB, not 100,000 objects of a dozen keys: the store parses and checks it on
 * append and on every read, and that was most of the time of starting a job.
 */

/** Namespace of invoice ids derived from an import job and a row (a fixed random UUID). */
const INVOICE_NAMESPACE = '3c5e8f21-7a4b-4d9e-b061-2f8d9c7e4a13';
/** The invoice a job's row becomes: the same on every try, so a retried chunk is recognised. */
export const importedInvoiceId = (jobId: string, row: number): string => uuidV5(INVOICE_NAMESPACE, `${jobId}:${row}`);

const escape = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
const unescape = (s: string) => s.replace(/\\([\\tnr])/g, (_, c: string) => ({ '\\': '\\', t: '\t', n: '\n', r: '\r' })[c]!);
const FUNDS = new Set<string>(FUNDING_SOURCES);

/** The rows of a chunk as one string ({@link decodeRows} reads it back). */
export function encodeRows(rows: readonly { row: number; invoice: InvoiceInput }[]): string {
  return rows
    .map(({ row, invoice: i }) =>
      [
        row,
        i.supplierRegNo,
        escape(i.number),
        i.date,
        i.netCents,
        i.vatCents,
        i.grossCents,
        i.costLine,
        i.allocations.map((a) => `${a.fund}:${a.cents}`).join(','),
        i.documentHash ?? '',
        escape(i.assetRef ?? ''),
      ].join('\t'),
    )
    .join('\n');
}

/** The rows of a chunk of job `jobId`, each with the id its invoice has. */
export function decodeRows(jobId: string, text: string): AcceptedRow[] {
  return text.split('\n').map((line) => {
    const [row, supplierRegNo, number, date, net, vat, gross, costLine, allocations, documentHash, assetRef] = line.split('\t');
    const invoice: InvoiceInput = {
      supplierRegNo: supplierRegNo!,
      number: unescape(number!),
      date: date!,
      netCents: Number(net),
      vatCents: Number(vat),
      grossCents: Number(gross),
      costLine: costLine!,
      allocations: allocations!.split(',').map((a): FundShare => {
        const [fund, cents] = a.split(':');
        if (!FUNDS.has(fund!)) throw new Error(`an import chunk names the fund ${fund}`);
        return { fund: fund as FundShare['fund'], cents: Number(cents) };
      }),
      ...(documentHash ? { documentHash } : {}),
      ...(assetRef ? { assetRef: unescape(assetRef) } : {}),
    };
    return { row: Number(row), invoice: { ...invoice, invoiceId: importedInvoiceId(jobId, Number(row)) } };
  });
}
