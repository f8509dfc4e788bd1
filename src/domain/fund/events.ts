import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';

/** A name in both working languages of the programme documents. */
export interface BilingualName {
  /** Latvian, as in the planning documents. @minLength 1 @maxLength 300 */
  lv: string;
  /** English. @minLength 1 @maxLength 300 */
  en: string;
}

/** Where the money comes from: EU funds, national budget or private co-financing. */
export type FundKind = 'eu' | 'national' | 'private';

/**
 * Fund code, e.g. `RRF` (ANM, Atveseļošanas un noturības mehānisms), `ERDF` (ERAF),
 * `CF` (Kohēzijas fonds), `ESF+`, `STATE` (valsts budžets).
 * @pattern ^[A-Z][A-Z0-9+]{1,15}$
 */
export type FundCode = string;

export const FUND_CODE = /^[A-Z][A-Z0-9+]{1,15}$/;

export const bilingualName = z
  .object({ lv: z.string().min(1).max(300), en: z.string().min(1).max(300) })
  .strict() satisfies z.ZodType<BilingualName>;

export const FundRegistered = defineEvent(
  'FundRegistered.v1',
  z
    .object({
      code: z.string().regex(FUND_CODE),
      name: bilingualName,
      kind: z.enum(['eu', 'national', 'private']),
      registeredAt: z.iso.datetime(),
    })
    .strict(),
);

export const FundRenamed = defineEvent(
  'FundRenamed.v1',
  z.object({ name: bilingualName, reason: z.string().min(1).max(2000), renamedAt: z.iso.datetime() }).strict(),
);

export const FundRetired = defineEvent(
  'FundRetired.v1',
  z.object({ reason: z.string().min(1).max(2000), retiredAt: z.iso.datetime() }).strict(),
);

export type FundEvent = EventOf<typeof FundRegistered> | EventOf<typeof FundRenamed> | EventOf<typeof FundRetired>;

export const fundEvents = [FundRegistered, FundRenamed, FundRetired];
