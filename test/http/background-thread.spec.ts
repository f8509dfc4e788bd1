import { describe, expect, it } from 'vitest';
import { invoiceCsv, invoiceRows } from '../../bench/invoice-file.js';
import type { TestApp } from '../support/app.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, givenProject, seededSuite } from '../support/seeded.js';

/*
 * BACKGROUND_THREAD (the default outside tests): the projection runners, the hash chain, the
 * workflows and import jobs run in a thread of their own (src/background.ts). This thread's own
 * runners are not started, so whatever the read models and jobs do here, the thread did.
 */

let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a), { BACKGROUND_THREAD: 'true', IMPORT_SYNC_MAX_ROWS: '20', IMPORT_CHUNK_ROWS: '40' });

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not happen within 30 s`);
}

describe('the background thread', () => {
  it('when a large file is posted, the thread runs its job to the end and the read models follow without a catch-up here', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const posted = await as('anna')
      .post(`/projects/${id}/budget/invoices/import`)
      .set('Content-Type', 'text/csv')
      .send(invoiceCsv(invoiceRows(120, 'BG')));
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const job = await eventually(async () => {
      const res = await as('anna').get(posted.headers.location!).expect(200);
      return res.body.state === 'completed' || res.body.state === 'failed'
        ? (res.body as { state: string; progress: Record<string, number> })
        : undefined;
    }, 'the import job');
    expect(job.state).toBe('completed');
    expect(job.progress).toMatchObject({ rows: 120, chunks: 3, chunksStored: 3 });

    const { rows } = await app.db.pool.query<{ n: number; ids: number }>(
      `select count(*)::int as n, count(distinct payload->>'invoiceId')::int as ids from es_events where stream_id = $1 and type = 'InvoiceSubmitted.v1'`,
      [`budget-${id}`],
    );
    expect(rows[0]).toEqual({ n: 120, ids: 120 });
    // Every read model reaches the end of the log: only the thread's runners feed them.
    await eventually(
      async () => ((await app.service.context.projections.status()).every((s) => s.behind === 0) ? true : undefined),
      'the read models catching up',
    );
  });
});
