import { visiblePassport, type Viewer } from '../auth/scope.js';
import { NotFound, ValidationFailed, type FieldIssue } from '../domain/errors.js';
import { indicatorDecider, indicatorStreamId, type Indicator, type IndicatorCommand } from '../domain/indicator/decider.js';
import type { IndicatorDefinition, IndicatorPlacement } from '../domain/indicator/events.js';
import type { ProgrammeRef } from '../domain/passport/content.js';
import { passportDecider, passportStreamId, type Passport } from '../domain/passport/decider.js';
import { programmeDecider, programmeStreamId } from '../domain/programme/decider.js';
import { programmeNodeDecider, programmeNodeStreamId } from '../domain/programme-node/decider.js';
import { FUNDED_KINDS } from '../domain/programme-node/rules.js';
import type { EventStore } from '../eventstore/port.js';
import { handleCommand, load, type Handled, type HandleOptions } from './handle-command.js';

/*
 * Indicators (rādītāji): the command handlers behind the REST controllers. Facts from other
 * streams — the investment, the project's passport — are loaded here and checked before the
 * pure decider runs; who may see a project follows src/auth/scope.ts.
 */

type Existing = Exclude<Indicator, { status: 'none' }>;

/** Defines an indicator on an investment or measure; contributing projects must belong to it. */
export async function defineInvestmentIndicator(
  store: EventStore,
  input: IndicatorDefinition & { indicatorId: string; investment: ProgrammeRef },
  options: HandleOptions<Indicator>,
): Promise<Handled<Indicator>> {
  const { investment, indicatorId, ...definition } = input;
  await requireInvestment(store, investment);
  const issues: FieldIssue[] = [];
  for (const [i, projectId] of definition.contributingProjects.entries()) {
    const { state } = await load(store, passportDecider, passportStreamId(projectId));
    if (state.status === 'none' || !sameInvestment(state.programme, investment)) {
      issues.push({ field: `contributingProjects.${i}`, message: `no project ${projectId} in investment ${investment.investment}` });
    }
  }
  if (issues.length) throw new ValidationFailed(issues);
  const on: IndicatorPlacement = { level: 'investment', ...investment };
  return run(store, indicatorId, { type: 'DefineIndicator', data: { indicatorId, on, ...definition } }, options);
}

/** Defines an indicator on a project the caller can see (a beneficiary: its own). */
export async function defineProjectIndicator(
  store: EventStore,
  viewer: Viewer,
  projectId: string,
  input: IndicatorDefinition & { indicatorId: string },
  options: HandleOptions<Indicator>,
): Promise<Handled<Indicator>> {
  const passport = await visibleProject(store, viewer, projectId);
  const { indicatorId, ...definition } = input;
  const on: IndicatorPlacement = { level: 'project', projectId, ...passport.programme };
  return run(store, indicatorId, { type: 'DefineIndicator', data: { indicatorId, on, ...definition } }, options);
}

/** Reports, verifies or rejects a value of an indicator the caller can see. */
export async function actOnIndicator(
  store: EventStore,
  viewer: Viewer,
  indicatorId: string,
  command: Pick<Exclude<IndicatorCommand, { type: 'DefineIndicator' }>, 'type' | 'data'>,
  options: HandleOptions<Indicator>,
): Promise<Handled<Indicator>> {
  await loadVisibleIndicator(store, viewer, indicatorId);
  return run(store, indicatorId, command as Pick<IndicatorCommand, 'type' | 'data'>, options);
}

/**
 * The indicator, if the viewer may see it: a beneficiary sees only indicators of its own
 * projects; an investment's indicators (which sum other organisations' projects) answer 404.
 */
export async function loadVisibleIndicator(
  store: EventStore,
  viewer: Viewer,
  indicatorId: string,
): Promise<{ state: Existing; version: number }> {
  const { state, version } = await load(store, indicatorDecider, indicatorStreamId(indicatorId));
  if (state.status === 'none') throw new NotFound('Indicator', indicatorId);
  if (viewer.role === 'beneficiary') {
    if (state.on.level !== 'project') throw new NotFound('Indicator', indicatorId);
    try {
      await visibleProject(store, viewer, state.on.projectId);
    } catch (err) {
      if (err instanceof NotFound) throw new NotFound('Indicator', indicatorId);
      throw err;
    }
  }
  return { state, version };
}

/** The project's passport; 404 if it does not exist or, to a beneficiary, belongs to another organisation. */
export async function visibleProject(store: EventStore, viewer: Viewer, projectId: string): Promise<Exclude<Passport, { status: 'none' }>> {
  const { state } = await load(store, passportDecider, passportStreamId(projectId));
  return visiblePassport(viewer, projectId, state);
}

function run(store: EventStore, indicatorId: string, command: Pick<IndicatorCommand, 'type' | 'data'>, options: HandleOptions<Indicator>) {
  const context = { now: new Date(), actor: options.metadata.actor, subject: indicatorId };
  return handleCommand(store, indicatorDecider, indicatorStreamId(indicatorId), { ...command, context } as IndicatorCommand, options);
}

async function requireInvestment(store: EventStore, ref: ProgrammeRef): Promise<void> {
  const { state: programme } = await load(store, programmeDecider, programmeStreamId({ code: ref.programme, period: ref.period }));
  if (programme.status !== 'active' || programme.fund !== ref.fund) {
    throw new ValidationFailed([
      { field: 'investment.programme', message: `there is no active programme ${ref.programme} ${ref.period} of fund ${ref.fund}` },
    ]);
  }
  const { state: node } = await load(
    store,
    programmeNodeDecider,
    programmeNodeStreamId({ programme: ref.programme, period: ref.period, code: ref.investment }),
  );
  if (node.status !== 'active' || !FUNDED_KINDS.includes(node.kind)) {
    throw new ValidationFailed([
      {
        field: 'investment.investment',
        message: `there is no active investment or measure ${ref.investment} in ${ref.programme} ${ref.period}`,
      },
    ]);
  }
}

const sameInvestment = (a: ProgrammeRef, b: ProgrammeRef) =>
  a.fund === b.fund && a.programme === b.programme && a.period === b.period && a.investment === b.investment;
