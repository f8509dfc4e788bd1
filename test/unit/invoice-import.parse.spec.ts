import { deflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { IMPORT_MAX_UNPACKED_BYTES, inflatedSize, readCsv, readXlsx, unpackedSize } from '../../src/application/invoice-import.js';
import {
  centsFromNumber,
  centsFromText,
  dateFromText,
  IMPORT_MAX_ROWS,
  interpretTable,
  type Cell,
  type TableRow,
} from '../../src/domain/budget/import.js';

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures', name));
const HEAD = ['supplier_reg_no', 'invoice_number', 'date', 'net', 'vat', 'gross', 'cost_line', 'alloc_RRF', 'alloc_STATE'];
/** A table whose row numbers are as a spreadsheet shows them: headings in row 1. */
const table = (...rows: Cell[][]): TableRow[] => rows.map((cells, i) => ({ number: i + 1, cells }));
const row = (overrides: Partial<Record<string, Cell>> = {}): Cell[] => {
  const base: Record<string, Cell> = {
    supplier_reg_no: '40003011203',
    invoice_number: 'LVRTC-2024/0117',
    date: '2024-03-15',
    net: '1000.00',
    vat: '210.00',
    gross: '1210.00',
    cost_line: '4.3',
    alloc_RRF: '1000.00',
    alloc_STATE: '210.00',
    ...overrides,
  };
  return HEAD.map((h) => base[h] ?? null);
};
const ok = (value: unknown) => ({ ok: true, value });

describe('amounts in euros to integer cents', () => {
  it('when written with a decimal point, a Latvian decimal comma or thousands spaces, they become the exact cents', () => {
    expect(centsFromText('1234.56')).toEqual(ok(123456));
    expect(centsFromText('1234,56')).toEqual(ok(123456));
    expect(centsFromText('1 234,56')).toEqual(ok(123456));
    expect(centsFromText('1\u00a0234\u00a0567.5')).toEqual(ok(123456750));
    expect(centsFromText(' 12 ')).toEqual(ok(1200));
    expect(centsFromText('0,07')).toEqual(ok(7));
    expect(centsFromText('9999999999999.99')).toEqual(ok(999999999999999));
  });

  it('when negative, not a number, with 3 decimals, ambiguously grouped or too large, each is refused with its reason', () => {
    expect(centsFromText('-5.00')).toEqual({ ok: false, reason: expect.stringContaining('negative') });
    expect(centsFromText('abc')).toEqual({ ok: false, reason: expect.stringContaining('is not an amount') });
    expect(centsFromText('1.234')).toEqual({ ok: false, reason: expect.stringContaining('more than 2 decimals') });
    expect(centsFromText('1,234.56')).toEqual({ ok: false, reason: expect.stringContaining('is not an amount') });
    expect(centsFromText('12 34')).toEqual({ ok: false, reason: expect.stringContaining('is not an amount') });
    expect(centsFromText('10000000000000')).toEqual({ ok: false, reason: expect.stringContaining('too large') });
  });

  it('when a spreadsheet number carries binary noise (0.1 + 0.2, 19.99, 0.07), it becomes the cents meant, where × 100 would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(Math.trunc(19.99 * 100)).toBe(1998);
    expect(centsFromNumber(0.1 + 0.2)).toEqual(ok(30));
    expect(centsFromNumber(19.99)).toEqual(ok(1999));
    expect(centsFromNumber(0.07)).toEqual(ok(7));
    expect(centsFromNumber(1234.56)).toEqual(ok(123456));
    expect(centsFromNumber(4620000)).toEqual(ok(462000000));
  });

  it('when a spreadsheet number has a real third decimal (a VAT formula not rounded), it is refused rather than rounded away', () => {
    expect(centsFromNumber(1234.56 * 0.21)).toEqual({ ok: false, reason: expect.stringContaining('more than 2 decimals') });
    expect(centsFromNumber(1.005)).toEqual({ ok: false, reason: expect.stringContaining('more than 2 decimals') });
    expect(centsFromNumber(1e-7)).toEqual({ ok: false, reason: expect.stringContaining('more than 2 decimals') });
    expect(centsFromNumber(-1)).toEqual({ ok: false, reason: expect.stringContaining('negative') });
    expect(centsFromNumber(1e14)).toEqual({ ok: false, reason: expect.stringContaining('too large') });
    expect(centsFromNumber(9999999999999.99)).toEqual(ok(999999999999999));
  });
});

