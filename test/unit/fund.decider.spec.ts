import { describe, it } from 'vitest';
import { IllegalTransition, NotFound } from '../../src/domain/errors.js';
import { fundDecider, type FundCommand } from '../../src/domain/fund/decider.js';
import type { FundEvent } from '../../src/domain/fund/events.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(fundDecider);
const now = new Date('2026-11-23T10:00:00.000Z');
const context = { now, actor: 'admin.liepa' };
const name = { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' };

const register: FundCommand = { type: 'RegisterFund', data: { code: 'RRF', name, kind: 'eu' }, context };
const rename: FundCommand = {
  type: 'RenameFund',
  data: { code: 'RRF', name: { lv: 'ANM', en: 'RRF' }, reason: 'short names in reports' },
  context,
};
const retire: FundCommand = { type: 'RetireFund', data: { code: 'RRF', reason: 'facility closed' }, context };

const registered: FundEvent = {
  type: 'FundRegistered.v1',
  data: { code: 'RRF', name, kind: 'eu', registeredAt: '2021-06-01T00:00:00.000Z' },
};
const retired: FundEvent = { type: 'FundRetired.v1', data: { reason: 'closed', retiredAt: '2027-01-01T00:00:00.000Z' } };

describe('fund decider', () => {
  it('when an unregistered fund is registered, FundRegistered is decided with the time of the command', () =>
    given([])
      .when(register)
      .then([{ type: 'FundRegistered.v1', data: { code: 'RRF', name, kind: 'eu', registeredAt: now.toISOString() } }]));

  it('when a registered fund is registered again, it is an illegal transition', () =>
    given([registered])
      .when(register)
      .thenThrows(IllegalTransition, /already registered/));

  it('when an active fund is renamed, FundRenamed carries the new name and the reason', () =>
    given([registered])
      .when(rename)
      .then([
        {
          type: 'FundRenamed.v1',
          data: { name: { lv: 'ANM', en: 'RRF' }, reason: 'short names in reports', renamedAt: now.toISOString() },
        },
      ]));

  it('when a renamed fund is folded, its state has the new name', () =>
    given([registered])
      .when(rename)
      .thenState({ status: 'active', name: { lv: 'ANM', en: 'RRF' } }));

  it('when a fund that was never registered is renamed or retired, it is not found', () => {
    given([]).when(rename).thenThrows(NotFound);
    given([]).when(retire).thenThrows(NotFound);
  });

  it('when an active fund is retired, it becomes retired', () =>
    given([registered]).when(retire).thenState({ status: 'retired', retiredAt: now.toISOString() }));

  it('when a retired fund is renamed or retired again, it is an illegal transition naming the state', () => {
    given([registered, retired])
      .when(rename)
      .thenThrows(IllegalTransition, /"retired"/);
    given([registered, retired])
      .when(retire)
      .thenThrows(IllegalTransition, /"retired"/);
  });
});
