import { isDeepStrictEqual } from 'node:util';
import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { assertFourEyesRule, fourEyesRule } from '../four-eyes.js';
import { defineStreamType } from '../stream.js';
import { IllegalTransition, NotFound, ValidationFailed, type FieldIssue } from '../errors.js';
import {
  findingEvents,
  type FindingCategory,
  type FindingConcerns,
  type FindingEvent,
  type FollowUpOutcome,
  type Severity,
} from './events.js';
import { amountIssues, isReportableIrregularity } from './rules.js';

/** The beneficiary's answer to the finding (finansējuma saņēmēja viedoklis). */
export interface BeneficiaryResponse {
  response: string;
  /** Registration number of the organisation that answered. */
  organisation: string;
  respondedAt: string;
  respondedBy: string;
}

/** What the beneficiary must do, and by when (korektīvā darbība). */
export interface CorrectiveAction {
  action: string;
  /** `YYYY-MM-DD`; overdue from the next day while the finding is not closed. */
  deadline: string;
  setAt: string;
  setBy: string;
}

export interface FollowUp {
  outcome: FollowUpOutcome;
  note: string;
  recordedAt: string;
  recordedBy: string;
}

/** Finanšu korekcija: money taken off the project's eligible costs because of the finding. */
export interface FinancialCorrection {
  correction: number;
  amountCents: number;
  /** The passport cost line (e.g. `4.3`) the correction is charged to. */
  costLine: string;
  reason: string;
  /** The same correction on the project's budget stream; absent on corrections from before budgets were streams. */
  budgetCorrectionId?: string;
  appliedAt: string;
  appliedBy: string;
}

interface Common {
  findingId: string;
  projectId: string;
  concerns: FindingConcerns;
  category: FindingCategory;
  severity: Severity;
  /** Amount at risk (finanšu ietekme), euro cents. */
  amountAtRiskCents: number;
  /** The EU funds' part of the amount at risk, euro cents. */
  euShareCents: number;
  /** EU share above EUR 10,000: reported onwards as an irregularity (neatbilstība). */
  reportableIrregularity: boolean;
  description: string;
  raisedAt: string;
  raisedBy: string;
  response: BeneficiaryResponse | null;
  /** Every follow-up in the order recorded, also those before a revised corrective action. */
  followUps: FollowUp[];
  corrections: FinancialCorrection[];
}

/**
 * Revīzijas konstatējums. `action_required`: a corrective action is set and nothing has been
 * followed up since; `followed_up`: at least one follow-up since it, so it may be closed.
 */
export type Finding =
  | { status: 'none' }
  | (Common & { status: 'open' })
  | (Common & { status: 'responded' })
  | (Common & { status: 'action_required'; correctiveAction: CorrectiveAction })
  | (Common & { status: 'followed_up'; correctiveAction: CorrectiveAction })
  | (Common & { status: 'closed'; correctiveAction: CorrectiveAction; conclusion: string; closedAt: string; closedBy: string });

export interface RaiseFindingInput {
  findingId: string;
  projectId: string;
  concerns: FindingConcerns;
  category: FindingCategory;
  severity: Severity;
  amountAtRiskCents: number;
  euShareCents: number;
  description: string;
}

/** A financial correction as the budget booked it, to be recorded on the finding that caused it. */
export interface BookedCorrection {
  budgetCorrectionId: string;
  amountCents: number;
  costLine: string;
  reason: string;
}

