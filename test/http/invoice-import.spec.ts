import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
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
    expect(detail(5, 'gross')).toContain('gross 121001 is not net 100000 + VAT 21000');
    expect(detail(6, 'cost_line')).toContain('no cost line 4.9');
    expect(detail(7, 'date')).toContain('"2024-02-30" is not a date in the calendar');
    expect(detail(8, 'invoice_number')).toContain('the same invoice as row 2');
    expect(detail(9, 'net')).toContain('more than 2 decimals');
    expect(res.body.errors[0]).toMatchObject({ in: 'body', pointer: '/rows/3/net' });
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

  it('when the file holds more than 10,000 rows, it answers 422 naming the limit and appends nothing', async () => {
    const id = await givenBudget();
    const s = supplier();
    const rows = Array.from({ length: 10_001 }, (_, n) => `${s},L-${n},2024-03-15,1.00,0.21,1.21,4.3,1.21,`);
    const res = await upload(id, csv(...rows));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ row: null, column: null, detail: 'the file holds 10001 invoice rows; one import takes at most 10000' }),
    ]);
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

  it('when the body is not CSV or XLSX it answers 415, and when it is larger than 5 MB 413, both problem+json', async () => {
    const id = await givenBudget();
    const before = await eventCount(app);
    const plain = await upload(id, 'a,b\n', 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(plain.body.detail).toContain('text/csv');
    expect((await as('anna').post(importUrl(id)).send({ rows: [] })).status).toBe(415);
    const big = await upload(id, Buffer.alloc(5 * 1024 * 1024 + 1, 0x41));
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
