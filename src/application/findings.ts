import type { Viewer } from '../auth/scope.js';
import { NotFound, ValidationFailed } from '../domain/errors.js';
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

/** What the caller of a command about an existing finding gives; cost lines are looked up here. */
export type FindingAction =
  | Pick<Extract<FindingCommand, { type: 'RespondToFinding' | 'SetCorrectiveAction' | 'RecordFollowUp' | 'CloseFinding' }>, 'type' | 'data'>
  | { type: 'ApplyFinancialCorrection'; data: { amountCents: number; costLine: string; reason: string } };

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
      throw new ValidationFailed([{ field: 'concerns.indicatorId', message: `indicator ${indicatorId} is not an indicator of project ${input.projectId}` }]);
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
  const { passport } = await loadVisibleFinding(store, viewer, findingId);
  const command =
    action.type === 'ApplyFinancialCorrection'
      ? { type: action.type, data: { ...action.data, projectCostLines: costLinesInForce(passport) } }
      : action;
  return run(store, findingId, command, options);
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
