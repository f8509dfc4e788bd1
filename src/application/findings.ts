import type { Viewer } from '../auth/scope.js';
import type { FinancialCorrectionInput } from '../domain/budget/content.js';
import { findingCorrectionId, sameCorrection } from '../domain/budget/correction.js';
import { budgetDecider, budgetStreamId } from '../domain/budget/decider.js';
import { IllegalTransition, NotFound, PreconditionFailed, ValidationFailed } from '../domain/errors.js';
import { findingDecider, findingStreamId, type Finding, type FindingCommand, type RaiseFindingInput } from '../domain/finding/decider.js';
import type { Passport } from '../domain/passport/decider.js';
import type { EventStore } from '../eventstore/port.js';
import { handleCommand, load, type Handled, type HandleOptions } from './handle-command.js';
import { loadVisibleIndicator, visibleProject } from './indicators.js';

/*
 * Audit findings (revīzijas konstatējumi): the command handlers behind the REST controllers.
 * Who may see a finding follows its project (src/auth/scope.ts): a beneficiary reaches only
 * findings on projects where its organisation is the recipient or a partner; to it, any
 * other finding answers 404 exactly like a missing one.
 */

type Existing = Exclude<Finding, { status: 'none' }>;

/** What the caller of a command about an existing finding gives (financial corrections: {@link correctFinding}). */
export type FindingAction = Pick<
  Extract<FindingCommand, { type: 'RespondToFinding' | 'SetCorrectiveAction' | 'RecordFollowUp' | 'CloseFinding' }>,
  'type' | 'data'
>;

/**
 * Raises a finding on a project the caller can see (404 otherwise, and for a project that
 * does not exist); an indicator it names must exist, be visible and belong to that project.
 */
export async function raiseFinding(
  store: EventStore,
  viewer: Viewer,
  input: RaiseFindingInput,
  options: HandleOptions<Finding>,
): Promise<Handled<Finding>> {
  await visibleProject(store, viewer, input.projectId);
  const { indicatorId } = input.concerns;
  if (indicatorId !== null) {
    const { state } = await loadVisibleIndicator(store, viewer, indicatorId);
    if (state.on.level !== 'project' || state.on.projectId !== input.projectId) {
      throw new ValidationFailed([
        { field: 'concerns.indicatorId', message: `indicator ${indicatorId} is not an indicator of project ${input.projectId}` },
      ]);
    }
  }
  return run(store, input.findingId, { type: 'RaiseFinding', data: input }, options);
}

/** Responds to, acts on, follows up or closes a finding the caller can see. */
export async function actOnFinding(
  store: EventStore,
  viewer: Viewer,
  findingId: string,
  action: FindingAction,
  options: HandleOptions<Finding>,
): Promise<Handled<Finding>> {
  await loadVisibleFinding(store, viewer, findingId);
  return run(store, findingId, action, options);
}

/**
 * A finding's financial correction, booked on the project's budget and recorded on the
 * finding. Two streams cannot share one transaction, so the order makes a retry safe: the
 * budget first, under a correction id derived from (finding, correction number); then the
 * finding, naming that id. A request that stopped between the two leaves the budget ahead;
 * its retry finds its correction already booked (the budget books nothing twice) and only
 * completes the finding. A different request arriving in that state first records the booked
 * correction on the finding, then books its own as the next one, so budget and finding agree.
 * Finding-side refusals (closed, unknown cost line) are checked before anything is booked.
 */
