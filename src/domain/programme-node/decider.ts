import { isDeepStrictEqual } from 'node:util';
import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../errors.js';
import { defineStreamType } from '../stream.js';
import { programmeNodeEvents, type NodeContent, type NodeKind, type ProgrammeNodeEvent } from './events.js';
import { contentIssues, placementIssues, type ParentFacts } from './rules.js';

/** Identifies a node: codes are unique only within (programme, period). */
export interface NodeKey {
  programme: string;
  period: string;
  code: string;
}

type Defined = NodeKey &
  NodeContent & {
    kind: NodeKind;
    /** Code of the parent node in the same programme and period; null at the top. */
    parent: string | null;
    definedAt: string;
    /** When the content was last amended (each amendment is a new stream version). */
    amendedAt?: string;
  };

/** A level of a programme's hierarchy: component, direction, investment, measure, selection round, … */
export type ProgrammeNode = { status: 'none' } | (Defined & { status: 'active' }) | (Defined & { status: 'retired'; retiredAt: string });

export type ProgrammeNodeCommand =
  | Command<'DefineProgrammeNode', NodeKey & { kind: NodeKind; parent: ParentFacts | null; content: NodeContent }>
  | Command<'AmendProgrammeNode', NodeKey & { content: NodeContent; reason: string }>
  | Command<'RetireProgrammeNode', NodeKey & { reason: string }>;

export const initialState: ProgrammeNode = { status: 'none' };

export const nodeLabel = ({ programme, period, code }: NodeKey) => `${code} in ${programme} ${period}`;

export function decide(command: ProgrammeNodeCommand, state: ProgrammeNode): ProgrammeNodeEvent[] {
  const at = command.context.now.toISOString();
  switch (command.type) {
    case 'DefineProgrammeNode': {
      if (state.status !== 'none') {
        throw new IllegalTransition(command.type, state.status, `Programme node ${nodeLabel(state)} is already defined`);
      }
      const { programme, period, code, kind, parent, content } = command.data;
      assertValid([...placementIssues(code, kind, parent), ...contentIssues(kind, content)]);
      return [
        {
          type: 'ProgrammeNodeDefined.v1',
          data: { programme, period, code, kind, parent: parent?.code ?? null, ...content, definedAt: at },
        },
      ];
    }
    case 'AmendProgrammeNode': {
      const node = requireActive(command, state);
      const { content, reason } = command.data;
      assertValid(contentIssues(node.kind, content));
      // Re-sending the content in force is not a new version (and keeps re-runs of the seed silent).
      if (isDeepStrictEqual(contentOf(node), content)) return [];
      return [{ type: 'ProgrammeNodeAmended.v1', data: { ...content, reason, amendedAt: at } }];
    }
    case 'RetireProgrammeNode':
      requireActive(command, state);
      return [{ type: 'ProgrammeNodeRetired.v1', data: { reason: command.data.reason, retiredAt: at } }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: ProgrammeNode, event: ProgrammeNodeEvent): ProgrammeNode {
  switch (event.type) {
    case 'ProgrammeNodeDefined.v1': {
      const { definedAt, ...rest } = event.data;
      return { status: 'active', ...rest, definedAt };
    }
    case 'ProgrammeNodeAmended.v1': {
      if (state.status === 'none') return state;
      const { reason: _reason, amendedAt, ...content } = event.data;
      return { ...state, ...content, amendedAt };
    }
    case 'ProgrammeNodeRetired.v1':
      return state.status === 'active' ? { ...state, status: 'retired', retiredAt: event.data.retiredAt } : state;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function contentOf(node: Defined): NodeContent {
  const { name, plannedFundingCents, startDate, endDate, targets } = node;
  return { name, plannedFundingCents, startDate, endDate, targets };
}

function requireActive(command: Exclude<ProgrammeNodeCommand, { type: 'DefineProgrammeNode' }>, state: ProgrammeNode): Defined {
  if (state.status === 'none') throw new NotFound('Programme node', nodeLabel(command.data));
  if (state.status !== 'active') throw new IllegalTransition(command.type, state.status);
  return state;
}

function assertValid(issues: ReturnType<typeof contentIssues>): void {
  if (issues.length > 0) throw new ValidationFailed(issues);
}

export const programmeNodeDecider: Decider<ProgrammeNodeCommand, ProgrammeNodeEvent, ProgrammeNode> = {
  decide,
  evolve,
  initialState,
};

/** A node of a programme's structure (component, direction, investment, measure, round): `programme_node-<programme>.<period>.<code>`. */
export const programmeNodeStream = defineStreamType({ name: 'programme_node', decider: programmeNodeDecider, events: programmeNodeEvents });

/**
 * `programme_node-ANM.2021-2026.2.1.2.1.i`: programme codes have no dots and periods are
 * `YYYY-YYYY`, so the first two dots split programme, period and node code unambiguously.
 */
export const programmeNodeStreamId = ({ programme, period, code }: NodeKey) => `programme_node-${programme}.${period}.${code}`;

export function nodeKeyOf(streamId: string): NodeKey {
  const [programme, period, ...code] = streamId.slice('programme_node-'.length).split('.');
  return { programme: programme!, period: period!, code: code.join('.') };
}
