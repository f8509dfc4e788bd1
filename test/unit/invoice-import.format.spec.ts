import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  importFormatOf,
  IMPORT_MEDIA_TYPES,
  sniff,
  UnsupportedImportFile,
  XLSX_MEDIA_TYPE,
  type DeclaredFile,
} from '../../src/application/invoice-import-format.js';
import { asWritten, centsFromNumber, eurosLike, interpretTable, type Cell, type TableRow } from '../../src/domain/budget/import.js';

const CSV = Buffer.from('supplier_reg_no;invoice_number\n40003011203;A-1\n');
/** The first bytes of a legacy Excel 97-2003 workbook: an OLE2 compound file. */
const OLE2 = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
const xlsx = async () => {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Rēķini').addRow(['supplier_reg_no']);
  return Buffer.from(await wb.xlsx.writeBuffer());
};
const format = (mediaType: string, bytes: Buffer, filename?: string) =>
  importFormatOf({ mediaType, bytes, ...(filename === undefined ? {} : { filename }) } satisfies DeclaredFile);
const refusal = (mediaType: string, bytes: Buffer, filename?: string): string => {
  try {
    return `read as ${format(mediaType, bytes, filename)}`;
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedImportFile);
    return (err as Error).message;
  }
};

describe('what the bytes are', () => {
  it('when a file starts with the ZIP magic it is a ZIP (an XLSX workbook is one), with the OLE2 magic a legacy .xls, else text', async () => {
    expect(sniff(await xlsx())).toBe('zip');
    expect(sniff(OLE2)).toBe('ole2');
    expect(sniff(CSV)).toBe('text');
    expect(sniff(Buffer.alloc(0))).toBe('text');
    expect(sniff(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))).toBe('text');
  });
});

describe('which reader a file goes to', () => {
  it('when labelled application/vnd.ms-excel or application/octet-stream, CSV bytes are read as CSV and ZIP bytes as XLSX', async () => {
    const workbook = await xlsx();
    for (const type of ['application/vnd.ms-excel', 'application/octet-stream']) {
      expect(format(type, CSV)).toBe('csv');
      expect(format(type, workbook)).toBe('xlsx');
    }
  });

  it('when labelled CSV or XLSX, it is read as labelled, except that ZIP bytes are always a workbook', async () => {
    expect(format('text/csv', CSV)).toBe('csv');
    expect(format('application/csv', CSV)).toBe('csv');
    expect(format('text/csv', await xlsx())).toBe('xlsx');
    expect(format(XLSX_MEDIA_TYPE, await xlsx())).toBe('xlsx');
    expect(format(XLSX_MEDIA_TYPE, CSV)).toBe('xlsx');
  });

  it('when a form part has a type of its own that is no file type, its name decides: .csv, .xlsx and .xls are read, sniffed', async () => {
    expect(format('text/plain', CSV, 'invoices.csv')).toBe('csv');
    expect(format('text/plain', CSV, 'rēķini.XLS')).toBe('csv');
    expect(format('application/x-anything', await xlsx(), 'invoices.xlsx')).toBe('xlsx');
    expect(format('application/octet-stream', CSV, 'invoices.xlsx')).toBe('xlsx');
    expect(refusal('text/plain', CSV, 'notes.txt')).toMatch(/^Send the file as CSV .*; got text\/plain \(file "notes.txt"\)$/);
  });

  it('when the type is none the import reads, it is refused naming every type it does read', () => {
    const message = refusal('text/plain', CSV);
    for (const type of IMPORT_MEDIA_TYPES) expect(message).toContain(type);
    expect(message).toContain('multipart/form-data');
    expect(refusal('', CSV)).toContain('got no media type');
  });

  it('when the bytes are a legacy Excel 97-2003 workbook, it is refused whatever the label, saying to save it as .xlsx or CSV', () => {
    for (const type of [...IMPORT_MEDIA_TYPES, 'text/plain']) {
      const message = refusal(type, OLE2, 'invoices.xls');
      expect(message).toContain('legacy Excel 97-2003 workbook (.xls)');
      expect(message).toContain('save the sheet as .xlsx (Excel Workbook) or as CSV');
      expect(message).toContain('text/csv');
      expect(message).toContain(XLSX_MEDIA_TYPE);
    }
  });
});

describe('cells as written', () => {
  it('when a cell is text it is quoted exactly; a number as the spreadsheet shows it; a date as its day; an error as its code', () => {
    const cells: [Cell, string][] = [
      ['1 234,56', '1 234,56'],
      [' 12,5 ', ' 12,5 '],
      [0.1 + 0.2, '0.3'],
      [19.99, '19.99'],
      [1234.56 * 0.21, '259.2576'],
      [40003011203, '40003011203'],
      [new Date(Date.UTC(2024, 2, 15)), '2024-03-15'],
      [{ error: '#VALUE!' }, '#VALUE!'],
      [true, 'TRUE'],
      [null, ''],
    ];
    expect(cells.map(([cell]) => asWritten(cell))).toEqual(cells.map(([, shown]) => shown));
  });

  it('when a sum is said in euros, it is written like the amounts beside it: decimal comma, thousands spaces', () => {
    expect(eurosLike(149382, ['1 234,56', '259,26'])).toBe('1 493,82');
    expect(eurosLike(149382, ['1234.56', '259.26'])).toBe('1493.82');
    expect(eurosLike(121000000, ['1 000 000.00'])).toBe('1 210 000.00');
    expect(eurosLike(7, ['0,07'])).toBe('0,07');
  });

  it('when a number cell has a third decimal, the reason shows it as the spreadsheet does, not as binary noise', () => {
    expect(centsFromNumber(1234.56 * 0.21)).toEqual({ ok: false, reason: expect.stringMatching(/^259\.2576 has more than 2 decimals/) });
  });

  it('when cells of a row cannot be read, each issue carries its cell as written, never cents', () => {
    const head = ['supplier_reg_no', 'invoice_number', 'date', 'net', 'vat', 'gross', 'cost_line', 'alloc_RRF'];
    const table: TableRow[] = [
      { number: 1, cells: head },
      { number: 2, cells: ['4000301120', 'A-1', '30.02.2024', '1 234,567', ' -1 ', '', '4.3', { error: '#VALUE!' }] },
    ];
    expect(interpretTable(table).issues.map((i) => [i.column, i.value, i.reason])).toEqual([
      ['supplier_reg_no', '4000301120', '"4000301120" is not an 11-digit registration number'],
      ['date', '30.02.2024', '"30.02.2024" is not a date in the calendar'],
      ['net', '1 234,567', '"1 234,567" has more than 2 decimals; round it to the cent'],
      ['vat', ' -1 ', '"-1" is negative; amounts must not be negative'],
      ['gross', '', 'missing'],
      ['alloc_RRF', '#VALUE!', 'the cell shows the spreadsheet error #VALUE!'],
    ]);
  });
});