describe('dates', () => {
  it('when ISO or Latvian (with or without a final dot), they become ISO dates', () => {
    expect(dateFromText('2024-03-15')).toEqual(ok('2024-03-15'));
    expect(dateFromText('15.03.2024')).toEqual(ok('2024-03-15'));
    expect(dateFromText('5.3.2024.')).toEqual(ok('2024-03-05'));
  });
  it('when not in the calendar or in another format, they are refused', () => {
    expect(dateFromText('2024-02-30')).toEqual({ ok: false, reason: expect.stringContaining('not a date in the calendar') });
    expect(dateFromText('31.04.2024')).toEqual({ ok: false, reason: expect.stringContaining('not a date in the calendar') });
    expect(dateFromText('2024/03/15')).toEqual({ ok: false, reason: expect.stringContaining('is not a date') });
  });
});

describe('reading the table', () => {
  it('when the headings are in any case or Latvian, each row becomes an invoice input; blank rows are read past and numbering follows the file', () => {
    const result = interpretTable(
      table(
        [
          'Piegādātāja reģ. Nr.',
          'RĒĶINA NUMURS',
          'Datums',
          'Summa bez PVN',
          'PVN',
          'Summa ar PVN',
          'Izmaksu pozīcija',
          'ANM',
          'Valsts budžets',
          'Piezīmes',
        ],
        [],
        ['40003011203', 'X-1', '15.03.2024', '100,00', '21,00', '121,00', '4.3', '100,00', '21,00', 'hosting'],
      ),
    );
    expect(result.issues).toEqual([]);
    expect(result.rows).toEqual([
      {
        row: 3,
        failed: new Set(),
        written: {
          supplierRegNo: '40003011203',
          number: 'X-1',
          date: '15.03.2024',
          net: '100,00',
          vat: '21,00',
          gross: '121,00',
          costLine: '4.3',
          'alloc:RRF': '100,00',
          'alloc:STATE': '21,00',
        },
        invoice: {
          supplierRegNo: '40003011203',
          number: 'X-1',
          date: '2024-03-15',
          netCents: 10000,
          vatCents: 2100,
          grossCents: 12100,
          costLine: '4.3',
          allocations: [
            { fund: 'RRF', cents: 10000 },
            { fund: 'STATE', cents: 2100 },
          ],
        },
      },
    ]);
  });

  it('when a column is missing, unknown or given twice, row 1 names each and no row is read', () => {
    const result = interpretTable(
      table(['supplier_reg_no', 'invoice_number', 'datum', 'net', 'Net', 'gross', 'cost_line', 'alloc_RRF'], row().slice(0, 8)),
    );
    expect(result.rows).toEqual([]);
    expect(result.issues.map((i) => [i.row, i.column, i.reason.split(';')[0]])).toEqual([
      [1, 'datum', 'unknown column'],
      [1, 'Net', 'a second column for net (the first is "net")'],
      [1, 'date', 'the column is missing'],
      [1, 'vat', 'the column is missing'],
    ]);
  });

  it('when every cell of a row is wrong, every one is named with its row and column', () => {
    const result = interpretTable(
      table(
        HEAD,
        row(),
        row({
          supplier_reg_no: '4000301120',
          invoice_number: '',
          date: '30.02.2024',
          net: 'abc',
          vat: '-1',
          gross: '1.234',
          cost_line: 'IV',
          alloc_RRF: 'x',
          alloc_STATE: '',
        }),
      ),
    );
    expect(result.issues.map((i) => [i.row, i.column])).toEqual([
      [3, 'supplier_reg_no'],
      [3, 'invoice_number'],
      [3, 'date'],
      [3, 'net'],
      [3, 'vat'],
      [3, 'gross'],
      [3, 'cost_line'],
      [3, 'alloc_RRF'],
    ]);
    expect(result.issues[1]!.reason).toBe('missing');
  });

  it('when a row has no allocation at all, the fund columns are named', () => {
    const result = interpretTable(table(HEAD, row({ alloc_RRF: '', alloc_STATE: '0,00' })));
    expect(result.issues).toEqual([
      { row: 2, column: 'alloc_RRF, alloc_STATE', value: null, reason: expect.stringContaining('no fund allocation') },
    ]);
  });

  it('when a value stands in a column without a heading, even past the last heading, that column is named', () => {
    const result = interpretTable(table(HEAD, [...row(), 'stray']));
    expect(result.issues).toEqual([{ row: 1, column: 'column J', value: '', reason: 'the column has values but no heading' }]);
  });

  it(`when the file has more than ${IMPORT_MAX_ROWS} invoice rows, it is refused naming the limit`, () => {
    const result = interpretTable(table(HEAD, ...Array.from({ length: IMPORT_MAX_ROWS + 1 }, () => row())));
    expect(result.issues).toEqual([
      {
        row: null,
        column: null,
        reason: `the file holds ${IMPORT_MAX_ROWS + 1} invoice rows; one import takes at most ${IMPORT_MAX_ROWS}`,
      },
    ]);
  });
});

