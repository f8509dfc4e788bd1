import { EventRegistry } from '../eventstore/registry.js';
import { fundEvents } from './fund/events.js';
import { passportEvents } from './passport/events.js';

/** Every event type of every stream type: the event store validates against this. */
export function createEventRegistry(): EventRegistry {
  return new EventRegistry().register(...fundEvents, ...passportEvents);
}
