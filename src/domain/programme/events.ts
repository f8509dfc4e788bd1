import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import { bilingualName, FUND_CODE } from '../fund/events.js';

/**
 * Programme code, the same across periods: `ANM` (Atveseļošanas un noturības mehānisma plāns,
 * the Latvian RRF plan) or `ESIF` (the EU cohesion-policy programme for ERDF/ERAF, CF and ESF+:
 * "Izaugsme un nodarbinātība" 2014–2020, the cohesion-policy programme 2021–2027).
 * No dots or dashes, so the code and period can be joined unambiguously in stream ids.
 * @pattern ^[A-Z][A-Z0-9]{1,15}$
 */
export type ProgrammeCode = string;

/**
 * Programming period as start year–end year, e.g. `2021-2026` (RRF), `2021-2027` (cohesion),
 * `2014-2020`. A code means something only within (programme, period).
 * @pattern ^20[0-9]{2}-20[0-9]{2}$
 */
export type Period = string;

export const PROGRAMME_CODE = /^[A-Z][A-Z0-9]{1,15}$/;
export const PERIOD = /^20[0-9]{2}-20[0-9]{2}$/;

export const ProgrammeDefined = defineEvent(
  'ProgrammeDefined.v1',
  z
    .object({
      code: z.string().regex(PROGRAMME_CODE),
      period: z.string().regex(PERIOD),
      fund: z.string().regex(FUND_CODE),
      name: bilingualName,
      definedAt: z.iso.datetime(),
    })
    .strict(),
);

/** A new version of the programme's mutable facts; the reason stays in the history. */
export const ProgrammeAmended = defineEvent(
  'ProgrammeAmended.v1',
  z
    .object({
      fund: z.string().regex(FUND_CODE),
      name: bilingualName,
      reason: z.string().min(1).max(2000),
      amendedAt: z.iso.datetime(),
    })
    .strict(),
);

export const ProgrammeRetired = defineEvent(
  'ProgrammeRetired.v1',
  z.object({ reason: z.string().min(1).max(2000), retiredAt: z.iso.datetime() }).strict(),
);

export type ProgrammeEvent = EventOf<typeof ProgrammeDefined> | EventOf<typeof ProgrammeAmended> | EventOf<typeof ProgrammeRetired>;

export const programmeEvents = [ProgrammeDefined, ProgrammeAmended, ProgrammeRetired];