describe('CSV files', () => {
  it('when saved by a Latvian Excel (UTF-8 with BOM, semicolons, decimal commas, a blank line), the rows keep their numbers in the file', async () => {
    const rows = await readCsv(fixture('invoices-good.csv'));
    expect(Array.isArray(rows)).toBe(true);
    const result = interpretTable(rows as TableRow[]);
    expect(result.issues).toEqual([]);
    expect(result.rows.map((r) => [r.row, r.invoice.number, r.invoice.grossCents, r.invoice.date])).toEqual([
      [2, 'LVRTC-2024/0117', 12100000, '2024-03-15'],
      [3, 'KISC 2024/7', 10000000, '2024-04-02'],
      [5, 'PV-0042', 770000, '2024-04-30'],
    ]);
  });

  it('when saved as Windows-1257 (Baltic) rather than UTF-8, the Latvian headings are still read', async () => {
    const text = 'Rēķina numurs;Piegādātājs;Datums;Neto;PVN;Bruto;Izmaksu pozīcija;ANM\n1;40003011203;15.03.2024;1,00;0,21;1,21;4.3;1,21\n';
    const cp1257 = Buffer.from(new Uint8Array([...text].map((ch) => ({ ē: 0xe7, ķ: 0xed, ā: 0xe2, ī: 0xee })[ch] ?? ch.charCodeAt(0))));
    const result = interpretTable((await readCsv(cp1257)) as TableRow[]);
    expect(result.issues).toEqual([]);
    expect(result.rows[0]!.invoice).toMatchObject({ number: '1', grossCents: 121 });
  });

  it('when a quoted cell spans lines, the record is one row, as a spreadsheet shows it', async () => {
    const csv = `${HEAD.join(',')}\n40003011203,"A\n1",2024-03-15,1,0,1,4.3,1,\n40003011203,A2,2024-03-15,1,0,1,4.3,1,\n`;
    const result = interpretTable((await readCsv(Buffer.from(csv))) as TableRow[]);
    expect(result.rows.map((r) => r.row)).toEqual([2, 3]);
  });

  it('when a file is parsed a slice at a time, a record cut by a slice (a quoted line break, a multi-byte letter) is read whole', async () => {
    const line = (n: number) => `40003011203,"Rēķins\n${n}",2024-03-15,1,0,1,4.3,1,\n`;
    const csv = `${HEAD.join(',')}\n${Array.from({ length: 9000 }, (_, n) => line(n)).join('')}`;
    expect(csv.length).toBeGreaterThan(3 * 128 * 1024);
    const result = interpretTable((await readCsv(Buffer.from(csv))) as TableRow[]);
    expect(result.issues).toEqual([]);
    expect(result.rows.map((r) => r.invoice.number)).toEqual(Array.from({ length: 9000 }, (_, n) => `Rēķins\n${n}`));
  });

  it('when a CSV file breaks off inside a quoted cell, it says where', async () => {
    expect(await readCsv(Buffer.from(`${HEAD.join(',')}\n40003011203,"A1,2024-03-15\n`))).toEqual({
      row: null,
      column: null,
      reason: expect.stringContaining('not readable as CSV'),
    });
  });

  it('when an XLSX workbook is sent as CSV, it says so', async () => {
    expect(await readCsv(Buffer.from('PK\x03\x04rest', 'latin1'))).toEqual({
      row: null,
      column: null,
      reason: expect.stringContaining('XLSX workbook'),
    });
  });
});

