import { isDeepStrictEqual } from 'node:util';
import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition } from '../errors.js';
import { defineStreamType } from '../stream.js';
import {
  duplicateAlertEvents,
  retiredDuplicateAlertEvents,
  type AlertFinding,
  type DuplicateAlertEvent,
  type DuplicateRule,
} from './events.js';

interface Decided {
  rule: DuplicateRule;
  projectIds: string[];
  amountAtRiskCents: number;
  reason: string;
  decidedAt: string;
  decidedBy: string;
}

/** An officer's decision on a double-funding alert (dubultfinansējuma brīdinājums). */
export type DuplicateAlert =
  { status: 'open' } | (Decided & { status: 'confirmed'; findings: AlertFinding[] }) | (Decided & { status: 'dismissed' });

interface Decision {
  alertId: string;
  rule: DuplicateRule;
  projectIds: string[];
  amountAtRiskCents: number;
  reason: string;
}
export type DuplicateAlertCommand =
  Command<'ConfirmDuplicateAlert', Decision & { findings: AlertFinding[] }> | Command<'DismissDuplicateAlert', Decision>;

export const initialState: DuplicateAlert = { status: 'open' };

/**
 * Decided once: a second decision would silently overwrite the first officer's reasoning. The
 * same decision again, by the same officer for the same reason, is a retry and changes nothing.
 */
export function decide(command: DuplicateAlertCommand, state: DuplicateAlert): DuplicateAlertEvent[] {
  const by = command.context.actor;
  if (state.status !== 'open') {
    if (isSameDecision(command, state)) return [];
    throw new IllegalTransition(
      command.type,
      state.status,
      `alert ${command.data.alertId} is already ${state.status} by ${state.decidedBy}`,
    );
  }
  const decided = { decidedAt: command.context.now.toISOString(), decidedBy: by };
  switch (command.type) {
    case 'ConfirmDuplicateAlert':
      return [{ type: 'DuplicateAlertConfirmed.v2', data: { ...command.data, ...decided } }];
    case 'DismissDuplicateAlert':
      return [{ type: 'DuplicateAlertDismissed.v1', data: { ...command.data, ...decided } }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

function isSameDecision(command: DuplicateAlertCommand, state: Exclude<DuplicateAlert, { status: 'open' }>): boolean {
  const sameKind = command.type === 'ConfirmDuplicateAlert' ? state.status === 'confirmed' : state.status === 'dismissed';
  const findings =
    command.type === 'ConfirmDuplicateAlert' && state.status === 'confirmed' ? [command.data.findings, state.findings] : [[], []];
  return (
    sameKind &&
    state.decidedBy === command.context.actor &&
    state.reason === command.data.reason &&
    isDeepStrictEqual(findings[0], findings[1])
  );
}

export function evolve(_state: DuplicateAlert, event: DuplicateAlertEvent): DuplicateAlert {
  const { rule, projectIds, amountAtRiskCents, reason, decidedAt, decidedBy } = event.data;
  const decided = { rule, projectIds, amountAtRiskCents, reason, decidedAt, decidedBy };
  switch (event.type) {
    case 'DuplicateAlertConfirmed.v2':
      return { status: 'confirmed', ...decided, findings: event.data.findings };
    case 'DuplicateAlertDismissed.v1':
      return { status: 'dismissed', ...decided };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const duplicateAlertDecider: Decider<DuplicateAlertCommand, DuplicateAlertEvent, DuplicateAlert> = { decide, evolve, initialState };

/** An officer's decision on one double-funding alert: `dupalert-<alertId>`; empty while the alert is undecided. */
export const duplicateAlertStream = defineStreamType({
  name: 'dupalert',
  decider: duplicateAlertDecider,
  events: duplicateAlertEvents,
  retired: retiredDuplicateAlertEvents,
  // A decision on an alert belongs to every project the alert pairs.
  projects: (state) => (state.status === 'open' ? [] : state.projectIds.map((projectId) => ({ projectId }))),
});

export const duplicateAlertStreamId = (alertId: string) => `dupalert-${alertId}`;
