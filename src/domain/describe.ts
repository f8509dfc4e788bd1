import type { EventMetadata, StoredEvent } from '../eventstore/port.js';
import { budgetFourEyesStep, describeBudgetEvent } from './budget/describe.js';
import type { Budget } from './budget/decider.js';
import { budgetStream } from './budget/decider.js';
import { describeDuplicateAlertEvent, duplicateAlertFourEyesStep } from './dupalert/describe.js';
import { duplicateAlertStream, type DuplicateAlert } from './dupalert/decider.js';
import { describeFindingEvent, findingFourEyesStep } from './finding/describe.js';
import { describeImportJobEvent, importJobFourEyesStep } from './importjob/describe.js';
import { importJobStream, type ImportJob } from './importjob/decider.js';
import { findingStream, type Finding } from './finding/decider.js';
import type { FourEyesStep } from './four-eyes.js';
import { describeFundEvent, fundFourEyesStep } from './fund/describe.js';
import { fundStream, type Fund } from './fund/decider.js';
import { describeIndicatorEvent, indicatorFourEyesStep } from './indicator/describe.js';
import { indicatorStream, type Indicator } from './indicator/decider.js';
import { describePassportEvent, passportFourEyesStep } from './passport/describe.js';
import { passportStream, type Passport } from './passport/decider.js';
import { describeProgrammeEvent, programmeFourEyesStep } from './programme/describe.js';
import { programmeStream, type Programme } from './programme/decider.js';
import { describeProgrammeNodeEvent, programmeNodeFourEyesStep } from './programme-node/describe.js';
import { programmeNodeStream, type ProgrammeNode } from './programme-node/decider.js';
import type { AnyEvent } from './stream-types.js';

/*
 * What a person reads in a project's history: each event in Latvian and English, and for a
 * four-eyes step, who took the earlier steps it checks.
 *
 * A description depends on the event alone (type, payload, metadata, stream id), never on the
 * stream's state, so an export of any number of events describes each one as it streams by.
 * The per-stream describers (`src/domain/<name>/describe.ts`) switch exhaustively on the event
 * type: a new event type without a description does not compile.
 *
 * The helpers below are function declarations on purpose: the per-stream modules import them
 * and this module imports those, and declarations are usable from either end of that cycle.
 */

export type { FourEyesStep } from './four-eyes.js';

/** One event in words, in both working languages. */
export interface Description {
  /** Latvian, e.g. `Finansējuma saņēmējs iesniedza starpposma maksājuma pieprasījumu … par 12 345,67 EUR …`. */
  lv: string;
  /** English, e.g. `The beneficiary submitted interim payment claim … for EUR 12,345.67 …`. */
  en: string;
}

/** Any stored event in words. */
export function describeEvent(event: StoredEvent<AnyEvent>): Description {
  if (fundStream.owns(event)) return describeFundEvent(event);
  if (programmeStream.owns(event)) return describeProgrammeEvent(event);
  if (programmeNodeStream.owns(event)) return describeProgrammeNodeEvent(event);
  if (passportStream.owns(event)) return describePassportEvent(event);
  if (budgetStream.owns(event)) return describeBudgetEvent(event);
  if (indicatorStream.owns(event)) return describeIndicatorEvent(event);
  if (findingStream.owns(event)) return describeFindingEvent(event);
  if (duplicateAlertStream.owns(event)) return describeDuplicateAlertEvent(event);
  if (importJobStream.owns(event)) return describeImportJobEvent(event);
  const unknown: never = event;
  throw new Error(`No description for event type ${(unknown as StoredEvent).type}`);
}

/**
 * The four-eyes step `event` took, or null when it is not one: the act, its actor, and who took
 * the earlier steps it checks, by the same rules the deciders refuse with. `stateBefore` is the
 * stream's state folded up to the event (not including it); `streamType` is its stream type's
 * name (`passport`, `budget`, …). An event of another stream type, or a state the event cannot
 * follow, is an error: the state handed in is not the one before the event.
 */
