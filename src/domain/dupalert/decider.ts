import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition } from '../errors.js';
import type { DuplicateAlertEvent, DuplicateRule } from './events.js';

/** An officer's decision on a double-funding alert (dubultfinansējuma brīdinājums). */
export type DuplicateAlert =
  | { status: 'open' }
  | {
      status: 'confirmed' | 'dismissed';
      rule: DuplicateRule;
      projectIds: string[];
      amountAtRiskCents: number;
      reason: string;
      decidedBy: string;
    };

interface Decision {
  alertId: string;
  rule: DuplicateRule;
  projectIds: string[];
  amountAtRiskCents: number;
  reason: string;
}
export type DuplicateAlertCommand = Command<'ConfirmDuplicateAlert', Decision> | Command<'DismissDuplicateAlert', Decision>;

export const initialState: DuplicateAlert = { status: 'open' };

/** Decided once: a second decision would silently overwrite the first officer's reasoning. */
export function decide(command: DuplicateAlertCommand, state: DuplicateAlert): DuplicateAlertEvent[] {
  if (state.status !== 'open') {
    throw new IllegalTransition(
      command.type,
      state.status,
      `alert ${command.data.alertId} is already ${state.status} by ${state.decidedBy}`,
    );
  }
  const data = { ...command.data, decidedAt: command.context.now.toISOString(), decidedBy: command.context.actor };
  switch (command.type) {
    case 'ConfirmDuplicateAlert':
      return [{ type: 'DuplicateAlertConfirmed.v1', data }];
    case 'DismissDuplicateAlert':
      return [{ type: 'DuplicateAlertDismissed.v1', data }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(_state: DuplicateAlert, event: DuplicateAlertEvent): DuplicateAlert {
  const { rule, projectIds, amountAtRiskCents, reason, decidedBy } = event.data;
  switch (event.type) {
    case 'DuplicateAlertConfirmed.v1':
      return { status: 'confirmed', rule, projectIds, amountAtRiskCents, reason, decidedBy };
    case 'DuplicateAlertDismissed.v1':
      return { status: 'dismissed', rule, projectIds, amountAtRiskCents, reason, decidedBy };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const duplicateAlertDecider: Decider<DuplicateAlertCommand, DuplicateAlertEvent, DuplicateAlert> = { decide, evolve, initialState };
export const duplicateAlertStreamId = (alertId: string) => `dupalert-${alertId}`;
