import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { invoiceCsv, invoiceRows } from '../../bench/invoice-file.js';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/service.js';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eAdrese } from '../support/passport-builders.js';
import { startServiceProcess, type ServiceProcess } from '../support/process.js';
import { caller, castOf, givenProject, PEOPLE, SEED_CALLER } from '../support/seeded.js';

// Processes of their own, started from the sources through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

/*
 * SIGTERM, as an orchestrator or `docker stop` sends it, to the service running as a process of
 * its own: new connections are refused, the requests in flight finish, the background thread stops
 * at a batch (or import chunk) boundary, the pools close, and the process exits 0 within the grace.
 */

const GRACE_MS = 15_000;
let db: TestDatabase;
let tokens: Record<string, string>;
let projectId: string;
/** A second project: the import in flight goes to its budget, not to the one the job appends to. */
let otherId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  // The reference data and a project with an open budget, put in place by a service in this process.
  const config = loadConfig({ NODE_ENV: 'test', BACKGROUND_THREAD: 'false', PROJECTION_POLL_MS: '50', AUTH_JWT_SECRET: TEST_JWT_SECRET });
  const service: Service = await createService(config, pino({ level: 'silent' }), db.url);
  try {
    await seedReferenceData(service.context, SEED_DATA, SEED_CALLER);
    tokens = await castOf(PEOPLE);
    const as = caller(() => ({ service, db, close: () => Promise.resolve() }), tokens);
    projectId = await givenProject(as, { shares: SEED_SHARES });
    otherId = await givenProject(as, { shares: SEED_SHARES });
  } finally {
    await service.close();
  }
});
afterAll(() => db?.drop());

const draft = (base: string, key: string) =>
  fetch(`${base}/projects`, {
    method: 'POST',
    headers: { Authorization: tokens.anna!, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient }),
  });

async function storedDrafts(ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.pool.query<{ id: string; n: number }>(
    `select payload->>'projectId' as id, count(*)::int as n from es_events
      where type like 'PassportDrafted.%' and payload->>'projectId' = any($1) group by 1`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

async function stopped(service: ServiceProcess, signalledAt: number) {
  const end = await service.exited;
  return { code: end.code, signal: end.signal, ms: end.at - signalledAt };
}

describe('SIGTERM', () => {
  it('under 16 concurrent writers: every acknowledged write is stored once, no error is logged, exit 0 within the grace', async () => {
    const service = await startServiceProcess({ DATABASE_URL: db.url, SHUTDOWN_GRACE_MS: String(GRACE_MS) });
    await service.ready();
    const acknowledged: string[] = [];
    let answered = 0;
    let signalledAt = 0;
    const writer = async () => {
      // Each writer drafts until the service refuses to talk; an answer other than 201 must be an honest refusal.
      for (;;) {
        let res: Response;
        try {
          res = await draft(service.base, randomUUID());
        } catch {
          return; // refused or cut: not acknowledged, and the client knows it
        }
        answered++;
        if (res.status === 201) acknowledged.push(((await res.json()) as { projectId: string }).projectId);
        else {
          expect(res.status).toBe(503);
          await res.body?.cancel();
        }
        if (signalledAt && Date.now() - signalledAt > GRACE_MS) return;
      }
    };
    const writers = Array.from({ length: 16 }, writer);
    while (answered < 100) await new Promise((r) => setTimeout(r, 20));
    signalledAt = Date.now();
    service.child.kill('SIGTERM');
    await Promise.all(writers);
    const end = await stopped(service, signalledAt);

    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(GRACE_MS);
    expect(service.errors()).toEqual([]);
    expect(service.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    const stored = await storedDrafts(acknowledged);
    expect(acknowledged.filter((id) => stored.get(id) !== 1)).toEqual([]);
  });

  it('during an import job and an import in flight: the request is answered, the job stops after a chunk, exit 0; the next start finishes the job', async () => {
    const env = { DATABASE_URL: db.url, SHUTDOWN_GRACE_MS: String(GRACE_MS), IMPORT_CHUNK_ROWS: '100' };
    const service = await startServiceProcess(env);
    await service.ready();
    const url = `${service.base}/projects/${projectId}/budget/invoices/import`;
    const headers = { Authorization: tokens.anna!, 'Content-Type': 'text/csv' };
    const job = await fetch(url, { method: 'POST', headers, body: new Uint8Array(invoiceCsv(invoiceRows(3000, 'TERM'))) });
    expect(job.status).toBe(202);
    const location = `${service.base}${job.headers.get('location')!}`;
    const progress = async () =>
      (
        (await (await fetch(location, { headers: { Authorization: tokens.anna! } })).json()) as {
          state: string;
          progress: Record<string, number>;
        }
      ).progress;
    while ((await progress()).chunksStored! < 1) await new Promise((r) => setTimeout(r, 50));

    // A file small enough to be imported within its request, sent just before the signal.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = invoiceCsv(invoiceRows(500, 'SYNC', 2));
      const req = http.request(
        url.replace(projectId, otherId),
        { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await new Promise((r) => setTimeout(r, 300));
    const signalledAt = Date.now();
    service.child.kill('SIGTERM');
    const answer = await inFlight;
    const end = await stopped(service, signalledAt);

    expect(answer.status, answer.body).toBe(201);
    expect(end).toMatchObject({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(GRACE_MS);
    expect(service.errors()).toEqual([]);
    const invoices = async (prefix: string, project = projectId) =>
      (
        await db.pool.query<{ n: number; ids: number }>(
          `select count(*)::int as n, count(distinct payload->>'invoiceId')::int as ids from es_events
            where stream_id = $1 and type = 'InvoiceSubmitted.v1' and payload->>'number' like $2`,
          [`budget-${project}`, `%-${prefix}/%`],
        )
      ).rows[0]!;
    expect(await invoices('SYNC', otherId)).toEqual({ n: 500, ids: 500 });
    const atStop = await invoices('TERM');
    expect(atStop.n % 100).toBe(0);
    expect(atStop.n).toBeGreaterThanOrEqual(100);

    // Started again, the service finishes the job: every row once.
    const next = await startServiceProcess(env);
    try {
      await next.ready();
      const nextLocation = location.replace(service.base, next.base);
      for (;;) {
        const body = (await (await fetch(nextLocation, { headers: { Authorization: tokens.anna! } })).json()) as { state: string };
        if (body.state === 'completed' || body.state === 'failed') {
          expect(body.state).toBe('completed');
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await invoices('TERM')).toEqual({ n: 3000, ids: 3000 });
    } finally {
      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
    }
  });
});
