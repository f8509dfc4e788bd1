/*
 * A CSV file of invoices as a Latvian beneficiary's Excel saves it (`;`-separated, decimal
 * comma, Latvian headings, dd.mm.yyyy dates), for the seed passport's budget: cost lines 4.3,
 * 4.4 and 4.5, the gross split between RRF (the net) and the state budget (the VAT). The same
 * seed gives the same file; every row is a distinct invoice (supplier and number).
 */

import { prng } from './support.js';

const HEADINGS = 'Piegādātāja reģ. Nr.;Rēķina numurs;Datums;Summa bez PVN;PVN;Summa ar PVN;Izmaksu pozīcija;ANM;Valsts budžets';

/** Suppliers of an ICT project: LVRTC, VRAA's contractors, consultancies (11-digit registration numbers). */
const SUPPLIERS = [
  ['40003011203', 'LVRTC'],
  ['90001852196', 'KISC'],
  ['40003000001', 'PV'],
  ['40103211698', 'TIETO'],
  ['40003237041', 'LATTELECOM'],
  ['40103303559', 'DPA'],
  ['40003343207', 'VISMA'],
  ['40103019497', 'EXIGEN'],
  ['40003598211', 'BDO'],
  ['40103240483', 'KPMG'],
] as const;
/** Beside the ten named ones, smaller suppliers: a large project buys from a few hundred. */
const OTHER_SUPPLIERS = Array.from({ length: 290 }, (_, n) => [String(40103500000 + n * 7919), `SIA${n + 1}`] as const);
const COST_LINES = ['4.3', '4.4', '4.5'];

/** Cents as a Latvian Excel writes euros: `12 345,67`. */
export const eurosLv = (cents: number): string =>
  `${String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${String(cents % 100).padStart(2, '0')}`;

export interface InvoiceRow {
  supplier: string;
  number: string;
  /** dd.mm.yyyy */
  date: string;
  netCents: number;
  vatCents: number;
  costLine: string;
}

/** One CSV line of an invoice. */
export const invoiceLine = (r: InvoiceRow): string =>
  [
    r.supplier,
    r.number,
    r.date,
    eurosLv(r.netCents),
    eurosLv(r.vatCents),
    eurosLv(r.netCents + r.vatCents),
    r.costLine,
    eurosLv(r.netCents),
    eurosLv(r.vatCents),
  ].join(';');

/** `rows` invoices; `tag` makes the numbers of one file differ from another's (the same invoice in two files is double funding). */
export function invoiceRows(rows: number, tag: string, seed = 1): InvoiceRow[] {
  const rnd = prng(seed);
  return Array.from({ length: rows }, (_, n) => {
    // Half of the invoices from the ten large suppliers, half from the others.
    const [supplier, code] =
      rnd() < 0.5 ? SUPPLIERS[Math.floor(rnd() * SUPPLIERS.length)]! : OTHER_SUPPLIERS[Math.floor(rnd() * OTHER_SUPPLIERS.length)]!;
    const year = 2023 + Math.floor(rnd() * 3);
    const day = new Date(Date.UTC(year, 0, 1 + Math.floor(rnd() * 365)));
    const netCents = 10_000 + Math.floor(rnd() * 5_000_000);
    return {
      supplier,
      number: `${code}-${tag}/${year}/${String(n + 1).padStart(6, '0')}`,
      date: `${String(day.getUTCDate()).padStart(2, '0')}.${String(day.getUTCMonth() + 1).padStart(2, '0')}.${day.getUTCFullYear()}`,
      netCents,
      vatCents: Math.round(netCents * 0.21),
      costLine: COST_LINES[Math.floor(rnd() * COST_LINES.length)]!,
    };
  });
}

/** The CSV file of these invoices, with a byte-order mark as Excel's "CSV UTF-8" writes it. */
export const invoiceCsv = (rows: readonly InvoiceRow[]): Buffer =>
  Buffer.from(`\uFEFF${HEADINGS}\r\n${rows.map(invoiceLine).join('\r\n')}\r\n`, 'utf8');
