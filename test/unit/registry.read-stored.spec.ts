import { describe, expect, it } from 'vitest';
import { InvalidEventPayload } from '../../src/eventstore/errors.js';
import { EventRegistry } from '../../src/eventstore/registry.js';
import { Counted } from '../support/builders.js';

/** Counted.v1 had no note: read as Counted.v2 with an empty one (or a broken one, to see it checked). */
const registry = (note: unknown = '') =>
  EventRegistry.of(Counted).upcast('Counted.v1', (p) => ({ type: 'Counted.v2', data: { ...(p as object), note } }));

describe('reading stored payloads back out (readStored)', () => {
  it('when the type is current, gives the payload exactly as stored, where parseStored checks it against the schema', () => {
    const stored = { n: 1, note: 'as appended' };
    expect(registry().readStored('Counted.v2', stored)).toEqual({ type: 'Counted.v2', data: stored });
    expect(registry().readStored('Counted.v2', stored).data).toBe(stored);
    // What the schema would refuse is stated, not refused: the export shows what the log holds.
    expect(registry().readStored('Counted.v2', { n: 'one' })).toEqual({ type: 'Counted.v2', data: { n: 'one' } });
    expect(() => registry().parseStored('Counted.v2', { n: 'one' })).toThrow(InvalidEventPayload);
  });

  it('when the type is retired, upcasts it and checks the result against the current schema, as parseStored does', () => {
    expect(registry().readStored('Counted.v1', { n: 2 })).toEqual({ type: 'Counted.v2', data: { n: 2, note: '' } });
    expect(() => registry(42).readStored('Counted.v1', { n: 2 })).toThrow(InvalidEventPayload);
  });
});
