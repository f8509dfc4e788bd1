import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { invoiceCsv, invoiceRows } from '../../bench/invoice-file.js';
import { loadConfig } from '../../src/config.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import { EventStoreUnavailable } from '../../src/eventstore/errors.js';
import type { EventStore } from '../../src/eventstore/port.js';
import { createService, type Service } from '../../src/service.js';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import type { TestDatabase } from '../support/db.js';
import { restartableSuite, withAppend } from '../support/restartable.js';
import { givenProject, PEOPLE } from '../support/seeded.js';

/*
 * An import job survives its process: the service is stopped mid-job, as a crash leaves it (a
 * chunk in the budget but not yet recorded on the job) or as SIGTERM does (after the chunk in
 * hand), and a new service on the same database finishes the job: every row stored exactly once.
 */

const CONFIG = {
  NODE_ENV: 'test',
  PROJECTION_POLL_MS: '50',
  // The dying store wraps this thread's store: the import jobs must run here.
  BACKGROUND_THREAD: 'false',
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
  IMPORT_SYNC_MAX_ROWS: '10',
  IMPORT_CHUNK_ROWS: '25',
};

/** The store of a process that dies once `chunks` import chunks have reached a budget: every append after that fails. */
function dyingAfter(inner: EventStore<AnyEvent>, fate: { chunks: number; dead: boolean }): EventStore<AnyEvent> {
  return withAppend(inner, async (streamId, events, options) => {
    if (fate.dead) throw new EventStoreUnavailable('test store', 'the process died');
    const result = await inner.append(streamId, events, options);
    if (streamId.startsWith('budget-') && events.length > 1 && --fate.chunks === 0) fate.dead = true;
    return result;
  });
}

const starting =
  (wrap?: (s: EventStore<AnyEvent>) => EventStore<AnyEvent>, env: Record<string, string> = {}) =>
  (db: TestDatabase): Promise<Service> =>
    createService(
      loadConfig({ ...CONFIG, ...env }),
      pino({ level: process.env.TEST_LOG ?? 'silent' }),
      db.url,
      wrap ? { wrapStore: wrap } : {},
    );
const { suite, as } = restartableSuite(PEOPLE, starting());

const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 600; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`waited in vain for ${what}`);
};
const jobOf = async (location: string) =>
  (await as('anna').get(location).expect(200)).body as { state: string; progress: Record<string, number> };

/** The invoices the budget stream holds: how many events, and how many distinct invoices by id and by supplier and number. */
async function storedInvoices(projectId: string) {
  const { rows } = await suite.db.pool.query<{ n: number; ids: number; keys: number }>(
    `select count(*)::int as n, count(distinct payload->>'invoiceId')::int as ids,
            count(distinct (payload->>'supplierRegNo', payload->>'number'))::int as keys
       from es_events where stream_id = $1 and type = 'InvoiceSubmitted.v1'`,
    [`budget-${projectId}`],
  );
  return rows[0]!;
}

describe('an import job across a restart', () => {
  it('when the process dies between a chunk reaching the budget and its record on the job, a new process finishes the job with every row stored once', async () => {
    const fate = { chunks: 0, dead: false };
    await suite.restart(starting((s) => dyingAfter(s, fate)));
    const id = await givenProject(as, { shares: SEED_SHARES });
    fate.chunks = 3;
    const res = await as('anna')
      .post(`/projects/${id}/budget/invoices/import`)
      .set('Content-Type', 'text/csv')
      .send(invoiceCsv(invoiceRows(200, 'CRASH')));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const location = res.headers.location!;

    await until('the crash', () => Promise.resolve(fate.dead ? true : undefined));
    // Three chunks in the budget, two recorded on the job: the third's record failed with the process.
    expect(await storedInvoices(id)).toEqual({ n: 75, ids: 75, keys: 75 });
    expect((await jobOf(location)).progress).toMatchObject({ stored: 50, chunksStored: 2, chunks: 8 });

    await suite.restart();
    const job = await until('the job to finish', async () => {
      const j = await jobOf(location);
      return j.state === 'completed' || j.state === 'failed' ? j : undefined;
    });
    expect(job).toMatchObject({ state: 'completed', progress: { rows: 200, stored: 200, chunks: 8, chunksStored: 8 } });
    expect(await storedInvoices(id)).toEqual({ n: 200, ids: 200, keys: 200 });
    const results = (await as('anna').get(`${location}/invoices?limit=500`).expect(200)).body.items as { row: number; invoiceId: string }[];
    expect(results.map((r) => r.row)).toEqual(Array.from({ length: 200 }, (_, n) => n + 2));
    const { rows: budgetIds } = await suite.db.pool.query<{ id: string }>(
      `select payload->>'invoiceId' as id from es_events where stream_id = $1 and type = 'InvoiceSubmitted.v1'`,
      [`budget-${id}`],
    );
    expect(budgetIds.map((r) => r.id).sort()).toEqual(results.map((r) => r.invoiceId).sort());
  });

  it('when the service is stopped mid-job (SIGTERM), it ends after the chunk in hand and the next start stores the rest, nothing twice', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const res = await as('anna')
      .post(`/projects/${id}/budget/invoices/import`)
      .set('Content-Type', 'text/csv')
      .send(invoiceCsv(invoiceRows(400, 'STOP')));
    expect(res.status).toBe(202);
    const location = res.headers.location!;
    await until('a first chunk', async () => ((await jobOf(location)).progress.chunksStored! >= 1 ? true : undefined));
    // Stopped; then a service that runs no jobs, to look at what the stop left.
    await suite.restart(starting(undefined, { IMPORT_WORKER_ENABLED: 'false' }));
    const stoppedAt = (await storedInvoices(id)).n;
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(400);
    expect(stoppedAt % 25).toBe(0);
    await suite.restart();
    const job = await until('the job to finish', async () => {
      const j = await jobOf(location);
      return j.state === 'completed' ? j : undefined;
    });
    expect(job.progress).toMatchObject({ rows: 400, stored: 400, chunksStored: 16 });
    expect(await storedInvoices(id)).toEqual({ n: 400, ids: 400, keys: 400 });
  });
});
