import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../errors.js';
import { assertFourEyesRule, fourEyesRule } from '../four-eyes.js';
import { defineStreamType } from '../stream.js';
import {
  indicatorEvents,
  type Evidence,
  type IndicatorDefinition,
  type IndicatorEvent,
  type IndicatorPlacement,
  type Qualifier,
} from './events.js';
import { definitionIssues, reportIssues, type ReportInput } from './rules.js';

/** One reported value and what the officer made of it. */
export interface ValueReport {
  report: number;
  value: number;
  asOfDate: string;
  qualifier: Qualifier;
  evidence: Evidence[];
  /** The earlier report this one corrects; null for a first report. */
  corrects: number | null;
  note: string | null;
  reportedAt: string;
  reportedBy: string;
  review:
    | { status: 'pending' }
    | { status: 'verified'; by: string; at: string; note: string | null }
    | { status: 'rejected'; by: string; at: string; reason: string };
}

export type Indicator =
  | { status: 'none' }
  | (IndicatorDefinition & {
      status: 'defined';
      indicatorId: string;
      on: IndicatorPlacement;
      definedAt: string;
      definedBy: string;
      reports: ValueReport[];
    });

export type IndicatorCommand =
  | Command<'DefineIndicator', IndicatorDefinition & { indicatorId: string; on: IndicatorPlacement }>
  | Command<'ReportValue', ReportInput & { qualifier: Qualifier; evidence: Evidence[]; note?: string }>
  | Command<'VerifyValue', { report: number; note?: string }>
  | Command<'RejectValue', { report: number; reason: string }>;

export const initialState: Indicator = { status: 'none' };

/** Four-eyes (četru acu princips) of a value's review: whoever reported the value does not review it, either way. */
export const indicatorFourEyes = {
  verify: fourEyesRule<ValueReport>('verify', (report) => ({ reported: report.reportedBy })),
  reject: fourEyesRule<ValueReport>('reject', (report) => ({ reported: report.reportedBy })),
};

export function decide(command: IndicatorCommand, state: Indicator): IndicatorEvent[] {
  const at = command.context.now.toISOString();
  const by = command.context.actor;
  if (command.type === 'DefineIndicator') {
    if (state.status !== 'none')
      throw new IllegalTransition(command.type, state.status, `Indicator ${state.indicatorId} is already defined`);
    const { indicatorId, on, ...definition } = command.data;
    assertValid(definitionIssues(on, definition));
    return [{ type: 'IndicatorDefined.v1', data: { indicatorId, on, ...definition, definedAt: at, definedBy: by } }];
  }
  if (state.status === 'none') throw new NotFound('Indicator', command.context.subject ?? '(unknown)');
  switch (command.type) {
    case 'ReportValue': {
      if (state.contributingProjects.length > 0) {
        throw new IllegalTransition(
          command.type,
          'summed',
          `Indicator ${state.indicatorId} is the sum of its contributing projects' values; report on their indicators`,
        );
      }
      const { value, asOfDate, qualifier, evidence, corrects, note } = command.data;
      assertValid(reportIssues(state, command.data, at.slice(0, 10), state.reports.length));
      const report = state.reports.length + 1;
      return [
        {
          type: 'IndicatorValueReported.v1',
          data: {
            report,
            value,
            asOfDate,
            qualifier,
            evidence,
            corrects: corrects ?? null,
            note: note ?? null,
            reportedAt: at,
            reportedBy: by,
          },
        },
      ];
    }
    case 'VerifyValue': {
      const report = pendingReport(command, state);
      assertFourEyesRule(indicatorFourEyes.verify, by, report);
      return [
        {
          type: 'IndicatorValueVerified.v1',
          data: { report: report.report, note: command.data.note ?? null, verifiedAt: at, verifiedBy: by },
        },
      ];
    }
    case 'RejectValue': {
      const report = pendingReport(command, state);
      assertFourEyesRule(indicatorFourEyes.reject, by, report);
      return [
        { type: 'IndicatorValueRejected.v1', data: { report: report.report, reason: command.data.reason, rejectedAt: at, rejectedBy: by } },
      ];
    }
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: Indicator, event: IndicatorEvent): Indicator {
  if (event.type === 'IndicatorDefined.v1') {
    const { definedAt, definedBy, ...definition } = event.data;
    return { status: 'defined', ...definition, definedAt, definedBy, reports: [] };
  }
  if (state.status === 'none') return state;
  const review = (n: number, r: ValueReport['review']) => ({
    ...state,
    reports: state.reports.map((x) => (x.report === n ? { ...x, review: r } : x)),
  });
  switch (event.type) {
    case 'IndicatorValueReported.v1':
      return { ...state, reports: [...state.reports, { ...event.data, review: { status: 'pending' } }] };
    case 'IndicatorValueVerified.v1':
      return review(event.data.report, { status: 'verified', by: event.data.verifiedBy, at: event.data.verifiedAt, note: event.data.note });
    case 'IndicatorValueRejected.v1':
      return review(event.data.report, {
        status: 'rejected',
        by: event.data.rejectedBy,
        at: event.data.rejectedAt,
        reason: event.data.reason,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

function pendingReport(
  command: Extract<IndicatorCommand, { type: 'VerifyValue' | 'RejectValue' }>,
  state: Extract<Indicator, { status: 'defined' }>,
): ValueReport {
  const report = state.reports.find((r) => r.report === command.data.report);
  if (!report) throw new NotFound(`Report ${command.data.report} of indicator`, state.indicatorId);
  if (report.review.status !== 'pending') {
    throw new IllegalTransition(command.type, report.review.status, `Report ${report.report} is already ${report.review.status}`);
  }
  return report;
}

function assertValid(issues: ReturnType<typeof definitionIssues>): void {
  if (issues.length > 0) throw new ValidationFailed(issues);
}

export const indicatorDecider: Decider<IndicatorCommand, IndicatorEvent, Indicator> = { decide, evolve, initialState };

/** An indicator (rādītājs) with its reported values: `indicator-<uuid>`. */
export const indicatorStream = defineStreamType({
  name: 'indicator',
  decider: indicatorDecider,
  events: indicatorEvents,
  // A programme-level indicator is reference data: it belongs to no project.
  projects: (state) => (state.status === 'defined' && state.on.level === 'project' ? [{ projectId: state.on.projectId }] : []),
});

export const indicatorStreamId = (indicatorId: string) => `indicator-${indicatorId}`;
