import { EventRegistry } from '../eventstore/registry.js';
import { fundEvents } from './fund/events.js';
import { indicatorEvents } from './indicator/events.js';
import { passportEvents } from './passport/events.js';
import { programmeNodeEvents } from './programme-node/events.js';
import { programmeEvents } from './programme/events.js';

/** Every event type of every stream type: the event store validates against this. */
export function createEventRegistry(): EventRegistry {
  return new EventRegistry().register(...fundEvents, ...passportEvents, ...programmeEvents, ...programmeNodeEvents, ...indicatorEvents);
}