export function fourEyesOf(streamType: string, stateBefore: unknown, event: StoredEvent<AnyEvent>): FourEyesStep | null {
  const expect = (name: string) => {
    if (streamType !== name) throw new Error(`${event.streamId} holds ${event.type}, which is not a ${streamType} event`);
  };
  if (fundStream.owns(event)) {
    expect(fundStream.name);
    return fundFourEyesStep(stateBefore as Fund, event);
  }
  if (programmeStream.owns(event)) {
    expect(programmeStream.name);
    return programmeFourEyesStep(stateBefore as Programme, event);
  }
  if (programmeNodeStream.owns(event)) {
    expect(programmeNodeStream.name);
    return programmeNodeFourEyesStep(stateBefore as ProgrammeNode, event);
  }
  if (passportStream.owns(event)) {
    expect(passportStream.name);
    return passportFourEyesStep(stateBefore as Passport, event);
  }
  if (budgetStream.owns(event)) {
    expect(budgetStream.name);
    return budgetFourEyesStep(stateBefore as Budget, event);
  }
  if (indicatorStream.owns(event)) {
    expect(indicatorStream.name);
    return indicatorFourEyesStep(stateBefore as Indicator, event);
  }
  if (findingStream.owns(event)) {
    expect(findingStream.name);
    return findingFourEyesStep(stateBefore as Finding, event);
  }
  if (duplicateAlertStream.owns(event)) {
    expect(duplicateAlertStream.name);
    return duplicateAlertFourEyesStep(stateBefore as DuplicateAlert, event);
  }
  if (importJobStream.owns(event)) {
    expect(importJobStream.name);
    return importJobFourEyesStep(stateBefore as ImportJob, event);
  }
  const unknown: never = event;
  throw new Error(`No four-eyes rule for event type ${(unknown as StoredEvent).type}`);
}

/** The error for a state that the event cannot have followed (e.g. the state after it, or another stream's). */
export function notTheStateBefore(event: Pick<StoredEvent, 'streamId' | 'type' | 'version'>, found: string): Error {
  return new Error(`${event.streamId} v${event.version} (${event.type}) cannot follow a state that is ${found}: not the state before it`);
}

// ---- Who did it --------------------------------------------------------------------------------

/** The subject of a sentence, by the role the actor acted in (src/auth/principal.ts). */
export function actorOf(metadata: Pick<EventMetadata, 'actor' | 'role'>): Description {
  if (metadata.actor.startsWith('system:')) return { lv: 'Sistēma', en: 'The system' };
  switch (metadata.role) {
    case 'beneficiary':
      return { lv: 'Finansējuma saņēmējs', en: 'The beneficiary' };
    case 'officer':
      return { lv: 'Uzraudzības iestādes darbinieks', en: 'The monitoring officer' };
    case 'approver':
      return { lv: 'Apstiprinātājs', en: 'The approver' };
    case 'auditor':
      return { lv: 'Revidents', en: 'The auditor' };
    case 'council':
      return { lv: 'Uzraudzības komitejas loceklis', en: 'A monitoring committee member' };
    case 'admin':
      return { lv: 'Administrators', en: 'The administrator' };
    case 'system':
    case 'workflow':
      return { lv: 'Sistēma', en: 'The system' };
    default:
      return metadata.role
        ? { lv: `Lietotājs ar lomu „${metadata.role}”`, en: `A user in role “${metadata.role}”` }
        : { lv: 'Lietotājs', en: 'A user' };
  }
}

/** `<who> <did what>`: the actor of the event as the subject, then the predicate (third person, past tense). */
export function byActor(metadata: Pick<EventMetadata, 'actor' | 'role'>, predicate: Description): Description {
  const who = actorOf(metadata);
  return { lv: `${who.lv} ${predicate.lv}`, en: `${who.en} ${predicate.en}` };
}

// ---- Money and numbers -------------------------------------------------------------------------

