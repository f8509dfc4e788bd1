import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { seedReferenceData } from '../src/application/seed-reference-data.js';
import { SEED_DATA } from '../src/cli/seed-data.js';
import { loadConfig } from '../src/config.js';
import { createService, listen } from '../src/service.js';
import { BENCH_SECRET, benchClient, benchPeople, givenApprovedBudget } from './http-client.js';
import { invoiceCsv, invoiceRows } from './invoice-file.js';
import { intFromEnv, percentile, round, sleep, type Benchmark } from './support.js';

/**
 * The invoice import end to end, over HTTP against the service as it runs: ROWS (10,000) invoices
 * in one CSV file (bench/invoice-file.ts) posted to an approved project's budget, the job polled
 * until it completes (every chunk stored and checked for double funding); meanwhile OTHER_CLIENTS
 * (2) clients read a passport and list projects in turn, and their latencies give
 * `other_requests_p99_ms`. Then the budget stream is counted: `lost` rows not stored, `duplicated`
 * stored more than once (by invoice id, and by supplier and number).
 */
export const importBench: Benchmark = async ({ url, pool, log }) => {
  const rows = intFromEnv('ROWS', 10_000);
  const clients = intFromEnv('OTHER_CLIENTS', 2);
  const config = loadConfig({
    NODE_ENV: 'development',
    DATABASE_URL: url,
    AUTH_JWT_SECRET: BENCH_SECRET,
    LOG_LEVEL: 'silent',
    // The import's, the projections' and the background thread's settings may be tried out: IMPORT_CHUNK_ROWS=500 npm run bench -- import
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(IMPORT_|PROJECTION_|BACKGROUND_)/.test(name))),
  });
  // The service's own logs only when asked for (BENCH_LOG=debug), to stderr like the bench's.
  const serviceLog = pino({ level: process.env.BENCH_LOG === 'debug' ? 'debug' : 'silent' }, pino.destination(2));
  const service = await createService(config, serviceLog, url);
  let server: Server | undefined;
  try {
    await seedReferenceData(service.context, SEED_DATA, {
      user: { id: 'system:seed', name: 'Seed', organisation: '00000000000', role: 'admin', roles: ['admin'] },
      correlationId: 'seed',
      requestId: 'seed',
    });
    server = await listen(service.app, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = benchClient(base, await benchPeople());
    const projectId = await givenApprovedBudget(call);
    const file = invoiceCsv(invoiceRows(rows, 'BENCH'));
    log.info({ rows, megabytes: round(file.length / 1024 / 1024, 1) }, 'importing');

    // Other clients, each one request after the other with a short pause, until the job is done.
    let done = false;
    const latencies: number[] = [];
    const others = Array.from({ length: clients }, async (_, c) => {
      for (let n = c; !done; n++) {
        const t = performance.now();
        await (n % 2 ? call('anna', 'GET', `/projects/${projectId}/passport`) : call('janis', 'GET', '/projects?limit=20'));
        latencies.push(performance.now() - t);
        await sleep(20);
      }
    });

    const t0 = performance.now();
    let state = 'completed';
    let job: Record<string, unknown> = {};
    try {
      const posted = await call('anna', 'POST', `/projects/${projectId}/budget/invoices/import`, file, { 'Content-Type': 'text/csv' });
      const location = posted.headers.get('location');
      log.info({ status: posted.status, ms: Math.round(performance.now() - t0), location }, 'file accepted');
      if (location) {
        for (;;) {
          job = (await call('anna', 'GET', location)).body;
          state = job.state as string;
          if (state === 'completed' || state === 'failed') break;
          await sleep(100);
        }
      }
    } finally {
      done = true;
      await Promise.all(others);
    }
    const seconds = (performance.now() - t0) / 1000;
    if (state !== 'completed') throw new Error(`the import job ${state}: ${JSON.stringify(job).slice(0, 2000)}`);

    const { rows: counted } = await pool.query<{ n: number; ids: number; keys: number }>(
      `select count(*)::int as n, count(distinct payload->>'invoiceId')::int as ids,
              count(distinct (payload->>'supplierRegNo', payload->>'number'))::int as keys
         from es_events where stream_id = $1 and type = 'InvoiceSubmitted.v1'`,
      [`budget-${projectId}`],
    );
    const { n, ids, keys } = counted[0]!;
    const sorted = [...latencies].sort((a, b) => a - b);
    const progress = (job.progress ?? {}) as Record<string, number>;
    return {
      rows,
      seconds: round(seconds),
      rows_per_s: Math.round(rows / seconds),
      other_requests_p99_ms: round(percentile(sorted, 99), 1),
      lost: rows - Math.min(ids, keys),
      duplicated: n - Math.min(ids, keys),
      bench: 'import',
      events: n,
      events_per_s: Math.round(n / seconds),
      other_requests: sorted.length,
      other_requests_p50_ms: round(percentile(sorted, 50), 1),
      other_requests_max_ms: round(sorted.at(-1) ?? 0, 1),
      alerts_raised: progress.alertsRaised ?? null,
      file_mb: round(file.length / 1024 / 1024, 2),
    };
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await service.close();
  }
};
