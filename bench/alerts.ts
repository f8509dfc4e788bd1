import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { keepFactsPlanned } from '../projections/double-funding/facts.js';
import { doubleFundingProjection } from '../projections/double-funding/projection.js';
import {
  alertCounts,
  alertsAtSubmission,
  alertsForProject,
  queryAlerts,
  type AlertFilter,
  type AlertSort,
  type DuplicateAlertView,
} from '../projections/double-funding/queries.js';
import type { Caller } from '../src/application/caller.js';
import { loadConfig } from '../src/config.js';
import { threadOf } from '../src/background-thread.js';
import { createService } from '../src/service.js';
import { normaliseInvoiceNumber } from '../src/domain/budget/content.js';
import type { BudgetEvent } from '../src/domain/budget/events.js';
import { createEventRegistry } from '../src/domain/events.js';
import type { NewEvent } from '../src/eventstore/port.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../src/projection-engine/manager.js';
import type { RunnerData } from './alerts-runner.js';
import { intFromEnv, prng, round, type Benchmark } from './support.js';

const metadata = {
  actor: 'bench.loader',
  organisation: '90009963334',
  role: 'beneficiary',
  roles: ['beneficiary'],
  correlationId: randomUUID(),
  causationId: null,
  requestId: randomUUID(),
};
const T = '2024-01-15T09:00:00.000Z';
const NEAR_DAYS = 5;
/** Queue pages and checks slower than this are logged (BENCH_LOG=info), with what they asked. */
const SLOW_MS = intFromEnv('SLOW_MS', 25);

interface Invoice {
  projectId: string;
  invoiceId: string;
  supplier: string;
  number: string;
  date: string;
  net: number;
  vat: number;
  gross: number;
  costLine: string;
  fund: 'RRF' | 'ERDF';
}

/**
 * Suppliers, invoice numbers, amounts and dates shaped like a real programme: a few big
 * suppliers bill very often (the n-th supplier's share falls like u², the largest of 20,000
 * gets ~0.7 % of all invoices), amounts are mostly arbitrary with some round monthly fees, dates over 2022–2026.
 */
class Generator {
  readonly rnd = prng(42);
  private readonly counters: Int32Array;
  constructor(readonly suppliers: number) {
    this.counters = new Int32Array(suppliers);
  }
  supplier(): string {
    return String(40000000000 + Math.floor(this.suppliers * this.rnd() ** 2));
  }
  invoice(projectId: string, fund: 'RRF' | 'ERDF'): Invoice {
    const supplier = this.supplier();
    const s = Number(supplier) - 40000000000;
    const year = 2022 + Math.floor(this.rnd() * 5);
    const day = new Date(Date.UTC(year, 0, 1 + Math.floor(this.rnd() * 365)));
    const net =
      this.rnd() < 0.15 ? [50_000, 100_000, 250_000, 1_000_000][Math.floor(this.rnd() * 4)]! : 10_000 + Math.floor(this.rnd() * 4_990_000);
    const vat = Math.round(net * 0.21);
    const number = `${String.fromCharCode(65 + (s % 26))}${String.fromCharCode(65 + ((s >> 5) % 26))}-${year}/${String(++this.counters[s]!).padStart(6, '0')}`;
    return {
      projectId,
      invoiceId: randomUUID(),
      supplier,
      number,
      date: day.toISOString().slice(0, 10),
      net,
      vat,
      gross: net + vat,
      costLine: String(1 + Math.floor(this.rnd() * 3)),
      fund,
    };
  }
}

const invoiceEvent = (i: Invoice): BudgetEvent => ({
  type: 'InvoiceSubmitted.v1',
  data: {
    supplierRegNo: i.supplier,
    number: i.number,
    date: i.date,
    netCents: i.net,
    vatCents: i.vat,
    grossCents: i.gross,
    costLine: i.costLine,
    allocations: [{ fund: i.fund, cents: i.gross }],
    invoiceId: i.invoiceId,
    normalisedNumber: normaliseInvoiceNumber(i.number),
    submittedAt: T,
    submittedBy: 'anna',
  },
});

