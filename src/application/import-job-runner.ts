import { setImmediate as yieldToRequests, setTimeout as sleep } from 'node:timers/promises';
import { budgetStream, budgetStreamId, type Budget } from '../domain/budget/decider.js';
import { fold, type CommandContext } from '../domain/decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../domain/errors.js';
import { uuidV5 } from '../domain/ids.js';
import type { ImportIssue } from '../domain/budget/import.js';
import { acceptedRows, importJobStream, importJobStreamId, type ImportJob, type ImportJobCommand } from '../domain/importjob/decider.js';
import type { AcceptedRow } from '../domain/importjob/events.js';
import { logged } from '../db/errors.js';
import { ConcurrencyError } from '../eventstore/errors.js';
import type { GlobalPosition } from '../eventstore/position.js';
import type { Budgets } from './budgets.js';
import type { Caller } from './caller.js';
import { on, type Loaded } from './command.js';
import type { Deps } from './deps.js';
import { alertIdsByEvent } from './invoice-import.js';
import { tailLength } from '../../projections/double-funding/queries.js';
import { causedBy } from './workflows.js';

type RunningJob = Exclude<ImportJob, { status: 'none' }>;
/** The command that records a chunk (or fails the job), given its context. */
type JobStep = (context: CommandContext) => ImportJobCommand;

/** Namespace of the ids of the events an import job stores (a fixed random UUID). */
const EVENT_NAMESPACE = '8d2f4a60-1b3c-4e7d-a9f5-6c0e2b8d4f17';
/** The longest a chunk waits for the double-funding read model (see readModelNear). */
const TAIL_WAIT_MS = 5000;
/** How often unfinished jobs are looked for, beside those started here (another instance may have stopped mid-job). */
const RESCAN_MS = 30_000;

/**
 * Runs import jobs in the service process: every unfinished job at start (and every
 * {@link RESCAN_MS}), and each new one at once. A job is stored chunk by chunk, each chunk one
 * append to the budget under event ids derived from the job and the row, then checked for
 * double funding and recorded on the job. Exactly once, whatever stops it where:
 *
 * - a PostgreSQL advisory lock per job, held on a connection of its own while it runs, keeps two
 *   instances from running one job (the lock goes with the connection if the process dies);
 * - a chunk appended to the budget but not recorded on the job (stopped in between) is offered
 *   again with the same ids: the store recognises them and answers with what it stored then;
 * - the budget is loaded once per run and evolved with what each chunk appended, loaded again
 *   only when someone else wrote to it in between (a version conflict);
 * - between chunks the loop yields to the requests waiting, and on stop it ends after the
 *   chunk in hand, leaving the rest to the next start.
 */
