import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import spec from '../../openapi/openapi.json' with { type: 'json' };
import { FILE_MEDIA_TYPES } from '../../src/http/file-upload.js';
import { eventCount, type TestApp } from '../support/app.js';
import { buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, givenProject, seededSuite } from '../support/seeded.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../fixtures', name));

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    stranger: ['mallory', ['beneficiary'], '40003000000'],
  },
  (a) => (app = a),
);
const importUrl = (id: string) => `/projects/${id}/budget/invoices/import`;
const upload = (id: string, body: string | Buffer, type = 'text/csv', who = 'anna') =>
  as(who).post(importUrl(id)).set('Content-Type', type).send(body);

/** The seed passport approved and its budget opened: cost lines 4.3, 4.4, 4.5; RRF and state budget. */
const givenBudget = (open = true) => givenProject(as, open ? { shares: SEED_SHARES } : {});
const supplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
const HEAD = 'supplier_reg_no,invoice_number,date,net,vat,gross,cost_line,alloc_RRF,alloc_STATE';
const csv = (...rows: string[]) => [HEAD, ...rows].join('\n') + '\n';
const invoicesOf = async (id: string) =>
  (await as('anna').get(`/projects/${id}/budget`).expect(200)).body.invoices as Record<string, unknown>[];

describe('invoice import over HTTP', () => {
  it('when a beneficiary uploads a good CSV saved by a Latvian Excel, every row is imported in one append and the budget shows them to the cent', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const res = await upload(id, fixture('invoices-good.csv'), 'text/csv; charset=utf-8');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ imported: 3, alerts: [] });
    expect(res.body.invoices.map((i: { row: number; number: string }) => [i.row, i.number])).toEqual([
      [2, 'LVRTC-2024/0117'],
      [3, 'KISC 2024/7'],
      [5, 'PV-0042'],
    ]);
    expect(res.headers.etag).toBe(`"${res.body.streamVersion}"`);
    expect(await eventCount(app)).toBe(before + 3);
    const stored = await app.service.context.store.readStream(`budget-${id}`, { from: res.body.streamVersion - 2 });
    expect(new Set(stored.map((e) => e.position.transactionId)).size).toBe(1);

    const invoices = await invoicesOf(id);
    expect(invoices.map((i) => [i.invoiceId, i.grossCents, i.costLine, i.date, i.allocations])).toEqual([
      [
        res.body.invoices[0].invoiceId,
        12100000,
        '4.3',
        '2024-03-15',
        [
          { fund: 'RRF', cents: 10000000 },
          { fund: 'STATE', cents: 2100000 },
        ],
      ],
      [
        res.body.invoices[1].invoiceId,
        10000000,
        '4.4',
        '2024-04-02',
        [
          { fund: 'RRF', cents: 8264463 },
          { fund: 'STATE', cents: 1735537 },
        ],
      ],
      [res.body.invoices[2].invoiceId, 770000, '4.5', '2024-04-30', [{ fund: 'RRF', cents: 770000 }]],
    ]);
  });

  it('when a beneficiary uploads a good XLSX with number, date and formula cells, each invoice is imported with the exact cents', async () => {
    const id = await givenBudget();
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Rēķini');
    ws.addRow(['Piegādātājs', 'Rēķina Nr.', 'Datums', 'Neto', 'PVN', 'Bruto', 'Izmaksu pozīcija', 'ANM', 'VB']);
    ws.addRow([
      40003011203,
      'LVRTC-2024/0201',
      new Date(Date.UTC(2024, 5, 3)),
      0.1,
      0.2,
      { formula: 'D2+E2', result: 0.1 + 0.2 },
      '4.3',
      0.1,
      0.2,
    ]);
    ws.addRow([
      40003011203,
      'LVRTC-2024/0202',
      '04.06.2024',
      19.99,
      4.2,
      { formula: 'D3+E3', result: 19.99 + 4.2 },
      '4.3',
      { formula: 'D3', result: 19.99 },
      4.2,
    ]);
    ws.getColumn(3).numFmt = 'dd.mm.yyyy';
    const res = await upload(id, Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.imported).toBe(2);
    expect((await invoicesOf(id)).map((i) => [i.number, i.date, i.netCents, i.vatCents, i.grossCents])).toEqual([
      ['LVRTC-2024/0201', '2024-06-03', 10, 20, 30],
      ['LVRTC-2024/0202', '2024-06-04', 1999, 420, 2419],
    ]);
  });

  it('when decimal amounts like 0,10 + 0,20 = 0,30 are imported, gross = net + VAT holds exactly (a float would say 0.30000000000000004)', async () => {
    const id = await givenBudget();
    const s = supplier();
    const res = await upload(
      id,
      csv(`${s},C-1,2024-03-15,"0,10","0,20","0,30",4.3,"0,10","0,20"`, `${s},C-2,2024-03-15,"1 000,07",210.01,"1 210,08",4.3,"1 210,08",`),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await invoicesOf(id)).map((i) => [i.netCents, i.vatCents, i.grossCents])).toEqual([
      [10, 20, 30],
      [100007, 21001, 121008],
    ]);
  });

  it('when a CSV has several broken rows, it answers 422 problem+json naming every row and column with its reason, and appends nothing', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const res = await upload(id, fixture('invoices-broken.csv'));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, detail: '9 problem(s) in 8 row(s); nothing was imported', instance: importUrl(id) });
    expect(res.body.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [3, 'net'],
      [4, 'vat'],
      [5, 'gross'],
      [6, 'cost_line'],
      [7, 'date'],
      [8, 'invoice_number'],
      [9, 'net'],
      [10, 'supplier_reg_no'],
      [10, 'cost_line'],
    ]);
    const detail = (row: number, column: string) =>
      res.body.errors.find((e: { row: number; column: string }) => e.row === row && e.column === column).detail as string;
    expect(detail(3, 'net')).toContain('"abc" is not an amount');
    expect(detail(4, 'vat')).toContain('negative');
    expect(detail(5, 'gross')).toBe('gross 1210.01 is not net 1000.00 + VAT 210.00 = 1210.00');
    expect(detail(6, 'cost_line')).toContain('no cost line 4.9');
    expect(detail(7, 'date')).toContain('"2024-02-30" is not a date in the calendar');
    expect(detail(8, 'invoice_number')).toContain('the same invoice as row 2');
    expect(detail(9, 'net')).toContain('more than 2 decimals');
    expect(res.body.errors[0]).toMatchObject({ in: 'body', pointer: '/rows/3/net', value: 'abc' });
    expect(res.body.errors.map((e: { value: string | null }) => e.value)).toEqual([
      'abc',
      '-21.00',
      '1210.01',
      '4.9',
      '2024-02-30',
      'brk 1',
      '1000.005',
      '4000301120',
      '9.9',
    ]);
    expect(await eventCount(app)).toBe(before);
    expect(await invoicesOf(id)).toEqual([]);
  });

  it('when the headings are wrong, row 1 names each column and nothing is appended', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const res = await upload(id, 'supplier_reg_no;number;datums;net;gross;cost_line;RRF;EUR\n40003011203;A;2024-03-15;1;1;4.3;1;\n');
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [1, 'EUR'],
      [1, 'vat'],
    ]);
    expect(await eventCount(app)).toBe(before);
  });

  it('when the file holds more than IMPORT_MAX_ROWS (100,000) rows, it answers 422 naming the limit and appends nothing, not even a job', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const s = supplier();
    const rows = Array.from({ length: 100_001 }, (_, n) => `${s},L-${n},2024-03-15,1.00,0.21,1.21,4.3,1.21,`);
    const res = await upload(id, csv(...rows));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ row: null, column: null, detail: 'the file holds 100001 invoice rows; one import takes at most 100000' }),
    ]);
    expect(await eventCount(app)).toBe(before);
  });

  it('when a beneficiary of another organisation imports into the project, it is 404 as for a project that does not exist, and nothing is appended', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const foreign = await upload(id, fixture('invoices-good.csv'), 'text/csv', 'stranger');
    const missing = await upload('00000000-0000-4000-8000-000000000000', fixture('invoices-good.csv'), 'text/csv', 'stranger');
    expect(foreign.status).toBe(404);
    expect({ ...foreign.body, instance: undefined, detail: undefined }).toEqual({
      ...missing.body,
      instance: undefined,
      detail: undefined,
    });
    expect((await upload(id, fixture('invoices-good.csv'), 'text/csv', 'janis')).status).toBe(403);
    expect(await eventCount(app)).toBe(before);
  });

  it('when the project has no budget yet, it answers 404 naming the budget, before reading the file', async () => {
    const id = await givenBudget(false);
    const res = await upload(id, fixture('invoices-broken.csv'));
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`Budget of project ${id} does not exist`);
  });

  it('when the body is not CSV or XLSX it answers 415, and when it is larger than IMPORT_MAX_FILE_MB (20 MB) 413, both problem+json', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const plain = await upload(id, 'a,b\n', 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(plain.body.detail).toContain('text/csv');
    expect((await as('anna').post(importUrl(id)).send({ rows: [] })).status).toBe(415);
    const big = await upload(id, Buffer.alloc(20 * 1024 * 1024 + 1, 0x41));
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await upload(id, '')).body).toMatchObject({ status: 422, errors: [expect.objectContaining({ detail: 'the file is empty' })] });
    expect(await eventCount(app)).toBe(before);
  });

  it('when an imported invoice is one already submitted in another project, the answer carries the same_invoice alert on its row', async () => {
    const [a, b] = await Promise.all([givenBudget(), givenBudget()]);
    const s = supplier();
    await as('anna')
      .post(`/projects/${a}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: s, number: 'SIA-2024/0077' }))
      .expect(201);
    const res = await upload(
      b,
      csv(`${s},D-1,2024-01-10,500.00,105.00,605.00,4.4,500.00,105.00`, `${s},sia 2024 77,2024-03-15,1000.00,210.00,1210.00,4.3,1210.00,`),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.alerts).toEqual([
      expect.objectContaining({ rule: 'same_invoice', projectIds: [a, b].sort(), amountAtRiskCents: 121000 }),
    ]);
    expect(res.body.invoices.map((i: { row: number; alertIds: string[] }) => [i.row, i.alertIds])).toEqual([
      [2, []],
      [3, [res.body.alerts[0].alertId]],
    ]);
  });

  it('when the same file is sent again with the same Idempotency-Key, the first answer comes back and nothing more is stored; another file under that key is refused', async () => {
    const id = await givenBudget();
    const s = supplier();
    const file = csv(`${s},I-1,2024-03-15,1.00,0.21,1.21,4.3,1.21,`, `${s},I-2,2024-03-25,2.00,0.42,2.42,4.3,2.42,`);
    const first = await upload(id, file).set('Idempotency-Key', 'import-2024-03-a');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const before = await eventCount(app);
    const again = await upload(id, file).set('Idempotency-Key', 'import-2024-03-a');
    expect(again.status).toBe(201);
    expect(again.body.invoices).toEqual(first.body.invoices);
    expect(await eventCount(app)).toBe(before);
    const other = await upload(id, file.replace('I-2', 'I-3')).set('Idempotency-Key', 'import-2024-03-a');
    expect(other.status).toBe(422);
    expect(other.body.type).toMatch(/idempotency-key-reused/);
  });
});

describe('invoice files as users send them', () => {
  /** The first bytes of a legacy Excel 97-2003 workbook (an OLE2 compound file), padded to a sector. */
  const OLE2 = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
  const workbookOf = async (...rows: unknown[][]) => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Rēķini');
    rows.forEach((r) => ws.addRow(r));
    return Buffer.from(await wb.xlsx.writeBuffer());
  };
  /** A form with the file in `field`, as a browser (type from the name) or curl -F (application/octet-stream) sends it. */
  const form = (id: string, bytes: Buffer, options: string | { filename: string; contentType: string }, field = 'file') =>
    as('anna').post(importUrl(id)).attach(field, bytes, options);
  const curl = (filename: string) => ({ filename, contentType: 'application/octet-stream' });
  const content = (i: Record<string, unknown>) => [
    i.supplierRegNo,
    i.number,
    i.date,
    i.netCents,
    i.vatCents,
    i.grossCents,
    i.costLine,
    i.allocations,
  ];
  /** A header as the client sent it. */
  const sentHeader = (res: object, name: string) => (res as { req: { getHeader(n: string): unknown } }).req.getHeader(name);
  const rowsOf = (res: { body: { invoices: { row: number; number: string }[] } }) => res.body.invoices.map((i) => [i.row, i.number]);

  it('when a browser form or curl -F sends the file in the field `file`, it is imported exactly as the same file sent as text/csv', async () => {
    const [viaBody, viaBrowser, viaCurl] = await Promise.all([givenBudget(), givenBudget(), givenBudget()]);
    const file = fixture('invoices-good.csv');
    const body = await upload(viaBody, file, 'text/csv');
    const browser = await form(viaBrowser, file, 'invoices.csv');
    const curlF = await form(viaCurl, file, curl('invoices.csv'));
    expect(sentHeader(browser, 'Content-Type')).toMatch(/^multipart\/form-data; boundary=/);
    for (const res of [body, browser, curlF]) expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(rowsOf(browser)).toEqual(rowsOf(body));
    expect(rowsOf(curlF)).toEqual(rowsOf(body));
    const expected = (await invoicesOf(viaBody)).map(content);
    expect(expected).toHaveLength(3);
    expect((await invoicesOf(viaBrowser)).map(content)).toEqual(expected);
    expect((await invoicesOf(viaCurl)).map(content)).toEqual(expected);
  });

  it('when the form carries an XLSX workbook, labelled as such by a browser or as application/octet-stream by curl, it is read as a workbook', async () => {
    const id = await givenBudget();
    const s = supplier();
    const head = HEAD.split(',');
    const day = new Date(Date.UTC(2024, 4, 6));
    const browser = await form(id, await workbookOf(head, [s, 'WB-1', day, 100, 21, 121, '4.3', 100, 21]), 'invoices.xlsx');
    expect(browser.status, JSON.stringify(browser.body)).toBe(201);
    const curlF = await form(id, await workbookOf(head, [s, 'WB-2', day, 0.1, 0.2, 0.3, '4.4', 0.3, null]), curl('export'));
    expect(curlF.status, JSON.stringify(curlF.body)).toBe(201);
    expect((await invoicesOf(id)).map((i) => [i.number, i.date, i.grossCents, i.costLine])).toEqual([
      ['WB-1', '2024-05-06', 12100, '4.3'],
      ['WB-2', '2024-05-06', 30, '4.4'],
    ]);
  });

  it('when the body is labelled application/vnd.ms-excel (a .csv from a Windows browser) or application/octet-stream, CSV bytes are read as CSV and XLSX bytes as a workbook', async () => {
    const id = await givenBudget();
    const s = supplier();
    const csvAsExcel = await upload(
      id,
      csv(`${s},MS-1,2024-03-15,"1 000,00","210,00","1 210,00",4.3,"1 000,00","210,00"`),
      'application/vnd.ms-excel',
    );
    expect(csvAsExcel.status, JSON.stringify(csvAsExcel.body)).toBe(201);
    const xlsxAsExcel = await upload(
      id,
      await workbookOf(HEAD.split(','), [s, 'MS-2', '2024-03-16', 50, 10.5, 60.5, '4.4', 60.5]),
      'application/vnd.ms-excel',
    );
    expect(xlsxAsExcel.status, JSON.stringify(xlsxAsExcel.body)).toBe(201);
    const csvAsBytes = await upload(id, csv(`${s},MS-3,2024-03-17,1.00,0.21,1.21,4.5,1.21,`), 'application/octet-stream');
    expect(csvAsBytes.status, JSON.stringify(csvAsBytes.body)).toBe(201);
    const xlsxAsBytes = await upload(
      id,
      await workbookOf(HEAD.split(','), [s, 'MS-4', '2024-03-18', 2, 0.42, 2.42, '4.5', 2.42]),
      'application/octet-stream',
    );
    expect(xlsxAsBytes.status, JSON.stringify(xlsxAsBytes.body)).toBe(201);
    expect((await invoicesOf(id)).map((i) => [i.number, i.netCents, i.vatCents, i.grossCents])).toEqual([
      ['MS-1', 100000, 21000, 121000],
      ['MS-2', 5000, 1050, 6050],
      ['MS-3', 100, 21, 121],
      ['MS-4', 200, 42, 242],
    ]);
  });

  it('when the file is a legacy Excel 97-2003 .xls, however it is labelled or sent, it answers 415 naming the formats read and saying to save it as .xlsx or CSV, and appends nothing', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const answers = [
      await upload(id, OLE2, 'application/vnd.ms-excel'),
      await upload(id, OLE2, 'application/octet-stream'),
      await upload(id, OLE2, XLSX),
      await upload(id, OLE2, 'text/csv'),
      await form(id, OLE2, 'invoices.xls'),
      await form(id, OLE2, curl('invoices.xls')),
    ];
    for (const res of answers) {
      expect(res.status, JSON.stringify(res.body)).toBe(415);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toContain('legacy Excel 97-2003 workbook (.xls)');
      expect(res.body.detail).toContain('save the sheet as .xlsx (Excel Workbook) or as CSV');
      for (const type of ['text/csv', 'application/csv', XLSX, 'multipart/form-data']) expect(res.body.detail).toContain(type);
    }
    expect(await eventCount(app)).toBe(before);
    expect(await invoicesOf(id)).toEqual([]);
  });

  it('when a form holds no file, only text in `file`, or several files none of them in `file` (or two in it), it answers 422 naming the field `file`, and appends nothing', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const good = Buffer.from(csv(`${supplier()},NF-1,2024-03-15,1.00,0.21,1.21,4.3,1.21,`));
    const answers = {
      none: await as('anna').post(importUrl(id)).field('note', 'March invoices'),
      text: await as('anna').post(importUrl(id)).field('file', good.toString('utf8')),
      others: await as('anna').post(importUrl(id)).attach('a', good, 'march.csv').attach('b', good, 'april.csv'),
      twice: await form(id, good, 'march.csv').attach('file', good, 'april.csv'),
    };
    for (const res of Object.values(answers)) {
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toMatch(/^file: .*`file`.*; nothing was imported$/);
      expect(res.body.errors).toEqual([
        { in: 'body', pointer: '/file', row: null, column: null, value: null, detail: expect.stringContaining('`file`') },
      ]);
    }
    expect(answers.none.body.errors[0].detail).toContain('the form holds no file');
    expect(answers.text.body.errors[0].detail).toContain('holds text, not a file');
    expect(answers.others.body.errors[0].detail).toContain('2 files ("march.csv", "april.csv") and none in the field `file`');
    expect(answers.twice.body.errors[0].detail).toContain('2 files in the field `file`');
    expect(await eventCount(app)).toBe(before);
  });

  it('when a form holds the file in `file` beside other fields and files, that file is imported; a lone file in another field is imported too', async () => {
    const id = await givenBudget();
    const s = supplier();
    const beside = await form(id, Buffer.from(csv(`${s},FF-1,2024-03-15,1.00,0.21,1.21,4.3,1.21,`)), 'invoices.csv')
      .field('comment', 'March')
      .attach('attachment', Buffer.from(csv(`${s},NOT-THIS,2024-03-15,1.00,0.21,1.21,4.3,1.21,`)), 'other.csv');
    expect(beside.status, JSON.stringify(beside.body)).toBe(201);
    const lone = await form(id, Buffer.from(csv(`${s},FF-2,2024-03-16,2.00,0.42,2.42,4.3,2.42,`)), 'invoices.csv', 'upload');
    expect(lone.status, JSON.stringify(lone.body)).toBe(201);
    expect((await invoicesOf(id)).map((i) => i.number)).toEqual(['FF-1', 'FF-2']);
  });

  it('when the form’s file is larger than IMPORT_MAX_FILE_MB (20 MB), or the streamed form itself is, it answers 413 problem+json and appends nothing', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const big = await form(id, Buffer.alloc(20 * 1024 * 1024 + 1, 0x41), 'invoices.csv');
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(big.body.detail).toBe('The file "invoices.csv" is larger than 20 MB; split it into several imports');

    // Three files of 8 MB each, none alone over the limit, sent in chunks without a Content-Length:
    // the form is refused once it passes 20 MB and a little, not read into memory to the end.
    const boundary = 'invoice-import-test-boundary';
    const part = (n: number) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="part${n}"; filename="p${n}.csv"\r\nContent-Type: text/csv\r\n\r\n`,
        ),
        Buffer.alloc(8 * 1024 * 1024, 0x41),
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([part(1), part(2), part(3), Buffer.from(`--${boundary}--\r\n`)]);
    const streamed = as('anna').post(importUrl(id)).set('Content-Type', `multipart/form-data; boundary=${boundary}`);
    for (let at = 0; at < body.length; at += 256 * 1024) streamed.write(body.subarray(at, at + 256 * 1024));
    const whole = await streamed;
    expect(sentHeader(whole, 'Content-Length')).toBeUndefined();
    expect(whole.status).toBe(413);
    expect(whole.body.detail).toContain('The form is larger than');
    expect(await eventCount(app)).toBe(before);
  });

  it('when the multipart body cannot be read (no boundary, cut short), it answers 400 problem+json', async () => {
    const id = await givenBudget();
    const noBoundary = await as('anna').post(importUrl(id)).set('Content-Type', 'multipart/form-data').send('abc');
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.headers['content-type']).toMatch(/application\/problem\+json/);
    const cut = await as('anna')
      .post(importUrl(id))
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send('--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nsupplier_reg_no');
    expect(cut.status).toBe(400);
    expect(cut.body.detail).toContain('multipart/form-data body cannot be read');
  });

  it('when the same form is sent again with the same Idempotency-Key (with a new boundary), the first answer comes back and nothing more is stored', async () => {
    const id = await givenBudget();
    const s = supplier();
    const file = Buffer.from(csv(`${s},IK-1,2024-03-15,1.00,0.21,1.21,4.3,1.21,`));
    const first = await form(id, file, 'invoices.csv').set('Idempotency-Key', 'form-import-2024-03');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const before = await eventCount(app);
    const again = await form(id, file, 'invoices.csv').set('Idempotency-Key', 'form-import-2024-03');
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.invoices).toEqual(first.body.invoices);
    expect(await eventCount(app)).toBe(before);
    const other = await form(id, Buffer.from(csv(`${s},IK-2,2024-03-15,1.00,0.21,1.21,4.3,1.21,`)), 'invoices.csv').set(
      'Idempotency-Key',
      'form-import-2024-03',
    );
    expect(other.status).toBe(422);
    expect(other.body.type).toMatch(/idempotency-key-reused/);
  });

  it('when an amount is wrong, the row error quotes it as written in the file (1 234,56: euros, as typed), never as cents', async () => {
    const id = await givenBudget();
    const s = supplier();
    const file = [
      'supplier_reg_no;invoice_number;date;net;vat;gross;cost_line;alloc_RRF;alloc_STATE',
      `${s};V-1;2024-03-15;1 234,567;259,26;1 493,83;4.3;1 493,83;`,
      `${s};V-2;2024-03-15;1 234,56;259,26;1 493,83;4.3;1 234,56;259,27`,
    ].join('\n');
    const res = await form(id, Buffer.from(file), curl('invoices.csv'));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.errors).toEqual([
      {
        in: 'body',
        pointer: '/rows/2/net',
        row: 2,
        column: 'net',
        value: '1 234,567',
        detail: '"1 234,567" has more than 2 decimals; round it to the cent',
      },
      {
        in: 'body',
        pointer: '/rows/3/gross',
        row: 3,
        column: 'gross',
        value: '1 493,83',
        detail: 'gross 1 493,83 is not net 1 234,56 + VAT 259,26 = 1 493,82',
      },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/123456|149383|149382|cents/);
  });

  it('when the OpenAPI document is read, the import declares every media type it reads and its 415', () => {
    const op = (spec as unknown as { paths: Record<string, { post: Record<string, unknown> }> }).paths[
      '/projects/{projectId}/budget/invoices/import'
    ]!.post as {
      requestBody: { content: Record<string, unknown> };
      responses: Record<string, { description: string }>;
      'x-request-media-types'?: string[];
    };
    const declared = [...Object.keys(op.requestBody.content), ...(op['x-request-media-types'] ?? [])];
    expect(FILE_MEDIA_TYPES.filter((t) => !declared.includes(t))).toEqual([]);
    expect(FILE_MEDIA_TYPES).toEqual(
      expect.arrayContaining(['multipart/form-data', 'application/vnd.ms-excel', 'application/octet-stream']),
    );
    expect(op.responses['415']!.description).toContain('save it as .xlsx or CSV');
  });
});