export async function correctFinding(
  store: EventStore,
  viewer: Viewer,
  findingId: string,
  input: FinancialCorrectionInput,
  options: HandleOptions<Finding>,
): Promise<Handled<Finding>> {
  if (options.idempotency) {
    const first = await store.findIdempotentResult(options.idempotency.key, options.idempotency.fingerprint);
    if (first) return { ...(await load(store, findingDecider, first.streamId, first.nextVersion)), replayed: true };
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const { state, version, passport } = await loadVisibleFinding(store, viewer, findingId);
    if (options.ifMatch !== undefined && options.ifMatch !== version) throw new PreconditionFailed(options.ifMatch, version);
    const correctionId = findingCorrectionId(findingId, state.corrections.length + 1);
    const onFinding = (c: { amountCents: number; costLine: string; reason: string }) => ({
      type: 'ApplyFinancialCorrection' as const,
      data: {
        amountCents: c.amountCents,
        costLine: c.costLine,
        reason: c.reason,
        projectCostLines: costLinesInForce(passport),
        budgetCorrectionId: correctionId,
      },
    });
    const context = { now: new Date(), actor: options.metadata.actor, subject: findingId };
    findingDecider.decide({ ...onFinding(input), context }, state); // throws what the finding would refuse

    const budgetStream = budgetStreamId(state.projectId);
    const budget = await load(store, budgetDecider, budgetStream);
    if (budget.state.status === 'none') {
      throw new IllegalTransition(
        'ApplyFinancialCorrection',
        'no_budget',
        `project ${state.projectId} has no open budget: a financial correction is booked on the budget, so an officer must first open it from the approved passport (POST /projects/${state.projectId}/budget)`,
      );
    }
    const source = { kind: 'finding' as const, findingId };
    const booked = budget.state.corrections[correctionId];
    if (booked && !sameCorrection(booked, { ...input, correctionId, source })) {
      // An earlier request booked this one and stopped before the finding recorded it.
      await run(store, findingId, onFinding(booked), { metadata: options.metadata });
      continue;
    }
    // The budget event that caused the finding's: just appended (its version is known), or, on
    // the rare retry that finds it booked already, looked for in the stream.
    let causedBy;
    if (booked) {
      causedBy = (await store.readStream(budgetStream)).find(
        (e) => e.type === 'FinancialCorrectionBooked.v1' && (e.data as { correctionId: string }).correctionId === correctionId,
      );
    } else {
      const { version: at } = await handleCommand(
        store,
        budgetDecider,
        budgetStream,
        { type: 'ApplyFinancialCorrection', data: { ...input, correctionId, source }, context: { ...context, subject: state.projectId } },
        { metadata: options.metadata },
      );
      [causedBy] = await store.readStream(budgetStream, { from: at, to: at });
    }
    return run(store, findingId, onFinding(input), { ...options, metadata: { ...options.metadata, causationId: causedBy?.id ?? null } });
  }
  throw new IllegalTransition(
    'ApplyFinancialCorrection',
    'busy',
    `finding ${findingId} kept changing while its correction was recorded; try again`,
  );
}

/** The finding and its project's passport, if the viewer may see the project. */
export async function loadVisibleFinding(
  store: EventStore,
  viewer: Viewer,
  findingId: string,
): Promise<{ state: Existing; version: number; passport: Exclude<Passport, { status: 'none' }> }> {
  const { state, version } = await load(store, findingDecider, findingStreamId(findingId));
  if (state.status === 'none') throw new NotFound('Finding', findingId);
  try {
    return { state, version, passport: await visibleProject(store, viewer, state.projectId) };
  } catch (err) {
    if (err instanceof NotFound) throw new NotFound('Finding', findingId);
    throw err;
  }
}

/** Cost line codes of the approved version, or of the working content before any approval. */
function costLinesInForce(passport: Exclude<Passport, { status: 'none' }>): string[] {
  const inForce = passport.versions.find((v) => v.version === passport.approvedVersion)?.sections ?? passport.sections;
  return (inForce.financing?.costLines ?? []).map((l) => l.code);
}

function run(store: EventStore, findingId: string, command: Pick<FindingCommand, 'type' | 'data'>, options: HandleOptions<Finding>) {
  const context = { now: new Date(), actor: options.metadata.actor, subject: findingId };
  return handleCommand(store, findingDecider, findingStreamId(findingId), { ...command, context } as FindingCommand, options);
}
