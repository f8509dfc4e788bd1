import { IllegalTransition, NotFound } from '../errors.js';
import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { defineStreamType } from '../stream.js';
import { fundEvents, type BilingualName, type FundEvent, type FundKind } from './events.js';

/** A fund (fonds) that finances projects; the root of the programme reference data. */
export type Fund =
  | { status: 'unregistered' }
  | { status: 'active'; code: string; name: BilingualName; kind: FundKind; registeredAt: string }
  | { status: 'retired'; code: string; name: BilingualName; kind: FundKind; registeredAt: string; retiredAt: string };

export type FundCommand =
  | Command<'RegisterFund', { code: string; name: BilingualName; kind: FundKind }>
  | Command<'RenameFund', { code: string; name: BilingualName; reason: string }>
  | Command<'RetireFund', { code: string; reason: string }>;

export const initialState: Fund = { status: 'unregistered' };

export function decide(command: FundCommand, state: Fund): FundEvent[] {
  const at = command.context.now.toISOString();
  switch (command.type) {
    case 'RegisterFund':
      if (state.status !== 'unregistered') {
        throw new IllegalTransition(command.type, state.status, `Fund ${state.code} is already registered`);
      }
      return [{ type: 'FundRegistered.v1', data: { ...command.data, registeredAt: at } }];
    case 'RenameFund':
      if (state.status === 'unregistered') throw new NotFound('Fund', command.data.code);
      if (state.status !== 'active') throw new IllegalTransition(command.type, state.status);
      return [{ type: 'FundRenamed.v1', data: { name: command.data.name, reason: command.data.reason, renamedAt: at } }];
    case 'RetireFund':
      if (state.status === 'unregistered') throw new NotFound('Fund', command.data.code);
      if (state.status !== 'active') throw new IllegalTransition(command.type, state.status);
      return [{ type: 'FundRetired.v1', data: { reason: command.data.reason, retiredAt: at } }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: Fund, event: FundEvent): Fund {
  switch (event.type) {
    case 'FundRegistered.v1':
      return {
        status: 'active',
        code: event.data.code,
        name: event.data.name,
        kind: event.data.kind,
        registeredAt: event.data.registeredAt,
      };
    case 'FundRenamed.v1':
      return state.status === 'unregistered' ? state : { ...state, name: event.data.name };
    case 'FundRetired.v1':
      return state.status === 'active' ? { ...state, status: 'retired', retiredAt: event.data.retiredAt } : state;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const fundDecider: Decider<FundCommand, FundEvent, Fund> = { decide, evolve, initialState };

/** A fund (fonds): `fund-<code>`. */
export const fundStream = defineStreamType({ name: 'fund', decider: fundDecider, events: fundEvents });

export const fundStreamId = (code: string) => `fund-${code}`;
