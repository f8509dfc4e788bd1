import { EventRegistry } from '../eventstore/registry.js';
import { budgetEvents } from './budget/events.js';
import { duplicateAlertEvents } from './dupalert/events.js';
import { findingEvents } from './finding/events.js';
import { fundEvents } from './fund/events.js';
import { indicatorEvents } from './indicator/events.js';
import { passportEvents } from './passport/events.js';
import { programmeNodeEvents } from './programme-node/events.js';
import { programmeEvents } from './programme/events.js';

/** Every event type of every stream type: the event store validates against this. */
export function createEventRegistry(): EventRegistry {
  return new EventRegistry().register(
    ...budgetEvents,
    ...duplicateAlertEvents,
    ...fundEvents,
    ...passportEvents,
    ...programmeEvents,
    ...programmeNodeEvents,
    ...indicatorEvents,
    ...findingEvents,
  );
}
