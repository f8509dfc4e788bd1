import { describe, expect, it } from 'vitest';
import { IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { programmeDecider, programmeKeyOf, programmeStreamId, type ProgrammeCommand } from '../../src/domain/programme/decider.js';
import type { ProgrammeEvent } from '../../src/domain/programme/events.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(programmeDecider);
const now = new Date('2026-11-23T10:00:00.000Z');
const context = { now, actor: 'ilze.kalnina' };
const key = { code: 'ANM', period: '2021-2026' };
const name = { lv: 'Latvijas Atveseļošanas un noturības mehānisma plāns', en: 'Latvian Recovery and Resilience Plan' };

const define = (overrides: Partial<{ period: string; fund: string }> = {}): ProgrammeCommand => ({
  type: 'DefineProgramme',
  data: { ...key, fund: 'RRF', name, ...overrides },
  context,
});
const amend: ProgrammeCommand = {
  type: 'AmendProgramme',
  data: { ...key, fund: 'RRF', name: { lv: 'ANM plāns', en: 'RRF plan' }, reason: 'short names in reports' },
  context,
};
const retire: ProgrammeCommand = { type: 'RetireProgramme', data: { ...key, reason: 'plan closed' }, context };

const defined: ProgrammeEvent = {
  type: 'ProgrammeDefined.v1',
  data: { ...key, fund: 'RRF', name, definedAt: '2021-07-13T00:00:00.000Z' },
};
const retired: ProgrammeEvent = { type: 'ProgrammeRetired.v1', data: { reason: 'closed', retiredAt: '2027-01-01T00:00:00.000Z' } };

describe('programme decider', () => {
  it('when a new programme is defined, ProgrammeDefined carries code, period, fund, names and the time of the command', () =>
    given([])
      .when(define())
      .then([{ type: 'ProgrammeDefined.v1', data: { ...key, fund: 'RRF', name, definedAt: now.toISOString() } }]));

  it('when a programme is defined again, it is an illegal transition', () =>
    given([defined])
      .when(define())
      .thenThrows(IllegalTransition, /ANM 2021-2026 is already defined/));

  it('when the period ends before it starts, it fails validation naming the period', () =>
    given([])
      .when(define({ period: '2026-2021' }))
      .thenThrows(ValidationFailed, /period: ends \(2021\) before it starts \(2026\)/));

  it('when an active programme is amended, ProgrammeAmended carries the new fund, names and reason', () =>
    given([defined])
      .when(amend)
      .then([
        {
          type: 'ProgrammeAmended.v1',
          data: { fund: 'RRF', name: { lv: 'ANM plāns', en: 'RRF plan' }, reason: 'short names in reports', amendedAt: now.toISOString() },
        },
      ]));

  it('when an amended programme is folded, its state has the new names and when they changed', () =>
    given([defined])
      .when(amend)
      .thenState({ status: 'active', name: { lv: 'ANM plāns', en: 'RRF plan' }, amendedAt: now.toISOString() }));

  it('when a programme that was never defined is amended or retired, it is not found', () => {
    given([])
      .when(amend)
      .thenThrows(NotFound, /Programme ANM 2021-2026 does not exist/);
    given([]).when(retire).thenThrows(NotFound);
  });

  it('when an active programme is retired, it becomes retired', () =>
    given([defined]).when(retire).thenState({ status: 'retired', retiredAt: now.toISOString() }));

  it('when a retired programme is amended or retired again, it is an illegal transition naming the state', () => {
    given([defined, retired])
      .when(amend)
      .thenThrows(IllegalTransition, /"retired"/);
    given([defined, retired])
      .when(retire)
      .thenThrows(IllegalTransition, /"retired"/);
  });

  it('when a stream id is made from a key, the key comes back from it', () => {
    expect(programmeStreamId(key)).toBe('programme-ANM.2021-2026');
    expect(programmeKeyOf(programmeStreamId(key))).toEqual(key);
  });
});
