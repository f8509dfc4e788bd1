import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EventMetadata, NewEvent } from '../../src/eventstore/port.js';
import { defineEvent, EventRegistry } from '../../src/eventstore/registry.js';

export function buildMetadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    actor: 'anna.berzina',
    organisation: '90000012345',
    role: 'beneficiary',
    roles: ['beneficiary'],
    correlationId: randomUUID(),
    causationId: null,
    requestId: randomUUID(),
    ...overrides,
  };
}

/** Event types used only by the event-store tests. */
export const Counted = defineEvent('Counted.v2', z.object({ n: z.number().int(), note: z.string() }).strict());

export function testRegistry() {
  return EventRegistry.of(Counted).upcast('Counted.v1', (p) => ({
    type: 'Counted.v2',
    data: { ...(p as object), note: 'upcast from v1' },
  }));
}

export function counted(n: number, overrides: Partial<NewEvent> = {}): NewEvent {
  return { type: Counted.type, data: { n, note: `event ${n}` }, metadata: buildMetadata(), ...overrides };
}
