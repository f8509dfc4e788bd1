import { describe, expect, it } from 'vitest';
import { invoiceCsv, invoiceLine, invoiceRows } from '../../bench/invoice-file.js';
import { eventCount, type TestApp } from '../support/app.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, givenProject, seededSuite, type Caller } from '../support/seeded.js';

/*
 * A file above IMPORT_SYNC_MAX_ROWS becomes an import job (src/application/import-jobs.ts): 202
 * with Location, the job's progress, and its per-row results once completed. The threshold and
 * the chunk are lowered here so a few hundred rows make several chunks.
 */

let app: TestApp;
const as = seededSuite(
  { ...PEOPLE, stranger: ['mallory', ['beneficiary'], '40003000000'], ilze: ['ilze', ['auditor'], '90009963334'] },
  (a) => (app = a),
  { IMPORT_SYNC_MAX_ROWS: '20', IMPORT_CHUNK_ROWS: '40' },
);

const importUrl = (id: string) => `/projects/${id}/budget/invoices/import`;
const upload = (id: string, body: Buffer | string) => as('anna').post(importUrl(id)).set('Content-Type', 'text/csv').send(body);

interface JobView {
  jobId: string;
  state: string;
  progress: Record<string, number>;
  problem: { status: number; detail: string; errors: { row: number | null; column: string | null; detail: string }[] } | null;
  invoices: string;
}

/** Polls the job until it completed or failed (at most 30 s). */
async function settled(who: Caller, location: string): Promise<JobView> {
  for (let i = 0; i < 600; i++) {
    const res = await who('anna').get(location).expect(200);
    const job = res.body as JobView;
    if (job.state === 'completed' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${location} did not finish`);
}

/** Every per-row result of a job, page by page. */
async function allRows(who: Caller, url: string) {
  const rows: { row: number; invoiceId: string; number: string; alertIds: string[] }[] = [];
  let cursor: string | null = null;
  do {
    const res = await who('anna').get(`${url}?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    const page = res.body as { items: typeof rows; nextCursor: string | null };
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

describe('invoice import as a job', () => {
  it('when a file has no more rows than IMPORT_SYNC_MAX_ROWS, it is imported within the request (201) as before', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const res = await upload(id, invoiceCsv(invoiceRows(20, 'SMALL')));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.imported).toBe(20);
    expect(res.headers.location).toBeUndefined();
  });

  it('when a file is larger, it answers 202 with Location; the job completes with every row stored once, its progress and per-row results', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    // An invoice already declared: the file's near-duplicate of it (same supplier and gross, a day later) raises an alert on its row.
    const earlier = { supplierRegNo: '40003011203', number: 'LVRTC-EARLIER/1', date: '2024-03-15', netCents: 100_000, vatCents: 21_000 };
    await as('anna')
      .post(`/projects/${id}/budget/invoices`)
      .send({
        ...earlier,
        grossCents: 121_000,
        costLine: '4.3',
        allocations: [{ fund: 'RRF', cents: 121_000 }],
      })
      .expect(201);
    const rows = invoiceRows(150, 'JOB');
    rows[99] = {
      supplier: '40003011203',
      number: 'LVRTC-NEAR/2',
      date: '16.03.2024',
      netCents: 100_000,
      vatCents: 21_000,
      costLine: '4.4',
    };
    const before = await eventCount(app);

    const res = await upload(id, invoiceCsv(rows));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.location).toBe(`/projects/${id}/budget/import-jobs/${res.body.jobId}`);
    expect(res.body).toMatchObject({
      projectId: id,
      file: { format: 'csv' },
      progress: { rows: 150, parsed: 150, validated: 150, chunks: 4 },
    });
    expect(['queued', 'running', 'completed']).toContain(res.body.state);

    const job = await settled(as, res.headers.location!);
    expect(job.state).toBe('completed');
    expect(job.progress).toMatchObject({ rows: 150, parsed: 150, validated: 150, stored: 150, chunks: 4, chunksStored: 4 });
    expect(job.problem).toBeNull();

    const results = await allRows(as, job.invoices);
    expect(results.map((r) => r.row)).toEqual(rows.map((_, n) => n + 2));
    expect(results.map((r) => r.number)).toEqual(rows.map((r) => r.number));
    const budget = (await as('anna').get(`/projects/${id}/budget`).expect(200)).body as {
      invoices: { invoiceId: string; number: string }[];
    };
    const imported = budget.invoices.filter((i) => i.number !== earlier.number);
    expect(imported.map((i) => i.invoiceId).sort()).toEqual(results.map((r) => r.invoiceId).sort());
    expect(new Set(imported.map((i) => i.invoiceId)).size).toBe(150);
    // 150 invoices, the job's events (started, 4 chunks accepted, 4 stored, completed) and nothing else.
    expect(await eventCount(app)).toBe(before + 150 + 1 + 4 + 4 + 1);

    const near = results.find((r) => r.row === 101)!;
    expect(near.alertIds.length).toBeGreaterThan(0);
    expect(job.progress.alertsRaised).toBe(new Set(results.flatMap((r) => r.alertIds)).size);
    expect(job.progress.alertsRaised).toBeGreaterThan(0);
  });

  it('when a large file has bad rows, the job fails at once naming every row and column as the 422 does, and nothing is stored in the budget', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const rows = invoiceRows(60, 'BAD').map(invoiceLine);
    rows[4] = rows[4]!.replace(/;4\.[345];/, ';9.9;');
    rows[30] = rows[30]!
      .split(';')
      .map((c, i) => (i === 2 ? '31.02.2024' : c))
      .join(';');
    const budgetBefore = (await as('anna').get(`/projects/${id}/budget`).expect(200)).headers.etag;
    const res = await upload(id, invoiceCsv([]).toString('utf8').trimEnd() + '\r\n' + rows.join('\r\n') + '\r\n');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const job = await settled(as, res.headers.location!);
    expect(job.state).toBe('failed');
    expect(job.progress).toMatchObject({ rows: 60, validated: 0, stored: 0 });
    expect(job.problem).toMatchObject({ status: 422, detail: '2 problem(s) in 2 row(s); nothing was imported' });
    expect(job.problem!.errors.map((e) => [e.row, e.column])).toEqual([
      [6, 'Izmaksu pozīcija'],
      [32, 'Datums'],
    ]);
    expect((await as('anna').get(`/projects/${id}/budget`).expect(200)).headers.etag).toBe(budgetBefore);
  });

  it('when someone who may not see the project asks for its job, it is 404; an auditor may read it', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const res = await upload(id, invoiceCsv(invoiceRows(30, 'SEEN')));
    expect(res.status).toBe(202);
    await settled(as, res.headers.location!);
    expect((await as('stranger').get(res.headers.location!)).status).toBe(404);
    expect((await as('stranger').get(`${res.headers.location!}/invoices`)).status).toBe(404);
    expect((await as('ilze').get(res.headers.location!)).status).toBe(200);
    const other = await givenProject(as, { shares: SEED_SHARES });
    expect((await as('anna').get(`/projects/${other}/budget/import-jobs/${res.body.jobId}`)).status).toBe(404);
  });
});
