import { EventRegistry } from '../eventstore/registry.js';
import { budgetEvents } from './budget/events.js';
import { duplicateAlertEvents } from './dupalert/events.js';
import { findingEvents } from './finding/events.js';
import { fundEvents } from './fund/events.js';
import { importJobEvents } from './importjob/events.js';
import { indicatorEvents } from './indicator/events.js';
import { passportEvents } from './passport/events.js';
import { programmeNodeEvents } from './programme-node/events.js';
import { programmeEvents } from './programme/events.js';
import { streamTypes, type AnyEvent } from './stream-types.js';

/** Every event type of every stream type, current and retired: the event store validates against this. */
export function createEventRegistry(): EventRegistry<AnyEvent> {
  const registry: EventRegistry<AnyEvent> = EventRegistry.of(
    ...fundEvents,
    ...programmeEvents,
    ...programmeNodeEvents,
    ...passportEvents,
    ...budgetEvents,
    ...indicatorEvents,
    ...findingEvents,
    ...duplicateAlertEvents,
    ...importJobEvents,
  );
  for (const stream of Object.values(streamTypes)) {
    for (const retired of stream.retired) registry.upcast(retired.type, retired.upcast, { contextual: retired.contextual ?? false });
  }
  return registry;
}
