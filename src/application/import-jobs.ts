import { createHash, randomUUID } from 'node:crypto';
import { notFound } from '../auth/scope.js';
import { PreconditionFailed } from '../domain/errors.js';
import { importJobStream, importJobStreamId, type ImportJob } from '../domain/importjob/decider.js';
import type { ImportedRow } from '../domain/importjob/events.js';
import { alertIdsAsSeenBy } from './alert-audience.js';
import type { Budgets } from './budgets.js';
import type { Caller } from './caller.js';
import { on, type Loaded, type Outcome } from './command.js';
import { cursorCodec, cursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { importIssuesInSteps, importRead, readImport, type ImportFile, type InvoiceImport } from './invoice-import.js';
import { inSlices } from '../time-slices.js';
import { ImportJobRunner } from './import-job-runner.js';
import { pageOf, type Page, type PageRequest } from './page.js';
import { visibleProject } from './passports.js';

/*
 * Invoice import as a job. A file of at most IMPORT_SYNC_MAX_ROWS rows is imported within the
 * request, as before (201). A larger one is read and checked whole in the request, all or
 * nothing as before, and becomes an import job (202): its stream `importjob-<id>` holds the
 * validated rows in chunks, so from the moment it is answered the job needs neither the file nor
 * this process. The runner (src/application/import-job-runner.ts) stores the chunks in the
 * budget one append each and checks each for double funding; a file with problems becomes a job
 * that failed at once, naming every one.
 */

export type ExistingImportJob = Exclude<ImportJob, { status: 'none' }>;

/** Either the synchronous import's answer or the job the file became. */
export type ImportAnswer = { kind: 'imported'; imported: InvoiceImport } | { kind: 'job'; job: Outcome<ExistingImportJob> };

const rowsCursor = cursorCodec('import-job-invoices', ['int'] as const);

/** Import jobs of one process: starts them, shows them, and runs them through its runner. */
export class ImportJobs {
  readonly runner: ImportJobRunner;
  /** Where a job just started goes to run: this process's runner, or the background thread (src/service.ts). */
  runJob: (jobId: string) => void = (jobId) => this.runner.enqueue(jobId);
  /** Jobs as last seen, so a poll reads only what was stored since (a job holds up to 100,000 rows). */
  private readonly seen = new Map<string, Loaded<ExistingImportJob>>();

  constructor(
    private readonly deps: Deps,
    private readonly budgets: Budgets,
  ) {
    this.runner = new ImportJobRunner(deps, budgets, (jobId, loaded) => this.remember(jobId, loaded));
  }

  /** Imports a file within the request, or, above IMPORT_SYNC_MAX_ROWS rows, starts a job for it. */
  async importFile(caller: Caller, projectId: string, file: ImportFile): Promise<ImportAnswer> {
    const { config } = this.deps;
    const read = await readImport(file, config.IMPORT_MAX_ROWS);
    if (read.rowCount <= config.IMPORT_SYNC_MAX_ROWS)
      return { kind: 'imported', imported: await importRead(this.budgets, caller, projectId, read) };
    const budget = await this.budgets.get(caller, projectId);
    if (caller.ifMatch !== undefined && caller.ifMatch !== budget.version) throw new PreconditionFailed(caller.ifMatch, budget.version);
    // A retry with the Idempotency-Key finds the first request's job before a new id is drawn.
    const jobId = randomUUID();
    const streamId = importJobStreamId(jobId);
    const facts = {
      jobId,
      projectId,
      recipientOrg: budget.state.recipientOrg,
      file: {
        name: file.filename ?? null,
        format: read.format,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        bytes: file.bytes.length,
      },
      chunkRows: config.IMPORT_CHUNK_ROWS,
    };
    const { ifMatch: _budgetVersion, ...onJob } = caller;
    // Checked a slice of rows at a time (seconds for 100,000 rows), at the instant the job then starts.
    const now = this.deps.clock();
    const issues = await inSlices(importIssuesInSteps(read.interpreted, { now, actor: caller.user.id, subject: projectId }, budget.state));
    const outcome = await on(this.deps, importJobStream).execute(
      streamId,
      onJob,
      (context) =>
        issues.length
          ? { type: 'RefuseImportFile', data: { ...facts, rowCount: read.rowCount, issues }, context }
          : { type: 'StartImportJob', data: { ...facts, rows: read.interpreted.rows }, context },
      { subject: jobId, now },
    );
    const job = existing(outcome);
    if (!outcome.replayed) this.runJob(job.state.jobId);
    return { kind: 'job', job };
  }

  /** A job of a project the caller may see (404 otherwise, as for a job that does not exist). */
  async get(caller: Caller, projectId: string, jobId: string): Promise<Loaded<ExistingImportJob>> {
    await visibleProject(this.deps, caller.user, projectId);
    const job = await this.load(jobId);
    if (!job || job.state.projectId !== projectId) throw notFound('Import job', jobId);
    return job;
  }

  /** The job's imported rows in file order, a page at a time. */
  async invoices(caller: Caller, projectId: string, jobId: string, page: PageRequest): Promise<Page<ImportedRow>> {
    const { state } = await this.get(caller, projectId, jobId);
    const seal = cursorSeal(this.deps.config, caller.user);
    const after = page.cursor === undefined ? -1 : rowsCursor.decode(seal, page.cursor)[0];
    const rows: ImportedRow[] = [];
    for (const chunk of state.stored) {
      if (chunk.at(-1)!.row <= after) continue;
      for (const r of chunk) if (r.row > after && rows.length <= page.limit) rows.push(r);
      if (rows.length > page.limit) break;
    }
    const shownAs = await alertIdsAsSeenBy(this.deps, caller.user, [...new Set(rows.flatMap((r) => r.alertIds))]);
    const shown = rows.map((r) => ({ ...r, alertIds: r.alertIds.map((id) => shownAs.get(id)!) }));
    return pageOf(shown, page.limit, (last) => rowsCursor.encode(seal, [last.row]));
  }

  /** The job folded from what was seen before and what was stored since. */
  private async load(jobId: string): Promise<Loaded<ExistingImportJob> | null> {
    const known = this.seen.get(jobId);
    const streamId = importJobStreamId(jobId);
    const events = await on(this.deps, importJobStream).read(streamId, known ? { from: known.version + 1 } : {});
    if (!known && events.length === 0) return null;
    const state = events.reduce(importJobStream.decider.evolve, known?.state ?? importJobStream.decider.initialState);
    const loaded = existing({ state, version: events.at(-1)?.version ?? known!.version });
    this.remember(jobId, loaded);
    return loaded;
  }

  private remember(jobId: string, loaded: Loaded<ExistingImportJob>): void {
    const known = this.seen.get(jobId);
    if (known && known.version >= loaded.version) return;
    this.seen.delete(jobId);
    // A few recent jobs: each may hold 100,000 rows.
    if (this.seen.size >= 8) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(jobId, loaded);
  }
}

function existing<T extends Loaded<ImportJob>>(loaded: T): T & Loaded<ExistingImportJob> {
  if (loaded.state.status === 'none') throw new Error('an import job folded to nothing');
  return loaded as T & Loaded<ExistingImportJob>;
}