function groupThousands(digits: string, separator: string): string {
  if (digits.length <= 3) return digits; // most counts and report numbers: no regular expression to run
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

function euroParts(cents: number): { sign: string; euros: string; cents: string } {
  const whole = Math.trunc(cents);
  const abs = Math.abs(whole);
  return { sign: whole < 0 ? '-' : '', euros: String(Math.floor(abs / 100)), cents: String(abs % 100).padStart(2, '0') };
}

/** Latvian money: `12 345,67 EUR` (a space between thousands, a decimal comma). */
export function moneyLv(cents: number): string {
  const p = euroParts(cents);
  return `${p.sign}${groupThousands(p.euros, ' ')},${p.cents} EUR`;
}

/** English money: `EUR 12,345.67`. */
export function moneyEn(cents: number): string {
  const p = euroParts(cents);
  return `EUR ${p.sign}${groupThousands(p.euros, ',')}.${p.cents}`;
}

/** One formatter for every number: building one per call (toLocaleString with options) costs more than the rest of a description. */
const PLAIN = new Intl.NumberFormat('en-US', { useGrouping: false, maximumFractionDigits: 6 });

function numberParts(value: number): { sign: string; int: string; frac: string } {
  if (!Number.isFinite(value)) return { sign: '', int: '0', frac: '' };
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  // Counts and most reported values are whole: String() writes them as the formatter would, in a tenth of the time.
  if (Number.isSafeInteger(abs)) return { sign, int: String(abs), frac: '' };
  const [int = '0', frac = ''] = PLAIN.format(abs).split('.');
  return { sign, int, frac };
}

/** A Latvian number: `1 080`, `12,5`. */
export function numberLv(value: number): string {
  const p = numberParts(value);
  return `${p.sign}${groupThousands(p.int, ' ')}${p.frac ? `,${p.frac}` : ''}`;
}

/** An English number: `1,080`, `12.5`. */
export function numberEn(value: number): string {
  const p = numberParts(value);
  return `${p.sign}${groupThousands(p.int, ',')}${p.frac ? `.${p.frac}` : ''}`;
}

/**
 * `count` and the noun in the form Latvian needs after it: the `one` form after numbers ending
 * in 1 but not 11 (1, 21, 101), else the `many` form: `1 rēķins`, `11 rēķini`, `21 rēķins`.
 */
export function countLv(count: number, one: string, many: string): string {
  return `${numberLv(count)} ${count % 10 === 1 && count % 100 !== 11 ? one : many}`;
}

/** `1 invoice`, `2 invoices`. */
export function countEn(count: number, one: string, many: string): string {
  return `${numberEn(count)} ${count === 1 ? one : many}`;
}

// ---- Dates, references and quoted text ---------------------------------------------------------

const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function dateParts(iso: string): { y: string; m: string; d: string } {
  // `YYYY-MM-DD…`: fixed places (a year before 1000 or after 9999 is not a programme's).
  return { y: iso.slice(0, 4), m: iso.slice(5, 7), d: iso.slice(8, 10) };
}

/** A Latvian date from `YYYY-MM-DD` (or an ISO instant's date): `15.03.2024.` */
export function dateLv(iso: string): string {
  const { y, m, d } = dateParts(iso);
  return `${d}.${m}.${y}.`;
}

/** An English date from `YYYY-MM-DD` (or an ISO instant's date): `15 March 2024`. */
export function dateEn(iso: string): string {
  const { y, m, d } = dateParts(iso);
  return `${Number(d)} ${MONTHS_EN[Number(m) - 1] ?? m} ${y}`;
}

/** A short reference to a uuid for the eye (its first 8 hex digits); the full id is on the event. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** The key of a stream from its id: `RRF` from `fund-RRF`. */
export function streamKey(streamId: string): string {
  return streamId.slice(streamId.indexOf('-') + 1);
}

/** Free text as one line, cut to `max` characters with an ellipsis. */
export function excerpt(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** Free text in Latvian quotation marks: `„…”`. */
export function quoteLv(text: string, max?: number): string {
  return `„${excerpt(text, max)}”`;
}

/** Free text in English quotation marks: `“…”`. */
export function quoteEn(text: string, max?: number): string {
  return `“${excerpt(text, max)}”`;
}

/** Fund shares in words: `ANM 5 312,50 EUR, valsts budžets 937,50 EUR` / `RRF EUR 5,312.50, state budget EUR 937.50`. */
export function fundSharesOf(shares: readonly { fund: string; cents: number }[]): Description {
  return {
    lv: shares.map((s) => `${fundNameOf(s.fund).lv} ${moneyLv(s.cents)}`).join(', '),
    en: shares.map((s) => `${fundNameOf(s.fund).en} ${moneyEn(s.cents)}`).join(', '),
  };
}

/** A funding source's name: `RRF` is ANM in Latvian, `ERDF` is ERAF, `STATE` the state budget, `OWN` own funds. */
export function fundNameOf(fund: string): Description {
  switch (fund) {
    case 'RRF':
      return { lv: 'ANM', en: 'RRF' };
    case 'ERDF':
      return { lv: 'ERAF', en: 'ERDF' };
    case 'STATE':
      return { lv: 'valsts budžets', en: 'state budget' };
    case 'OWN':
      return { lv: 'pašu līdzekļi', en: 'own funds' };
    default:
      return { lv: fund, en: fund };
  }
}