/**
 * One budget stream: opened (RRF or ERDF; four projects per recipient, two in each fund, sharing
 * the output of cost line 1 so rule 5 can fire; one in ten with VAT from the state budget),
 * its invoices, a claim per ten invoices (claiming the gross, so VAT twice where the state pays
 * VAT) and a verification of every other claimed invoice. Now and then an invoice is one
 * already declared in another project (`pool`): a true duplicate.
 */
function budgetStream(
  g: Generator,
  p: number,
  invoices: number,
  pool: Invoice[],
  planted: { n: number },
): { projectId: string; events: BudgetEvent[] } {
  const projectId = randomUUID();
  const fund = p % 2 === 0 ? 'RRF' : 'ERDF';
  const recipient = String(90000000000 + Math.floor(p / 4));
  const vatSource = p % 10 === 3 ? 'state_budget' : 'own';
  const events: BudgetEvent[] = [
    {
      type: 'BudgetOpened.v1',
      data: {
        projectId,
        passportVersion: 1,
        programme:
          fund === 'RRF'
            ? { fund, programme: 'ANM', period: '2021-2026', investment: '2.1.2.1.i' }
            : { fund, programme: 'ESIF', period: '2021-2027', investment: '1.3.1.1' },
        recipientOrg: recipient,
        costLines: ['1', '2', '3'].map((code) => ({
          code,
          output: code === '1' ? `Informācijas sistēma ${Math.floor(p / 4)}` : `Rezultāts ${p}.${code}`,
          indicativeCents: 1e11,
          maximumCents: null,
          vatable: true,
        })),
        totalCents: 3e11,
        vatCents: 0,
        vatSource,
        vatRecoverable: false,
        advanceCents: 0,
        shares: [{ fund, cents: 3e11 }],
        openedAt: T,
        openedBy: 'janis',
      },
    },
  ];
  let claim: Invoice[] = [];
  for (let k = 0; k < invoices; k++) {
    let inv = g.invoice(projectId, fund);
    if (pool.length > 100 && g.rnd() < 0.002) {
      const original = pool[Math.floor(g.rnd() * pool.length)]!;
      if (original.projectId !== projectId) {
        inv = { ...original, projectId, invoiceId: randomUUID(), fund, number: original.number.toLowerCase().replace('/', ' ') };
        planted.n++;
      }
    }
    if (pool.length < 20_000) pool.push(inv);
    else if (g.rnd() < 0.02) pool[Math.floor(g.rnd() * pool.length)] = inv;
    events.push(invoiceEvent(inv));
    claim.push(inv);
    if (claim.length === 10) {
      const claimId = randomUUID();
      const items = claim.map((c) => ({
        invoiceId: c.invoiceId,
        cents: c.gross,
        supplierRegNo: c.supplier,
        normalisedNumber: normaliseInvoiceNumber(c.number),
      }));
      events.push({
        type: 'PaymentClaimSubmitted.v1',
        data: {
          claimId,
          kind: 'interim',
          periodFrom: '2022-01-01',
          periodTo: '2026-12-31',
          items,
          requestedCents: items.reduce((n, i) => n + i.cents, 0),
          submittedAt: T,
          submittedBy: 'anna',
        },
      });
      for (const c of claim.filter((_, i) => i % 2 === 0)) {
        events.push({
          type: 'InvoiceVerified.v1',
          data: { claimId, invoiceId: c.invoiceId, eligibleCents: c.gross, ineligibleCents: 0, verifiedAt: T, verifiedBy: 'janis' },
        });
      }
      claim = [];
    }
  }
  return { projectId, events };
}

/** Up to 20,000 invoices already in the log, as the load would have kept them for copies. */
async function sampledInvoices(pool: pg.Pool): Promise<Invoice[]> {
  const { rows } = await pool.query<{ stream_id: string; payload: BudgetEvent['data'] & Record<string, unknown> }>(
    `select stream_id, payload from es_events tablesample system (2) where type = 'InvoiceSubmitted.v1' limit 20000`,
  );
  return rows.map(({ stream_id, payload: p }) => ({
    projectId: stream_id.slice('budget-'.length),
    invoiceId: p.invoiceId as string,
    supplier: p.supplierRegNo as string,
    number: p.number as string,
    date: p.date as string,
    net: p.netCents as number,
    vat: p.vatCents as number,
    gross: p.grossCents as number,
    costLine: p.costLine as string,
    fund: (p.allocations as { fund: 'RRF' | 'ERDF' }[])[0]!.fund,
  }));
}

