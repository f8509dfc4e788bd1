import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../errors.js';
import type { BilingualName } from '../fund/events.js';
import { defineStreamType } from '../stream.js';
import { programmeEvents, type ProgrammeEvent } from './events.js';

interface Defined {
  code: string;
  period: string;
  /** The fund that finances the programme (must be a registered fund; the handler checks). */
  fund: string;
  name: BilingualName;
  definedAt: string;
}

/** A fund's programme for one programming period (e.g. the RRF plan 2021–2026). */
export type Programme =
  | { status: 'none' }
  | (Defined & { status: 'active'; amendedAt?: string })
  | (Defined & { status: 'retired'; amendedAt?: string; retiredAt: string });

/** Identifies a programme: codes are reused across periods. */
export interface ProgrammeKey {
  code: string;
  period: string;
}

export type ProgrammeCommand =
  | Command<'DefineProgramme', ProgrammeKey & { fund: string; name: BilingualName }>
  | Command<'AmendProgramme', ProgrammeKey & { fund: string; name: BilingualName; reason: string }>
  | Command<'RetireProgramme', ProgrammeKey & { reason: string }>;

export const initialState: Programme = { status: 'none' };

export const programmeLabel = ({ code, period }: ProgrammeKey) => `${code} ${period}`;

export function decide(command: ProgrammeCommand, state: Programme): ProgrammeEvent[] {
  const at = command.context.now.toISOString();
  switch (command.type) {
    case 'DefineProgramme': {
      if (state.status !== 'none') {
        throw new IllegalTransition(command.type, state.status, `Programme ${programmeLabel(state)} is already defined`);
      }
      const { code, period, fund, name } = command.data;
      assertPeriod(period);
      return [{ type: 'ProgrammeDefined.v1', data: { code, period, fund, name, definedAt: at } }];
    }
    case 'AmendProgramme': {
      requireActive(command, state);
      const { fund, name, reason } = command.data;
      return [{ type: 'ProgrammeAmended.v1', data: { fund, name, reason, amendedAt: at } }];
    }
    case 'RetireProgramme':
      requireActive(command, state);
      return [{ type: 'ProgrammeRetired.v1', data: { reason: command.data.reason, retiredAt: at } }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: Programme, event: ProgrammeEvent): Programme {
  switch (event.type) {
    case 'ProgrammeDefined.v1': {
      const { code, period, fund, name, definedAt } = event.data;
      return { status: 'active', code, period, fund, name, definedAt };
    }
    case 'ProgrammeAmended.v1':
      return state.status === 'none' ? state : { ...state, fund: event.data.fund, name: event.data.name, amendedAt: event.data.amendedAt };
    case 'ProgrammeRetired.v1':
      return state.status === 'active' ? { ...state, status: 'retired', retiredAt: event.data.retiredAt } : state;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

function requireActive(command: Exclude<ProgrammeCommand, { type: 'DefineProgramme' }>, state: Programme): void {
  if (state.status === 'none') throw new NotFound('Programme', programmeLabel(command.data));
  if (state.status !== 'active') throw new IllegalTransition(command.type, state.status);
}

/** The pattern allows 2027-2021; only the decider knows a period must run forwards. */
function assertPeriod(period: string): void {
  const [start, end] = period.split('-').map(Number) as [number, number];
  if (end < start) throw new ValidationFailed([{ field: 'period', message: `ends (${end}) before it starts (${start})` }]);
}

export const programmeDecider: Decider<ProgrammeCommand, ProgrammeEvent, Programme> = { decide, evolve, initialState };

/** A fund's programme for a period: `programme-<code>.<period>`. */
export const programmeStream = defineStreamType({ name: 'programme', decider: programmeDecider, events: programmeEvents });

/** `programme-ANM.2021-2026`: the code has no dots, so the first dot separates it from the period. */
export const programmeStreamId = ({ code, period }: ProgrammeKey) => `programme-${code}.${period}`;

/** The key back from a stream id (the projection needs it for events that do not repeat it). */
export function programmeKeyOf(streamId: string): ProgrammeKey {
  const id = streamId.slice('programme-'.length);
  const dot = id.indexOf('.');
  return { code: id.slice(0, dot), period: id.slice(dot + 1) };
}