export class ImportJobRunner {
  private active = false;
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: Deps,
    private readonly budgets: Budgets,
    private readonly progressed: (jobId: string, job: Loaded<RunningJob>) => void,
  ) {}

  /** Picks up every unfinished job, and from now on runs jobs as they are started. */
  async start(): Promise<void> {
    this.active = true;
    await this.rescan();
    this.timer = setInterval(
      () => void this.rescan().catch((err: unknown) => this.deps.logger.warn(logged(err), 'import jobs rescan failed')),
      RESCAN_MS,
    );
    this.timer.unref();
  }

  /** Lets the chunks in hand finish, then returns; the jobs' rest waits for the next start. */
  async stop(): Promise<void> {
    this.active = false;
    clearInterval(this.timer);
    await Promise.all(this.running.values());
  }

  /** Runs the job unless it is running here already (or this process runs no jobs). */
  enqueue(jobId: string): void {
    if (!this.active || this.running.has(jobId)) return;
    const done = this.runUntilDone(jobId).finally(() => this.running.delete(jobId));
    this.running.set(jobId, done);
  }

  private async rescan(): Promise<void> {
    const [started, completed, failed] = await Promise.all(
      ['ImportJobStarted.v1', 'ImportJobCompleted.v1', 'ImportJobFailed.v1'].map((type) => this.streamsWith(type)),
    );
    for (const streamId of started!) {
      if (!completed!.has(streamId) && !failed!.has(streamId)) this.enqueue(streamId.slice(`${importJobStream.name}-`.length));
    }
  }

  /** The import-job streams holding an event of this type. */
  private async streamsWith(type: string): Promise<Set<string>> {
    const streams = new Set<string>();
    let after: GlobalPosition = { transactionId: 0n, sequence: 0n };
    for (;;) {
      const page = await this.deps.store.queryEvents({ streamType: importJobStream.name, type, after, limit: 1000 });
      for (const e of page) streams.add(e.streamId);
      if (page.length < 1000) return streams;
      after = page.at(-1)!.position;
    }
  }

  /** Runs the job; a failure that is not the job's own (the database gone a while) is retried with a backoff. */
  private async runUntilDone(jobId: string): Promise<void> {
    const log = this.deps.logger.child({ importJob: jobId });
    for (let backoff = 100; this.active; backoff = Math.min(backoff * 2, 5000)) {
      try {
        await this.runLocked(jobId);
        return;
      } catch (err) {
        log.error(logged(err), 'import job step failed; retrying');
        await sleep(backoff);
      }
    }
  }

  private async runLocked(jobId: string): Promise<void> {
    const client = await this.deps.pool.connect();
    let locked = false;
    try {
      // Session-level, on this connection: it takes no transaction id, so readers of the log are not held back.
      const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext('importjob'), hashtext($1)) as ok`, [
        jobId,
      ]);
      locked = rows[0]?.ok === true;
      if (locked) await this.run(jobId);
    } finally {
      if (locked) await client.query(`select pg_advisory_unlock(hashtext('importjob'), hashtext($1))`, [jobId]).catch(() => undefined);
      client.release();
    }
  }

  private async run(jobId: string): Promise<void> {
    const jobs = on(this.deps, importJobStream);
    const streamId = importJobStreamId(jobId);
    const events = await jobs.read(streamId);
    const first = events[0];
    if (!first) return;
    const state = fold(importJobStream.decider, importJobStream.decider.initialState, events);
    if (state.status === 'none') return;
    let job: Loaded<RunningJob> = { state, version: events.at(-1)!.version };
    const caller = causedBy(first);
    const budgetId = budgetStreamId(job.state.projectId);
    let budget = await on(this.deps, budgetStream).load(budgetId);
    // One chunk after the other: checking a chunk for double funding while the next was appended made both
    // slower on a 2-core machine (the check reads the log's tail, which the concurrent append lengthens).
    const record = async ({ chunk, command }: { chunk: number; command: Promise<JobStep> }) => {
      const t = performance.now();
      const recorded = await jobs.execute(streamId, caller, await command, {
        loaded: job,
        subject: jobId,
        eventIds: (i) => uuidV5(EVENT_NAMESPACE, `${jobId}:v${job.version + 1 + i}`),
      });
      if (recorded.state.status === 'none') throw new Error(`${streamId} folded to nothing after a command`);
      job = { state: recorded.state, version: recorded.version };
      this.progressed(jobId, job);
      this.deps.logger.debug({ importJob: jobId, chunk, waitedMs: Math.round(performance.now() - t) }, 'import chunk recorded');
    };
    let stopped = job.state.status !== 'queued' && job.state.status !== 'running';
    for (let chunk = job.state.stored.length; !stopped && this.active && chunk < job.state.chunks.length; chunk++) {
      const rows = acceptedRows(job.state, chunk);
      const eventIds = rows.map((r) => uuidV5(EVENT_NAMESPACE, `${jobId}:${r.row}`));
      let command: Promise<JobStep>;
      try {
        budget = await this.appendChunk(budgetId, caller, rows, eventIds, budget, job.state.projectId);
        await this.readModelNear(rows.length);
        command = this.checked(chunk, rows, eventIds, budget.version);
      } catch (err) {
        const issues = refusal(err);
        if (!issues) throw err;
        command = Promise.resolve((context) => ({ type: 'FailImportJob', data: { issues }, context }));
        stopped = true;
      }
      await record({ chunk, command });
      await yieldToRequests();
    }
  }

  /**
   * Waits (a while at most) until the double-funding read model is at most two chunks behind:
   * the check reads the log's tail beside it, and a tail of many chunks made each check take
   * seconds. Two, not zero, so storing the next chunk overlaps with the runner applying this one.
   */
  private async readModelNear(chunkRows: number): Promise<void> {
    if (this.deps.config.EVENT_STORE !== 'postgres') return;
    const cap = 2 * chunkRows;
    for (const until = Date.now() + TAIL_WAIT_MS; Date.now() < until; await sleep(25)) {
      if ((await tailLength(this.deps.pool, cap + 1)) <= cap) return;
    }
  }

  /** The chunk's double-funding check, and the record of the chunk it makes. */
  private async checked(chunk: number, rows: AcceptedRow[], eventIds: string[], budgetVersion: number): Promise<JobStep> {
    const suppliers = [...new Set(rows.map((r) => r.invoice.supplierRegNo))];
    const t = performance.now();
    const alerts = alertIdsByEvent(await this.budgets.alerts(suppliers, eventIds));
    this.deps.logger.debug({ chunk, alertsMs: Math.round(performance.now() - t) }, 'import chunk checked');
    const invoices = rows.map((r, i) => ({
      row: r.row,
      invoiceId: r.invoice.invoiceId,
      number: r.invoice.number,
      alertIds: alerts.get(eventIds[i]!) ?? [],
    }));
    return (context) => ({ type: 'RecordImportChunk', data: { chunk, budgetVersion, invoices }, context });
  }

  /** One chunk in one append, on the budget as last seen; loaded again when someone else wrote to it meanwhile. */
  private async appendChunk(
    budgetId: string,
    caller: Caller,
    rows: AcceptedRow[],
    eventIds: string[],
    seen: Loaded<Budget>,
    projectId: string,
  ): Promise<Loaded<Budget>> {
    const budgets = on(this.deps, budgetStream);
    let loaded = seen;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await budgets.execute(budgetId, caller, (context) => ({ type: 'ImportInvoices', data: { rows }, context }), {
          loaded,
          subject: projectId,
          eventIds: (i) => eventIds[i]!,
        });
        return { state: outcome.state, version: outcome.version };
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= 10) throw err;
        loaded = await budgets.load(budgetId);
      }
    }
  }
}

/** Why the budget refused a chunk, as the file's problems; null for a failure that is not the chunk's (retried). */
function refusal(err: unknown): ImportIssue[] | null {
  if (err instanceof ValidationFailed) {
    return err.issues.map((i) => {
      const m = /^rows\.(\d+)\.(.+)$/.exec(i.field);
      return m ? { row: Number(m[1]), column: m[2]!, reason: i.message } : { row: null, column: null, reason: i.message };
    });
  }
  if (err instanceof IllegalTransition || err instanceof NotFound) return [{ row: null, column: null, reason: err.message }];
  return null;
}
