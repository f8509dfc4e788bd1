import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { SEED_SHARES, SUPPLIER } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { givenProject, PEOPLE, seededSuite } from '../support/seeded.js';

/*
 * GET /metrics in the Prometheus text format, scraped as Prometheus would, and the values seen to
 * move with what the service does: a request's histogram by its route template, an append's
 * counters, a projection's lag, the pools, import jobs.
 */

let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a), { IMPORT_SYNC_MAX_ROWS: '1' });

/** One scrape, as `name{label="value",…}` → value. */
async function scrape(
  target = app,
): Promise<{ text: string; value: (name: string, labels?: Record<string, string>) => number | undefined }> {
  const res = await request(target.service.app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = res.text;
  const samples = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(l)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
  const value = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  return { text, value };
}

const CSV = (numbers: string[]) =>
  Buffer.from(
    `supplier_reg_no;invoice_number;date;net;vat;gross;cost_line;alloc_RRF\n${numbers
      .map((n) => `${SUPPLIER};${n};2024-05-20;1000,00;210,00;1210,00;4.3;1210,00`)
      .join('\n')}\n`,
  );

describe('GET /metrics', () => {
  it('when a route is called, its histogram counts the request under the route template and status, never the raw path', async () => {
    const id = randomUUID();
    const before = await scrape();
    const labels = { method: 'GET', route: '/projects/{projectId}/passport', status: '404' };
    const count = before.value('grants_http_request_duration_seconds_count', labels) ?? 0;
    await as('anna').get(`/projects/${id}/passport`).expect(404);
    await as('anna').get(`/projects/${id}/passport`).expect(404);
    const after = await scrape();
    expect(after.value('grants_http_request_duration_seconds_count', labels)).toBe(count + 2);
    expect(after.value('grants_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(after.value('grants_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count + 2);
    expect(after.text).not.toContain(id);
    expect(after.text).toMatch(/^# TYPE grants_http_request_duration_seconds histogram$/m);
  });

  it('when something is written, the append counters and the append latency histogram move, and the pools are reported', async () => {
    const before = await scrape();
    const appends = before.value('grants_event_store_appends_total', { outcome: 'ok' }) ?? 0;
    const events = before.value('grants_event_store_appended_events_total') ?? 0;
    const timed = before.value('grants_event_store_append_duration_seconds_count') ?? 0;
    await as('anna')
      .post('/projects')
      .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient })
      .expect(201);
    const after = await scrape();
    expect(after.value('grants_event_store_appends_total', { outcome: 'ok' })).toBe(appends + 1);
    expect(after.value('grants_event_store_appended_events_total')).toBeGreaterThan(events);
    expect(after.value('grants_event_store_append_duration_seconds_count')).toBe(timed + 1);
    expect(after.value('grants_db_pool_connections', { pool: 'requests', state: 'total' })).toBeGreaterThan(0);
    expect(after.value('grants_db_pool_connections', { pool: 'runners', state: 'waiting' })).toBe(0);
    expect(after.value('grants_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('when the projections are stopped and events come, each projection shows the lag, and none once they caught up', async () => {
    const projections = app.service.context.projections;
    await projections.catchUp();
    expect((await scrape()).value('grants_projection_lag_events', { projection: 'projects', status: 'active' })).toBe(0);
    await projections.stop();
    try {
      await as('anna')
        .post('/projects')
        .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient })
        .expect(201);
      const behind = await scrape();
      expect(behind.value('grants_projection_lag_events', { projection: 'projects', status: 'active' })).toBeGreaterThanOrEqual(1);
      expect(behind.value('grants_projection_lag_seconds', { projection: 'projects', status: 'active' })).toBeGreaterThanOrEqual(0);
      expect(behind.value('grants_projection_lag_events', { projection: 'stream_catalogue', status: 'active' })).toBeGreaterThanOrEqual(1);
    } finally {
      await projections.start();
    }
    await projections.catchUp();
    expect((await scrape()).value('grants_projection_lag_events', { projection: 'projects', status: 'active' })).toBe(0);
  });

  it('when an import job runs to the end, the completed import jobs go up by one', async () => {
    const before = (await scrape()).value('grants_import_jobs', { state: 'completed' });
    expect(before).toBeDefined();
    const project = await givenProject(as, { shares: SEED_SHARES });
    const job = await as('anna')
      .post(`/projects/${project}/budget/invoices/import`)
      .set('Content-Type', 'text/csv')
      .send(CSV([`M-${randomUUID().slice(0, 8)}-1`, `M-${randomUUID().slice(0, 8)}-2`]))
      .expect(202);
    for (
      let i = 0;
      (await as('anna').get(`/projects/${project}/budget/import-jobs/${job.body.jobId as string}`)).body.state !== 'completed';
      i++
    ) {
      if (i > 200) throw new Error('the import job did not complete');
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await scrape();
    expect(after.value('grants_import_jobs', { state: 'completed' })).toBe(before! + 1);
    expect(after.value('grants_import_jobs', { state: 'unfinished' })).toBe(0);
  });

  it('when METRICS_TOKEN is set, only that bearer token may scrape: 401 problem+json otherwise', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await createTestApp({ METRICS_TOKEN: token });
    try {
      const refused = await request(guarded.service.app).get('/metrics');
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await request(guarded.service.app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
      const ok = await request(guarded.service.app).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(ok.text).toContain('grants_http_request_duration_seconds');
    } finally {
      await guarded.close();
    }
  });
});