export type FindingCommand =
  | Command<'RaiseFinding', RaiseFindingInput>
  | Command<'RespondToFinding', { response: string; organisation: string }>
  | Command<'SetCorrectiveAction', { action: string; deadline: string }>
  | Command<'RecordFollowUp', { outcome: FollowUpOutcome; note: string }>
  /**
   * Asks for a financial correction, before it is booked on the budget: what the finding
   * itself refuses (closed, four-eyes, an unknown cost line) is refused here.
   * `projectCostLines`: the codes of the project passport's cost lines, to check `costLine` against.
   */
  | Command<'ApplyFinancialCorrection', BookedCorrection & { projectCostLines: readonly string[] }>
  /**
   * Records a correction the budget has booked for this finding. It is a fact by then, so it is
   * recorded whatever the finding's state (also if it was closed in between); recording the same
   * budget correction again records nothing.
   */
  | Command<'RecordBookedCorrection', BookedCorrection>
  | Command<'CloseFinding', { conclusion: string }>;

export const initialState: Finding = { status: 'none' };

/** A finding that has been raised. */
export type RaisedFinding = Exclude<Finding, { status: 'none' }>;

/** Four-eyes (četru acu princips) of a finding: who took the steps each decision checks. */
export const findingFourEyes = {
  /** The money consequence of a finding is decided by a second person, not by the one who raised it. */
  correct: fourEyesRule<RaisedFinding>('apply a financial correction to', (f) => ({ raised: f.raisedBy })),
  /** Closure is signed off by someone who neither raised the finding nor recorded the follow-up it rests on. */
  close: fourEyesRule<RaisedFinding>('close', (f) => ({ raised: f.raisedBy, 'followed up': f.followUps.at(-1)?.recordedBy })),
};

