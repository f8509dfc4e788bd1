import { randomUUID } from 'node:crypto';
import { listFindings, type FindingListQuery } from '../../projections/findings/queries.js';
import type { FindingRow } from '../../projections/findings/entity.js';
import { notFound, projectListScope, reachedAs, type Viewer } from '../auth/scope.js';
import type { FinancialCorrectionInput } from '../domain/budget/content.js';
import { findingCorrectionId } from '../domain/budget/correction.js';
import { budgetStream, budgetStreamId } from '../domain/budget/decider.js';
import type { CommandContext } from '../domain/decider.js';
import { PreconditionFailed, ValidationFailed } from '../domain/errors.js';
import { isOverdue } from '../domain/finding/rules.js';
import {
  findingDecider,
  findingStream,
  findingStreamId,
  type Finding,
  type FindingCommand,
  type RaiseFindingInput,
} from '../domain/finding/decider.js';
import type { Caller } from './caller.js';
import { load, loadAsOf, notYetAt, on, readOwn, type Loaded, type Outcome } from './command.js';
import { cursorCodec, cursorSeal, type CursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { inForce } from './budgets.js';
import { pageOf, type Page, type PageRequest } from './page.js';
import { visibleProject, type ExistingPassport } from './passports.js';
import type { Indicators } from './indicators.js';
import { recordBookedCorrection } from './workflows.js';

const FINDINGS_CURSOR = cursorCodec('findings', ['instant', 'uuid']);

/**
 * `raisedAt` is the service's clock, `recordedAt` the database's: a finding raised this long
 * after an instant is still folded to see whether it was recorded by then.
 */
const CLOCK_SKEW_MS = 60_000;
/** Findings read from the list read model at a time when the list is asked as of an instant. */
const AS_OF_BATCH = 100;
/** Streams folded at once for it. */
const AS_OF_PARALLEL = 10;

/** A finding that exists. */
export type ExistingFinding = Exclude<Finding, { status: 'none' }>;

/** What the caller gives to raise a finding; the id is drawn here. */
export type RaiseFinding = Omit<RaiseFindingInput, 'findingId'>;

/** What the caller gives for a step on an existing finding (financial corrections: {@link Findings.financialCorrection}). */
export type FindingStep = Extract<FindingCommand, { type: 'RespondToFinding' | 'SetCorrectiveAction' | 'RecordFollowUp' | 'CloseFinding' }>;

/**
 * Audit findings (revīzijas konstatējumi). Who may see a finding follows its project: a
 * beneficiary reaches only findings on projects where its organisation is the recipient or a
 * partner; to it, any other finding answers 404 exactly like a missing one.
 *
 * Four-eyes on findings (četru acu princips): a finding's financial correction is applied by
 * someone other than the person who raised it, and a finding is closed by someone who neither
 * raised it nor recorded the follow-up the closure rests on.
 */
export class Findings {
  constructor(
    private readonly deps: Deps,
    private readonly indicators: Indicators,
  ) {}

  /** Raises a finding on a project the caller can see; an indicator it names must be one of that project's. */
  async raise(caller: Caller, input: RaiseFinding): Promise<Outcome<ExistingFinding>> {
    await visibleProject(this.deps, caller.user, input.projectId);
    const { indicatorId } = input.concerns;
    if (indicatorId !== null) {
      const { state } = await this.indicators.visible(caller.user, indicatorId);
      if (state.on.level !== 'project' || state.on.projectId !== input.projectId) {
        throw new ValidationFailed([
          { field: 'concerns.indicatorId', message: `indicator ${indicatorId} is not an indicator of project ${input.projectId}` },
        ]);
      }
    }
    const findingId = randomUUID();
    return this.run(caller, findingId, (context) => ({ type: 'RaiseFinding', data: { ...input, findingId }, context }));
  }

  /**
   * The finding as it stood at `asOf` (default: now, everything stored). Who may see it is
   * decided as for the current read; a finding with nothing recorded by `asOf` answers 404.
   */
  async get(caller: Caller, findingId: string, asOf?: Date): Promise<Loaded<ExistingFinding>> {
    const { state, version } = await this.visible(caller.user, findingId);
    if (asOf === undefined) return { state, version };
    const then = await loadAsOf(this.deps.store, findingStream, findingStreamId(findingId), asOf);
    if (then.state.status === 'none') throw notYetAt('Finding', findingId, asOf);
    return { state: then.state, version: then.version };
  }

  /**
   * Findings in the order raised (then by id), keyset-paged; a beneficiary's scope is part of the
   * query, so it applies before the limit and a cursor positions only within what it may see.
   */
  async list(caller: Caller, filter: Omit<FindingListQuery, 'after' | 'limit'>, page: PageRequest): Promise<Page<FindingRow>> {
    const seal = cursorSeal(this.deps.config, caller.user);
    const after = afterCursor(seal, page.cursor);
    const rows = await listFindings(
      this.deps.orm,
      { ...filter, ...(after ? { after } : {}), limit: page.limit + 1 },
      projectListScope(caller.user),
    );
    return pageOf(rows, page.limit, (r) => FINDINGS_CURSOR.encode(seal, [r.raisedAt.toISOString(), r.findingId]));
  }

  /**
   * The findings list as it stood at `asOf`, in the same order, with the same filters, scope
   * and cursors as {@link list}: each finding is folded from its stream's events recorded at
   * or before `asOf`, so what was recorded later (a closure, a response, a finding raised
   * after) cannot change the answer; status and `overdueOn` (default: `asOf`'s day) filter
   * the folded state. Which findings there are comes from the list read model (findings are
   * never removed; project, category, severity and reportability never change), so a finding
   * raised in the very last moments before `asOf` is listed once the read model has caught up.
   */
  async listAsOf(
    caller: Caller,
    filter: Omit<FindingListQuery, 'after' | 'limit'>,
    page: PageRequest,
    asOf: Date,
  ): Promise<Page<Loaded<ExistingFinding>>> {
    const { status, overdueOn, ...fixed } = filter;
    const scope = projectListScope(caller.user);
    const horizon = asOf.getTime() + CLOCK_SKEW_MS;
    const found: Loaded<ExistingFinding>[] = [];
    const seal = cursorSeal(this.deps.config, caller.user);
    let after = afterCursor(seal, page.cursor);
    scan: for (;;) {
      const rows = await listFindings(this.deps.orm, { ...fixed, ...(after ? { after } : {}), limit: AS_OF_BATCH }, scope);
      const candidates = rows.filter((r) => r.raisedAt.getTime() <= horizon);
      for (let i = 0; i < candidates.length; i += AS_OF_PARALLEL) {
        const folded = await Promise.all(
          candidates.slice(i, i + AS_OF_PARALLEL).map((r) => loadAsOf(this.deps.store, findingStream, findingStreamId(r.findingId), asOf)),
        );
        for (const { state, version } of folded) {
          if (state.status === 'none') continue;
          if (status !== undefined && state.status !== status) continue;
          const deadline = 'correctiveAction' in state ? state.correctiveAction.deadline : null;
          if (overdueOn !== undefined && !isOverdue(deadline, state.status === 'closed', overdueOn)) continue;
          found.push({ state, version });
          if (found.length > page.limit) break scan;
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < AS_OF_BATCH || candidates.length < rows.length) break;
      after = { raisedAt: last.raisedAt.toISOString(), findingId: last.findingId };
    }
    return pageOf(found, page.limit, (f) => FINDINGS_CURSOR.encode(seal, [new Date(f.state.raisedAt).toISOString(), f.state.findingId]));
  }

  /** Responds to, acts on, follows up or closes a finding the caller can see. */
  async act(caller: Caller, findingId: string, step: (context: CommandContext) => FindingStep): Promise<Outcome<ExistingFinding>> {
    await this.visible(caller.user, findingId);
    return this.run(caller, findingId, step);
  }

  /**
   * A finding's financial correction: booked on the project's budget, then recorded on the
   * finding (src/application/workflows.ts). What the finding refuses (closed, four-eyes, a cost
   * line the passport lacks) and what the budget refuses (no budget, more than verified eligible)
   * are refused before anything is stored. The budget booking carries the Idempotency-Key: a
   * retry finds it and only completes the finding.
   */
  async financialCorrection(caller: Caller, findingId: string, input: FinancialCorrectionInput): Promise<Outcome<ExistingFinding>> {
    const { state: finding, version, passport } = await this.visible(caller.user, findingId);
    const budgetId = budgetStreamId(finding.projectId);
    if (caller.idempotency) {
      const first = await this.deps.store.findIdempotentResult(caller.idempotency.key, caller.idempotency.fingerprint);
      if (first) return { ...(await this.recordBooking(budgetId, first.nextVersion)), replayed: true };
    }
    if (caller.ifMatch !== undefined && caller.ifMatch !== version) throw new PreconditionFailed(caller.ifMatch, version);
    const { state: budget } = await load(this.deps.store, budgetStream, budgetId);
    const booked =
      budget.status === 'open'
        ? Object.values(budget.corrections).filter((c) => c.source.kind === 'finding' && c.source.findingId === findingId)
        : [];
    // A booking an earlier request left unrecorded is recorded first, so finding and budget list corrections in one order.
    const unrecorded = booked.filter((c) => !finding.corrections.some((r) => r.budgetCorrectionId === c.correctionId));
    for (const c of unrecorded) await this.recordBooking(budgetId, await this.versionOf(budgetId, c.correctionId));
    const correctionId = findingCorrectionId(findingId, booked.length + 1);
    const { amountCents, costLine, reason } = input;
    findingDecider.decide(
      {
        type: 'ApplyFinancialCorrection',
        data: { budgetCorrectionId: correctionId, amountCents, costLine, reason, projectCostLines: costLinesInForce(passport) },
        context: { now: this.deps.clock(), actor: caller.user.id, subject: findingId },
      },
      finding,
    );
    // The If-Match was the finding's, checked above; the Idempotency-Key goes with the booking, the first step.
    const { ifMatch: _finding, ...onBudgetCaller } = caller;
    const onBudget = await on(this.deps, budgetStream).execute(
      budgetId,
      onBudgetCaller,
      (context) => ({
        type: 'ApplyFinancialCorrection',
        data: { ...input, correctionId, source: { kind: 'finding', findingId } },
        context,
      }),
      { subject: finding.projectId },
    );
    return { ...(await this.recordBooking(budgetId, onBudget.version)), replayed: onBudget.replayed };
  }

  /** The finding, if the viewer may see its project, and the project's passport. */
  async visible(viewer: Viewer, findingId: string): Promise<Loaded<ExistingFinding> & { passport: ExistingPassport }> {
    const { state, version } = await load(this.deps.store, findingStream, findingStreamId(findingId));
    if (state.status === 'none') throw notFound('Finding', findingId);
    const passport = await reachedAs('Finding', findingId, () => visibleProject(this.deps, viewer, state.projectId));
    return { state, version, passport: passport.state };
  }

  /** Records on its finding the correction booked at `version` of the budget (the workflow's second step). */
  private async recordBooking(budgetId: string, version: number): Promise<Outcome<ExistingFinding>> {
    const [event] = await readOwn(this.deps.store, budgetStream, budgetId, { from: version, to: version });
    if (event?.type !== 'FinancialCorrectionBooked.v1') throw new Error(`${budgetId} has no financial correction at version ${version}`);
    return recordBookedCorrection(this.deps, event);
  }

  /** The budget version at which a correction was booked (a rare path: only for bookings a stopped request left unrecorded). */
  private async versionOf(budgetId: string, correctionId: string): Promise<number> {
    const events = await readOwn(this.deps.store, budgetStream, budgetId);
    const event = events.find((e) => e.type === 'FinancialCorrectionBooked.v1' && e.data.correctionId === correctionId);
    if (!event) throw new Error(`${budgetId} has no correction ${correctionId}`);
    return event.version;
  }

  private async run(
    caller: Caller,
    findingId: string,
    command: (context: CommandContext) => FindingCommand,
  ): Promise<Outcome<ExistingFinding>> {
    const outcome = await on(this.deps, findingStream).execute(findingStreamId(findingId), caller, command, { subject: findingId });
    const { state } = outcome;
    if (state.status === 'none') throw notFound('Finding', findingId);
    return { ...outcome, state };
  }
}

/** Cost line codes of the approved version, or of the working content before any approval. */
function costLinesInForce(passport: ExistingPassport): string[] {
  return (inForce(passport).financing?.costLines ?? []).map((l) => l.code);
}

/** Where a findings cursor positions the list: after this (raisedAt, findingId). */
function afterCursor(seal: CursorSeal, cursor: string | undefined): { raisedAt: string; findingId: string } | undefined {
  if (cursor === undefined) return undefined;
  const [raisedAt, findingId] = FINDINGS_CURSOR.decode(seal, cursor);
  return { raisedAt, findingId };
}