describe('XLSX workbooks', () => {
  async function workbook(rows: unknown[][], format?: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Rēķini');
    rows.forEach((r) => ws.addRow(r));
    format?.(ws);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('when cells are typed numbers, date cells, formulas and text, each is read as the clerk sees it', async () => {
    const bytes = await workbook(
      [
        HEAD,
        [
          40003011203,
          'LVRTC-2024/0117',
          new Date(Date.UTC(2024, 2, 15)),
          0.1,
          0.2,
          { formula: 'D2+E2', result: 0.1 + 0.2 },
          '4.3',
          0.1,
          '0,20',
        ],
        [],
        ['40003011203', 42, '02.04.2024', '1 000,00', 210, 1210, '4.4', 1210, null],
      ],
      (ws) => (ws.getCell('C2').numFmt = 'dd.mm.yyyy'),
    );
    const result = interpretTable((await readXlsx(bytes)) as TableRow[]);
    expect(result.issues).toEqual([]);
    expect(result.rows.map((r) => ({ row: r.row, ...r.invoice }))).toEqual([
      {
        row: 2,
        supplierRegNo: '40003011203',
        number: 'LVRTC-2024/0117',
        date: '2024-03-15',
        netCents: 10,
        vatCents: 20,
        grossCents: 30,
        costLine: '4.3',
        allocations: [
          { fund: 'RRF', cents: 10 },
          { fund: 'STATE', cents: 20 },
        ],
      },
      {
        row: 4,
        supplierRegNo: '40003011203',
        number: '42',
        date: '2024-04-02',
        netCents: 100000,
        vatCents: 21000,
        grossCents: 121000,
        costLine: '4.4',
        allocations: [{ fund: 'RRF', cents: 121000 }],
      },
    ]);
  });

  it('when a cost line became a date, an amount has a third decimal and a cell shows an error, each is named', async () => {
    const bytes = await workbook([
      HEAD,
      ['40003011203', 'A-1', '2024-03-15', 1234.56, 1234.56 * 0.21, 1493.82, new Date(Date.UTC(2024, 2, 4)), { error: '#VALUE!' }, 0],
    ]);
    const result = interpretTable((await readXlsx(bytes)) as TableRow[]);
    expect(result.issues.map((i) => [i.row, i.column, i.reason])).toEqual([
      [2, 'vat', expect.stringContaining('more than 2 decimals')],
      [2, 'cost_line', expect.stringContaining('turned this into a date')],
      [2, 'alloc_RRF', expect.stringContaining('#VALUE!')],
    ]);
  });

  it('when the bytes are not a workbook, or the ZIP claims to unpack to more than the limit, it is refused before unpacking', async () => {
    expect(await readXlsx(Buffer.from('supplier;number\n'))).toEqual({ row: null, column: null, reason: 'not a readable XLSX workbook' });
    const bomb = zipDeclaring(IMPORT_MAX_UNPACKED_BYTES + 1);
    expect(unpackedSize(bomb)).toBe(IMPORT_MAX_UNPACKED_BYTES + 1);
    expect(await readXlsx(bomb)).toEqual({ row: null, column: null, reason: expect.stringContaining('unpacks to more than') });
    expect(unpackedSize(await workbook([HEAD]))).toBeLessThan(100_000);
  });

  it('when the ZIP lies, declaring small sizes for an entry that inflates past the limit, inflating stops at the limit and it is refused', async () => {
    const bomb = zipLying(IMPORT_MAX_UNPACKED_BYTES + 1024 * 1024, 100);
    expect(bomb.length).toBeLessThan(200_000);
    expect(unpackedSize(bomb)).toBe(100);
    const real = await inflatedSize(bomb, IMPORT_MAX_UNPACKED_BYTES);
    expect(real).toBeGreaterThan(IMPORT_MAX_UNPACKED_BYTES);
    // Stopped at the limit: at most one more chunk inflated than needed, not the whole entry.
    expect(real).toBeLessThan(IMPORT_MAX_UNPACKED_BYTES + 1024 * 1024);
    expect(await readXlsx(bomb)).toEqual({ row: null, column: null, reason: expect.stringContaining('unpacks to more than') });
    const honest = await workbook([HEAD]);
    expect(await inflatedSize(honest, IMPORT_MAX_UNPACKED_BYTES)).toBe(unpackedSize(honest));
    expect(await inflatedSize(zipLying(1000, 1000).subarray(0, 40), IMPORT_MAX_UNPACKED_BYTES)).toBeNull();
  });
});

/** A one-entry ZIP of `size` zero bytes, deflated, whose headers claim it unpacks to `claimed` bytes. */
function zipLying(size: number, claimed: number): Buffer {
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const data = deflateRawSync(Buffer.alloc(size), { level: 9 });
  const local = littleEndian(30, [
    [0, 32, 0x04034b50],
    [8, 16, 8],
    [18, 32, data.length],
    [22, 32, claimed],
    [26, 16, name.length],
  ]);
  const central = littleEndian(46, [
    [0, 32, 0x02014b50],
    [10, 16, 8],
    [20, 32, data.length],
    [24, 32, claimed],
    [28, 16, name.length],
    [42, 32, 0],
  ]);
  const end = littleEndian(22, [
    [0, 32, 0x06054b50],
    [8, 16, 1],
    [10, 16, 1],
    [12, 32, central.length + name.length],
    [16, 32, local.length + name.length + data.length],
  ]);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A ZIP whose only entry claims `size` unpacked bytes: a central directory record and its end record. */
function zipDeclaring(size: number): Buffer {
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(0, 16);
  return Buffer.concat([central, name, end]);
}

/** A ZIP record: `size` bytes with each (offset, bits, value) written little-endian. */
function littleEndian(size: number, fields: readonly (readonly [number, 16 | 32, number])[]): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, bits, value] of fields) {
    if (bits === 16) b.writeUInt16LE(value, at);
    else b.writeUInt32LE(value, at);
  }
  return b;
}
