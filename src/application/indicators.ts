import { randomUUID } from 'node:crypto';
import { progressAsOf } from '../../projections/progress/queries.js';
import type { IndicatorProgress } from '../../projections/progress/evaluate.js';
import { notFound, reachedAs, type Viewer } from '../auth/scope.js';
import type { CommandContext } from '../domain/decider.js';
import { ValidationFailed, type FieldIssue } from '../domain/errors.js';
import { indicatorStream, indicatorStreamId, type Indicator, type IndicatorCommand } from '../domain/indicator/decider.js';
import type { Evidence, IndicatorDefinition, IndicatorPlacement, Qualifier } from '../domain/indicator/events.js';
import type { ReportInput } from '../domain/indicator/rules.js';
import type { ProgrammeRef } from '../domain/passport/content.js';
import { passportStream, passportStreamId } from '../domain/passport/decider.js';
import { programmeStream, programmeStreamId } from '../domain/programme/decider.js';
import { programmeNodeStream, programmeNodeStreamId } from '../domain/programme-node/decider.js';
import { FUNDED_KINDS } from '../domain/programme-node/rules.js';
import type { Caller } from './caller.js';
import { load, loadAsOf, notYetAt, on, type Loaded, type Outcome } from './command.js';
import type { Deps } from './deps.js';
import { visibleProject } from './passports.js';

/** An indicator that exists. */
export type DefinedIndicator = Exclude<Indicator, { status: 'none' }>;

export interface ValueReportInput extends ReportInput {
  qualifier: Qualifier;
  evidence: Evidence[];
  note?: string;
}

/**
 * Indicators (rādītāji): milestones and targets of an investment, measure or project, their
 * reported values and the officers' verification (four-eyes). Facts from other streams — the
 * investment, the project's passport — are loaded here and checked before the pure decider runs.
 */
export class Indicators {
  constructor(private readonly deps: Deps) {}

  /** Defines an indicator on an investment or measure; contributing projects must belong to it. */
  async defineForInvestment(caller: Caller, investment: ProgrammeRef, definition: IndicatorDefinition): Promise<Outcome<DefinedIndicator>> {
    await this.requireInvestment(investment);
    const issues: FieldIssue[] = [];
    for (const [i, projectId] of definition.contributingProjects.entries()) {
      const { state } = await load(this.deps.store, passportStream, passportStreamId(projectId));
      if (state.status === 'none' || !sameInvestment(state.programme, investment)) {
        issues.push({ field: `contributingProjects.${i}`, message: `no project ${projectId} in investment ${investment.investment}` });
      }
    }
    if (issues.length) throw new ValidationFailed(issues);
    return this.define(caller, { level: 'investment', ...investment }, definition);
  }

  /** Defines an indicator on a project the caller can see (a beneficiary: its own). */
  async defineForProject(caller: Caller, projectId: string, definition: IndicatorDefinition): Promise<Outcome<DefinedIndicator>> {
    const { state: passport } = await visibleProject(this.deps, caller.user, projectId);
    return this.define(caller, { level: 'project', projectId, ...passport.programme }, definition);
  }

  /**
   * The indicator as it stood at `asOf` (default: now, everything stored) with its progress as
   * the system knew it then. Who may see it is decided as for the current read; an indicator
   * with nothing recorded by `asOf` answers 404.
   */
  async get(caller: Caller, indicatorId: string, asOf?: Date): Promise<Loaded<DefinedIndicator> & { progress?: IndicatorProgress }> {
    let loaded = await this.visible(caller.user, indicatorId);
    if (asOf !== undefined) {
      const { state, version } = await loadAsOf(this.deps.store, indicatorStream, indicatorStreamId(indicatorId), asOf);
      if (state.status === 'none') throw notYetAt('Indicator', indicatorId, asOf);
      loaded = { state, version };
    }
    const { indicators } = await progressAsOf(this.deps.orm, { asOf: asOf ?? this.deps.clock(), indicatorId }, null);
    const progress = indicators.find((p) => p.indicatorId === indicatorId);
    return { ...loaded, ...(progress ? { progress } : {}) };
  }

  report(caller: Caller, indicatorId: string, input: ValueReportInput) {
    return this.act(caller, indicatorId, (context) => ({ type: 'ReportValue', data: input, context }));
  }

  /** Four-eyes: the officer verifying must not be the one who reported. */
  verify(caller: Caller, indicatorId: string, report: number, note?: string) {
    return this.act(caller, indicatorId, (context) => ({
      type: 'VerifyValue',
      data: { report, ...(note !== undefined ? { note } : {}) },
      context,
    }));
  }

  reject(caller: Caller, indicatorId: string, report: number, reason: string) {
    return this.act(caller, indicatorId, (context) => ({ type: 'RejectValue', data: { report, reason }, context }));
  }

  /**
   * The indicator, if the viewer may see it: a beneficiary sees only indicators of its own
   * projects; an investment's indicators (which sum other organisations' projects) answer 404.
   */
  async visible(viewer: Viewer, indicatorId: string): Promise<Loaded<DefinedIndicator>> {
    const { state, version } = await load(this.deps.store, indicatorStream, indicatorStreamId(indicatorId));
    if (state.status === 'none') throw notFound('Indicator', indicatorId);
    if (viewer.role === 'beneficiary') {
      const { on: placement } = state;
      if (placement.level !== 'project') throw notFound('Indicator', indicatorId);
      await reachedAs('Indicator', indicatorId, () => visibleProject(this.deps, viewer, placement.projectId));
    }
    return { state, version };
  }

  private define(caller: Caller, on: IndicatorPlacement, definition: IndicatorDefinition): Promise<Outcome<DefinedIndicator>> {
    const indicatorId = randomUUID();
    return this.run(caller, indicatorId, (context) => ({ type: 'DefineIndicator', data: { indicatorId, on, ...definition }, context }));
  }

  /** A report, verification or rejection on an indicator the caller can see. */
  private async act(caller: Caller, indicatorId: string, command: (context: CommandContext) => IndicatorCommand) {
    await this.visible(caller.user, indicatorId);
    return this.run(caller, indicatorId, command);
  }

  private async run(caller: Caller, indicatorId: string, command: (context: CommandContext) => IndicatorCommand) {
    const outcome = await on(this.deps, indicatorStream).execute(indicatorStreamId(indicatorId), caller, command, { subject: indicatorId });
    const { state } = outcome;
    if (state.status === 'none') throw notFound('Indicator', indicatorId);
    return { ...outcome, state };
  }

  private async requireInvestment(ref: ProgrammeRef): Promise<void> {
    const { state: programme } = await load(
      this.deps.store,
      programmeStream,
      programmeStreamId({ code: ref.programme, period: ref.period }),
    );
    if (programme.status !== 'active' || programme.fund !== ref.fund) {
      throw new ValidationFailed([
        { field: 'investment.programme', message: `there is no active programme ${ref.programme} ${ref.period} of fund ${ref.fund}` },
      ]);
    }
    const key = { programme: ref.programme, period: ref.period, code: ref.investment };
    const { state: node } = await load(this.deps.store, programmeNodeStream, programmeNodeStreamId(key));
    if (node.status !== 'active' || !FUNDED_KINDS.includes(node.kind)) {
      throw new ValidationFailed([
        {
          field: 'investment.investment',
          message: `there is no active investment or measure ${ref.investment} in ${ref.programme} ${ref.period}`,
        },
      ]);
    }
  }
}

const sameInvestment = (a: ProgrammeRef, b: ProgrammeRef) =>
  a.fund === b.fund && a.programme === b.programme && a.period === b.period && a.investment === b.investment;
