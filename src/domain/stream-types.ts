import { budgetStream } from './budget/decider.js';
import type { BudgetEvent } from './budget/events.js';
import { duplicateAlertStream } from './dupalert/decider.js';
import type { DuplicateAlertEvent } from './dupalert/events.js';
import { findingStream } from './finding/decider.js';
import type { FindingEvent } from './finding/events.js';
import { fundStream } from './fund/decider.js';
import { importJobStream } from './importjob/decider.js';
import type { ImportJobEvent } from './importjob/events.js';
import type { FundEvent } from './fund/events.js';
import { indicatorStream } from './indicator/decider.js';
import type { IndicatorEvent } from './indicator/events.js';
import { passportStream } from './passport/decider.js';
import type { PassportEvent } from './passport/events.js';
import { programmeStream } from './programme/decider.js';
import type { ProgrammeEvent } from './programme/events.js';
import { programmeNodeStream } from './programme-node/decider.js';
import type { ProgrammeNodeEvent } from './programme-node/events.js';
import type { AnyStreamType } from './stream.js';

/** Every event any stream may hold, as the store hands them back: a switch on `type` narrows `data`. */
export type AnyEvent =
  | FundEvent
  | ProgrammeEvent
  | ProgrammeNodeEvent
  | PassportEvent
  | BudgetEvent
  | IndicatorEvent
  | FindingEvent
  | DuplicateAlertEvent
  | ImportJobEvent;

/** Every stream type, by the prefix of its stream ids. */
export const streamTypes: Readonly<Record<string, AnyStreamType>> = Object.fromEntries(
  [
    fundStream,
    programmeStream,
    programmeNodeStream,
    passportStream,
    budgetStream,
    indicatorStream,
    findingStream,
    duplicateAlertStream,
    importJobStream,
  ].map((t) => [t.name, t]),
);
