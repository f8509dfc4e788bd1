import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startServiceProcess, type ServiceProcess } from '../support/process.js';
import { until } from '../support/ops.js';

// A process of its own, started from the sources through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

/*
 * Tracing as an operator turns it on: OTEL_EXPORTER_OTLP_ENDPOINT names a collector, and a request's
 * spans (HTTP, express's routing, its PostgreSQL queries) reach it over OTLP/HTTP, under the trace id
 * its log line carries. The collector here is a tiny OTLP/HTTP receiver that keeps what it is sent.
 */

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}
interface Received extends OtlpSpan {
  scope: string;
  service: string | undefined;
}

/** SpanKind.SERVER in OTLP. */
const SERVER = 2;

let collector: http.Server;
let endpoint: string;
const received: Received[] = [];
const refused: string[] = [];
let db: TestDatabase;
let service: ServiceProcess;

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !type.startsWith('application/json')) {
        refused.push(`${req.method} ${req.url} ${type}`);
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const { resource, scopeSpans } of body.resourceSpans) {
        const service = resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const { scope, spans } of scopeSpans) for (const span of spans) received.push({ ...span, scope: scope.name, service });
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  db = await createTestDatabase();
  service = await startServiceProcess({
    DATABASE_URL: db.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100', // export within a tenth of a second, not the default five
    BACKGROUND_THREAD: 'false',
  });
  await service.ready();
});

afterAll(async () => {
  if (service?.child.exitCode === null) await service.stop();
  await db?.drop();
  await new Promise((resolve) => collector?.close(resolve));
});

describe('tracing with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it("exports a request's server span, its routing and its queries under the trace id its log line carries", async () => {
    const requestId = `trace-${randomUUID()}`;
    const answer = await fetch(`${service.base}/ready`, { headers: { 'X-Request-Id': requestId } });
    expect(answer.status).toBe(200);
    await answer.body?.cancel();

    // The request's log line (pino-http, written as the answer finishes) carries the ids of its server span.
    const line = await until('the log line of the request', () =>
      Promise.resolve(
        service.lines
          .map((l) => JSON.parse(l) as { req?: { id?: string }; trace_id?: string; span_id?: string })
          .find((l) => l.req?.id === requestId),
      ),
    );
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);

    // The collector receives that span, and the spans of that trace: express's routing and the queries /ready made.
    const server = await until(
      'the server span of the request at the collector',
      () => Promise.resolve(received.find((s) => s.traceId === line.trace_id && s.spanId === line.span_id)),
      15_000,
    );
    expect(server).toMatchObject({ kind: SERVER, scope: '@opentelemetry/instrumentation-http', service: 'grants-backend' });
    expect(server.name).toMatch(/^GET\b/);
    expect(server.parentSpanId ?? '').toBe('');
    const trace = received.filter((s) => s.traceId === line.trace_id);
    expect(trace.some((s) => s.scope === '@opentelemetry/instrumentation-express')).toBe(true);
    expect(trace.some((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.name.startsWith('pg.query'))).toBe(true);
    // Every span of the trace hangs under the server span, directly or through another of them.
    const ids = new Set(trace.map((s) => s.spanId));
    expect(trace.filter((s) => s !== server && !ids.has(s.parentSpanId ?? ''))).toEqual([]);
    expect(refused).toEqual([]);

    // /health is left out: probes every few seconds would drown the traces.
    const health = await fetch(`${service.base}/health`);
    await health.body?.cancel();
    expect(await service.stop()).toBe(0);
    const path = (s: Received) => s.attributes?.find((a) => a.key === 'url.path')?.value.stringValue;
    expect(received.filter((s) => s.kind === SERVER).map(path)).toContain('/ready');
    expect(received.filter((s) => s.kind === SERVER).map(path)).not.toContain('/health');
    // Queries outside a request (migrations at the start, the background work polling the log several
    // times a second) are not traced: each would be a trace of its own, a stream of noise at the collector.
    const requests = new Set(received.filter((s) => s.kind === SERVER).map((s) => s.traceId));
    const outside = received.filter((s) => s.scope === '@opentelemetry/instrumentation-pg' && !requests.has(s.traceId));
    expect(outside.map((s) => s.name)).toEqual([]);
    expect(service.errors()).toEqual([]);
  });
});