/** The live runner's thread (bench/alerts-runner.ts), started as the service starts its background thread. */
async function startRunner(data: RunnerData): Promise<{ stop(): Promise<void> }> {
  const worker = threadOf(new URL('./alerts-runner.ts', import.meta.url), data);
  const next = () =>
    new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  await next();
  return {
    async stop() {
      const stopped = next();
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

const percentile = (sorted: number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;

/**
 * The double-funding alerts at scale. Loads PROJECTS budgets with INVOICES invoices over
 * SUPPLIERS suppliers (plus claims and verifications) straight into the store in stream appends
 * of APPEND_SIZE, LOADERS at a time; builds the double-funding read model (its alerts included)
 * from zero; ANALYZE; then, with the projection runner live as in the service:
 *  - QUEUE_PAGES pages of the officers' queue (`GET /double-funding/alerts`: the page and its
 *    counts, as the application reads them) under random filters, sorts and cursors;
 *  - DECISIONS confirmations and dismissals of open alerts through the application layer
 *    (load the alert, load its stream, decide, append), as `POST …/confirm|dismiss` runs them;
 *  - CHECKS submit-time checks: appends one new invoice to a random project (DUPLICATES per cent
 *    of them a copy, renumbered in form, of an invoice already declared elsewhere) and times
 *    `alertsAtSubmission` exactly as the application calls it, after WARMUP untimed ones;
 *    `lost` = copies the check did not flag as same_invoice;
 *  - PROJECT_VIEWS per-project views (`alertsForProject`).
 */
export const alerts: Benchmark = async ({ url, pool, log }) => {
  const projectCount = intFromEnv('PROJECTS', 20_000);
  const invoiceCount = intFromEnv('INVOICES', 1_000_000);
  const supplierCount = intFromEnv('SUPPLIERS', Math.max(100, Math.round(invoiceCount / 50)));
  const checks = intFromEnv('CHECKS', 1000);
  const queuePages = intFromEnv('QUEUE_PAGES', 1000);
  const decisions = intFromEnv('DECISIONS', 300);
  const duplicateShare = intFromEnv('DUPLICATES', 20) / 100;
  const appendSize = intFromEnv('APPEND_SIZE', 500);
  const warmup = process.env.WARMUP === '0' ? 0 : intFromEnv('WARMUP', 50);
  const store = new PostgresEventStore(pool, createEventRegistry(), { writers: 4 });
  const g = new Generator(supplierCount);
  const sample: Invoice[] = [];
  const planted = { n: 0 };

  let t = performance.now();
  let events = 0;
  // A database a run kept (BENCH_DATABASE) is measured as it stands: its invoices are sampled from the log instead of loaded.
  const { rows: stored } = await pool.query<{ n: string }>(`select count(*) as n from es_events where stream_type = 'budget'`);
  if (Number(stored[0]!.n) > 0) {
    events = Number(stored[0]!.n);
    sample.push(...(await sampledInvoices(pool)));
    log.info({ events, sampled: sample.length }, 'reusing the invoices already stored');
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: intFromEnv('LOADERS', 4) }, async () => {
        for (let p = next++; p < projectCount; p = next++) {
          const n = Math.floor(invoiceCount / projectCount) + (p < invoiceCount % projectCount ? 1 : 0);
          const { projectId, events: budget } = budgetStream(g, p, n, sample, planted);
          const stream = budget.map((e): NewEvent<BudgetEvent> => ({ ...e, metadata }));
          for (let v = 0; v < stream.length; v += appendSize) {
            await store.append(`budget-${projectId}`, stream.slice(v, v + appendSize), { expectedVersion: v });
          }
          events += stream.length;
          if (p % 1000 === 999) log.info({ projects: p + 1, events, seconds: round((performance.now() - t) / 1000) }, 'loading');
        }
      }),
    );
  }
  const loadSeconds = (performance.now() - t) / 1000;
  log.info({ events, plantedInLoad: planted.n, seconds: round(loadSeconds) }, 'loaded');

  const projection = doubleFundingProjection(NEAR_DAYS);
  // The application layer as the service wires it (its own projection runners off: this bench's runner keeps the read model).
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: url,
    PROJECTIONS_ENABLED: 'false',
    BACKGROUND_THREAD: 'false',
    DUPCHECK_NEAR_DAYS: String(NEAR_DAYS),
  });
  const manager = new ProjectionManager(pool, store, [projection], {
    batchSize: 5000,
    pollMs: 500,
    settleMs: config.PROJECTION_SETTLE_MS,
    logger: log,
    listenUrl: url,
  });
  await manager.prepare();
  t = performance.now();
  await manager.catchUp();
  const catchUpSeconds = (performance.now() - t) / 1000;
  log.info({ seconds: round(catchUpSeconds) }, 'double-funding read model (facts and alerts) built from zero');
  await pool.query('analyze');
  const { rows: sizes } = await pool.query<{ mb: string }>(`select round(pg_database_size(current_database()) / 1e6) as mb`);
  const { rows: counted } = await pool.query<{ n: string }>('select count(*) as n from df_alerts');
  const alertCount = Number(counted[0]!.n);

  // Live, as in the service: the runner, in a thread of its own at a lower priority, applies each new event shortly after its append.
  const runner = await startRunner({ url, nearDays: NEAR_DAYS, settleMs: config.PROJECTION_SETTLE_MS });
  const projectIds = (await pool.query<{ project_id: string }>('select project_id from df_budgets')).rows.map((r) => r.project_id);
  const service = await createService(config, log, url);
  const { doubleFunding } = service.application;
  const officer: Caller = {
    user: { id: 'bench.officer', name: 'Bench Officer', organisation: '90000000001', roles: ['officer'], role: 'officer' },
    requestId: randomUUID(),
    correlationId: randomUUID(),
  };

  // The queue: random filters as an officer combines them, each sort, and the next pages by cursor.
  const { rows: facets } = await pool.query<{ organisations: string[]; investments: string[]; suppliers: string[] }>(
    'select organisations, investments, suppliers from df_alerts order by random() limit 200',
  );
  const queueTimings: number[] = [];
  let queueRows = 0;
  for (let i = -warmup; i < queuePages; i++) {
    const f = facets[Math.floor(g.rnd() * facets.length)];
    const filter: AlertFilter = {};
    if (g.rnd() < 0.7) filter.status = 'open';
    if (g.rnd() < 0.3)
      filter.rule = (['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope'] as const)[i % 5];
    if (g.rnd() < 0.3) filter.fund = g.rnd() < 0.5 ? 'RRF' : 'ERDF';
    if (f && g.rnd() < 0.2) filter.organisation = f.organisations[0];
    if (f && g.rnd() < 0.1) filter.investment = f.investments[0];
    if (f && g.rnd() < 0.1) filter.supplier = f.suppliers[0];
    if (g.rnd() < 0.2) filter.minAmountCents = 1_000_000;
    const sort: AlertSort = (['rule', 'amount', 'newest'] as const)[Math.floor(g.rnd() * 3)]!;
    const t0 = performance.now();
    let page = await doubleFunding.list(filter, sort, undefined, { limit: 50 });
    // One in four reads the next page too, by its cursor.
    if (page.nextCursor && g.rnd() < 0.25) page = await doubleFunding.list(filter, sort, undefined, { limit: 50, cursor: page.nextCursor });
    const ms = performance.now() - t0;
    if (i >= 0) queueTimings.push(ms);
    if (ms > SLOW_MS) log.info({ filter, sort, ms: round(ms) }, 'slow queue page');
    queueRows += page.items.length;
  }

  // Decisions: open alerts confirmed or dismissed through the application layer.
  const open: DuplicateAlertView[] = await queryAlerts(pool, { filter: { status: 'open' }, sort: 'amount', limit: decisions + warmup });
  const decisionTimings: number[] = [];
  for (const [i, alert] of open.entries()) {
    const t0 = performance.now();
    if (i % 2 === 0) await doubleFunding.confirm(officer, alert.alertId, { reason: 'Rēķins deklarēts divos projektos' });
    else await doubleFunding.dismiss(officer, alert.alertId, 'Divas atsevišķas piegādes; pavadzīmes pārbaudītas');
    if (i >= warmup) decisionTimings.push(performance.now() - t0);
  }
  const { rows: decided } = await pool.query<{ n: string }>(`select count(*) as n from es_events where stream_type = 'dupalert'`);

  // As the service does at start: the check's statement planned on every connection of the pool.
  await keepFactsPlanned(pool, 'read_model_and_tail', 16);
  const timings: number[] = [];
  let raised = 0;
  let duplicates = 0;
  let lost = 0;
  let tailMax = 0;
  try {
    // The first checks on each pooled connection also prepare and plan the statement, as a
    // freshly started service does for its first requests: WARMUP of them are left out of the timings.
    for (let i = -warmup; i < checks; i++) {
      const projectId = projectIds[Math.floor(g.rnd() * projectIds.length)]!;
      const original = sample[Math.floor(g.rnd() * sample.length)]!;
      const copy = g.rnd() < duplicateShare && original.projectId !== projectId;
      // A copy is the same invoice (same supplier and number, written differently) declared again in another project.
      const inv = copy
        ? { ...original, projectId, invoiceId: randomUUID(), number: original.number.replace('-', ' ') }
        : g.invoice(projectId, 'RRF');
      const { eventIds } = await store.append(`budget-${projectId}`, [{ ...invoiceEvent(inv), metadata }], { expectedVersion: 'any' });
      const t0 = performance.now();
      const found = await alertsAtSubmission(pool, [inv.supplier], eventIds, NEAR_DAYS);
      const ms = performance.now() - t0;
      if (i >= 0) timings.push(ms);
      if (ms > SLOW_MS) log.info({ found: found.length, copy, ms: round(ms) }, 'slow submit-time check');
      raised += found.length;
      if (copy) {
        duplicates++;
        if (!found.some((a) => a.rule === 'same_invoice')) lost++;
      }
      if (i % 100 === 0) {
        const s = await manager.status();
        tailMax = Math.max(tailMax, ...s.map((x) => x.behind));
      }
    }
    // The read model keeps up: every alert raised at submission is a row of the queue once the runner has caught up.
    await manager.catchUp();
  } finally {
    await runner.stop();
  }
  const projectTimings: number[] = [];
  let projectAlerts = 0;
  for (let i = 0; i < intFromEnv('PROJECT_VIEWS', 100); i++) {
    const t0 = performance.now();
    projectAlerts += (await alertsForProject(pool, projectIds[Math.floor(g.rnd() * projectIds.length)]!, NEAR_DAYS)).length;
    projectTimings.push(performance.now() - t0);
  }
  const counts = await alertCounts(pool, {});
  await service.close();
  await store.close();
  const p = (xs: number[], q: number) =>
    round(
      percentile(
        [...xs].sort((a, b) => a - b),
        q,
      ),
    );
  log.info({ p50: p(timings, 0.5), p99: p(timings, 0.99) }, 'submit-time check, ms');
  return {
    bench: 'alerts',
    projects: projectCount,
    suppliers: supplierCount,
    events,
    seconds: round(loadSeconds + catchUpSeconds),
    events_per_s: Math.round(events / loadSeconds),
    load_seconds: round(loadSeconds),
    catch_up_seconds: round(catchUpSeconds),
    database_mb: Number(sizes[0]?.mb ?? 0),
    queue_pages: queueTimings.length,
    queue_rows: queueRows,
    queue_page_p50_ms: p(queueTimings, 0.5),
    decisions: decisionTimings.length,
    decided_events: Number(decided[0]!.n),
    decision_p50_ms: p(decisionTimings, 0.5),
    checks,
    warmup,
    submit_check_p50_ms: p(timings, 0.5),
    submit_alerts_raised: raised,
    duplicates_checked: duplicates,
    planted_in_load: planted.n,
    tail_max_events: tailMax,
    alerts_after: counts.byStatus.open + counts.byStatus.confirmed + counts.byStatus.dismissed,
    project_view_p50_ms: p(projectTimings, 0.5),
    project_view_p99_ms: p(projectTimings, 0.99),
    project_view_alerts: projectAlerts,
    lost,
    duplicated: 0,
    // The figures, last.
    invoices: invoiceCount,
    alerts: alertCount,
    queue_page_p99_ms: p(queueTimings, 0.99),
    decision_p99_ms: p(decisionTimings, 0.99),
    submit_check_p99_ms: p(timings, 0.99),
  };
};