export function decide(command: FindingCommand, state: Finding): FindingEvent[] {
  const at = command.context.now.toISOString();
  const by = command.context.actor;
  if (command.type === 'RaiseFinding') {
    const d = command.data;
    if (state.status !== 'none') {
      // The same finding raised again by the same person (a retry, a workflow resumed) changes nothing.
      if (isSameRaise(state, d, by)) return [];
      throw new IllegalTransition(command.type, state.status, `Finding ${state.findingId} is already raised`);
    }
    assertValid(amountIssues(d.amountAtRiskCents, d.euShareCents));
    return [
      {
        type: 'FindingRaised.v1',
        data: { ...d, reportableIrregularity: isReportableIrregularity(d.euShareCents), raisedAt: at, raisedBy: by },
      },
    ];
  }
  if (state.status === 'none') throw new NotFound('Finding', command.context.subject ?? '(unknown)');
  if (command.type === 'RecordBookedCorrection') {
    const { budgetCorrectionId, amountCents, costLine, reason } = command.data;
    if (state.corrections.some((c) => c.budgetCorrectionId === budgetCorrectionId)) return [];
    const correction = state.corrections.length + 1;
    return [
      {
        type: 'FinancialCorrectionApplied.v1',
        data: { correction, amountCents, costLine, reason, budgetCorrectionId, appliedAt: at, appliedBy: by },
      },
    ];
  }
  if (state.status === 'closed') {
    throw new IllegalTransition(command.type, state.status, `Finding ${state.findingId} was closed on ${state.closedAt.slice(0, 10)}`);
  }
  switch (command.type) {
    case 'RespondToFinding':
      if (state.response) {
        throw new IllegalTransition(
          command.type,
          state.status,
          `The beneficiary already responded on ${state.response.respondedAt.slice(0, 10)}`,
        );
      }
      return [{ type: 'FindingResponded.v1', data: { ...command.data, respondedAt: at, respondedBy: by } }];
    case 'SetCorrectiveAction': {
      const today = at.slice(0, 10);
      if (command.data.deadline < today) {
        throw new ValidationFailed([{ field: 'deadline', message: `${command.data.deadline} has already passed (today is ${today})` }]);
      }
      return [{ type: 'CorrectiveActionSet.v1', data: { ...command.data, setAt: at, setBy: by } }];
    }
    case 'RecordFollowUp':
      if (state.status !== 'action_required' && state.status !== 'followed_up') {
        throw new IllegalTransition(command.type, state.status, 'There is no corrective action to follow up; set one first');
      }
      return [{ type: 'FollowUpRecorded.v1', data: { ...command.data, recordedAt: at, recordedBy: by } }];
    case 'ApplyFinancialCorrection': {
      const { amountCents, costLine, reason, projectCostLines, budgetCorrectionId } = command.data;
      assertFourEyesRule(findingFourEyes.correct, by, state);
      const issues: FieldIssue[] = [];
      if (amountCents < 1) issues.push({ field: 'amountCents', message: 'a financial correction must be at least 1 cent' });
      if (!projectCostLines.includes(costLine)) {
        issues.push({
          field: 'costLine',
          message: `the project's passport has no cost line ${costLine} (it has: ${projectCostLines.join(', ') || 'none'})`,
        });
      }
      assertValid(issues);
      const correction = state.corrections.length + 1;
      return [
        {
          type: 'FinancialCorrectionApplied.v1',
          data: { correction, amountCents, costLine, reason, budgetCorrectionId, appliedAt: at, appliedBy: by },
        },
      ];
    }
    case 'CloseFinding': {
      if (state.status !== 'followed_up') {
        const since =
          state.status === 'action_required'
            ? `since the corrective action set on ${state.correctiveAction.setAt.slice(0, 10)}`
            : 'and no corrective action was set';
        throw new ValidationFailed([
          { field: 'followUp', message: `closing needs a follow-up recorded after the corrective action; there is none ${since}` },
        ]);
      }
      assertFourEyesRule(findingFourEyes.close, by, state);
      return [{ type: 'FindingClosed.v1', data: { conclusion: command.data.conclusion, closedAt: at, closedBy: by } }];
    }
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

function isSameRaise(state: Exclude<Finding, { status: 'none' }>, d: RaiseFindingInput, by: string): boolean {
  const raised: RaiseFindingInput = {
    findingId: state.findingId,
    projectId: state.projectId,
    concerns: state.concerns,
    category: state.category,
    severity: state.severity,
    amountAtRiskCents: state.amountAtRiskCents,
    euShareCents: state.euShareCents,
    description: state.description,
  };
  return state.raisedBy === by && isDeepStrictEqual(raised, { ...d, concerns: { ...d.concerns } });
}

export function evolve(state: Finding, event: FindingEvent): Finding {
  if (event.type === 'FindingRaised.v1') {
    return { status: 'open', ...event.data, response: null, followUps: [], corrections: [] };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'FindingResponded.v1':
      return state.status === 'open' ? { ...state, status: 'responded', response: event.data } : { ...state, response: event.data };
    case 'CorrectiveActionSet.v1': {
      // A revised action replaces the earlier one; follow-ups of the earlier one stay on record.
      const { correctiveAction: _earlier, ...common } = state as Common & { correctiveAction?: CorrectiveAction };
      return { ...common, status: 'action_required', correctiveAction: event.data };
    }
    case 'FollowUpRecorded.v1':
      if (state.status !== 'action_required' && state.status !== 'followed_up') return state;
      return { ...state, status: 'followed_up', followUps: [...state.followUps, event.data] };
    case 'FinancialCorrectionApplied.v1':
      return { ...state, corrections: [...state.corrections, event.data] };
    case 'FindingClosed.v1':
      if (state.status !== 'followed_up') return state;
      return { ...state, status: 'closed', ...event.data };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

function assertValid(issues: FieldIssue[]): void {
  if (issues.length > 0) throw new ValidationFailed(issues);
}

export const findingDecider: Decider<FindingCommand, FindingEvent, Finding> = { decide, evolve, initialState };

/** An audit finding (revīzijas konstatējums) on a project: `finding-<uuid>`. */
export const findingStream = defineStreamType({
  name: 'finding',
  decider: findingDecider,
  events: findingEvents,
  projects: (state) => (state.status === 'none' ? [] : [{ projectId: state.projectId }]),
});

export const findingStreamId = (findingId: string) => `finding-${findingId}`;
