import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { instrumentedStore } from './eventstore/instrumented.js';
import type { EventShape, EventStore } from './eventstore/port.js';
import type { GlobalPosition } from './eventstore/position.js';
import { problem, sendProblem } from './http/problem.js';
import type { ProjectionManager } from './projection-engine/manager.js';

/*
 * Prometheus metrics (`GET /metrics`, text format 0.0.4), one registry per service:
 *
 * - grants_http_request_duration_seconds{method,route,status}: every request, by the route's
 *   template in the OpenAPI document (`/projects/{projectId}/passport`), never the raw path, so
 *   ids cannot blow up the series; requests outside the document are `route="other"`.
 * - grants_event_store_appends_total{outcome}, grants_event_store_appended_events_total,
 *   grants_event_store_append_duration_seconds: appends made in this thread (requests and the
 *   workflow steps they run). Appends of the background thread (import chunks, the process
 *   manager's retries) are in the log, and so in the projections' lag, not here.
 * - grants_projection_lag_events / grants_projection_lag_seconds{projection,generation,status}:
 *   read from the database at scrape time (the runners may run in the background thread): how
 *   many committed events each generation has not applied (counted up to 100,000), and the age
 *   of the oldest of them.
 * - grants_db_pool_connections{pool,state}: total, idle and waiting clients of each pool.
 * - grants_import_jobs{state}: import jobs started and not finished, completed, failed, read from
 *   the log at scrape time.
 * - Node's own (grants_process_*, grants_nodejs_*): memory, CPU, event-loop lag, GC.
 */

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'grants_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status: how long until the answer was sent',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly appends = new Counter({
    name: 'grants_event_store_appends_total',
    help: 'Appends to the event store by outcome (ok, duplicate: an idempotent retry, error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly appendedEvents = new Counter({
    name: 'grants_event_store_appended_events_total',
    help: 'Events written by appends (retries that wrote nothing count none)',
    registers: [this.registry],
  });
  private readonly appendDuration = new Histogram({
    name: 'grants_event_store_append_duration_seconds',
    help: 'How long an append took, group commit included',
    buckets: SECONDS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'grants_' });
  }

  /** The same store, its appends counted and timed. */
  instrumentStore<E extends EventShape>(store: EventStore<E>): EventStore<E> {
    return instrumentedStore(store, {
      appended: (outcome, events, seconds) => {
        this.appends.inc({ outcome });
        if (events > 0) this.appendedEvents.inc(events);
        this.appendDuration.observe(seconds);
      },
    });
  }

  /** Connections of each pool at scrape time. */
  watchPools(pools: Readonly<Record<string, pg.Pool>>): void {
    new Gauge({
      name: 'grants_db_pool_connections',
      help: 'Database pool clients: total (open), idle, waiting (requests queued for a connection)',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        for (const [pool, p] of Object.entries(pools)) {
          this.set({ pool, state: 'total' }, p.totalCount);
          this.set({ pool, state: 'idle' }, p.idleCount);
          this.set({ pool, state: 'waiting' }, p.waitingCount);
        }
      },
    });
  }

  /** Each projection generation's lag, read from its checkpoint at scrape time. */
  watchProjections(manager: Pick<ProjectionManager, 'status'>): void {
    let last: ReturnType<typeof manager.status> | undefined;
    // Both gauges are collected in one scrape: one status query serves them.
    const status = () => (last ??= manager.status().finally(() => setImmediate(() => (last = undefined))));
    const gauges = [
      ['grants_projection_lag_events', 'Committed events a projection generation has not applied yet (counted up to 100,000)', 'behind'],
      ['grants_projection_lag_seconds', 'Age of the oldest event a projection generation has not applied; 0 when caught up', 'lagSeconds'],
    ] as const;
    for (const [name, help, field] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ['projection', 'generation', 'status'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const g of await status()) this.set({ projection: g.projection, generation: g.generation, status: g.status }, g[field]);
        },
      });
    }
  }

  /** Import jobs by state, from the log at scrape time. */
  watchImportJobs(store: Pick<EventStore, 'queryEvents'>): void {
    const streamsWith = async (type: string) => {
      const streams = new Set<string>();
      let after: GlobalPosition = { transactionId: 0n, sequence: 0n };
      for (;;) {
        const page = await store.queryEvents({ streamType: 'importjob', type, after, limit: 1000 });
        for (const e of page) streams.add(e.streamId);
        if (page.length < 1000) return streams;
        after = page.at(-1)!.position;
      }
    };
    new Gauge({
      name: 'grants_import_jobs',
      help: 'Invoice import jobs by state: unfinished (queued or running), completed, failed',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const [started, completed, failed] = await Promise.all(
          ['ImportJobStarted.v1', 'ImportJobCompleted.v1', 'ImportJobFailed.v1'].map(streamsWith),
        );
        this.set({ state: 'unfinished' }, [...started!].filter((s) => !completed!.has(s) && !failed!.has(s)).length);
        this.set({ state: 'completed' }, completed!.size);
        this.set({ state: 'failed' }, failed!.size);
      },
    });
  }

  /** Times every request; the route is the operation's template (set by src/http/query.ts) or express's route. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer({ method: req.method });
      res.once('close', () => {
        const operation = res.locals.operation as { template?: string } | undefined;
        const expressRoute = (req as { route?: { path?: unknown } }).route?.path;
        const route = operation?.template ?? (typeof expressRoute === 'string' ? expressRoute : 'other');
        end({ route, status: res.writableFinished ? String(res.statusCode) : 'aborted' });
      });
      next();
    };
  }

  /**
   * `GET /metrics`. With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` may read
   * it (401 otherwise); unset, anyone who can reach the port may (see docs/operations.md).
   */
  handler(token: string | undefined): RequestHandler {
    const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
    return (req, res, next) => {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (expected && (given.length !== expected.length || !timingSafeEqual(given, expected))) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        return sendProblem(res, problem(401, 'unauthenticated', 'Authentication required', 'Send the metrics token as a bearer token'));
      }
      this.registry.metrics().then((text) => {
        res.type(this.registry.contentType).send(text);
      }, next);
    };
  }
}
