import { expect } from 'vitest';
import type { Command, Decider, DomainEvent } from '../../src/domain/decider.js';

/**
 * Decider tests read as specifications:
 * `given([registered]).when(rename).then([renamed])` or `.thenThrows(IllegalTransition)`.
 */
export function specFor<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (history: E[]) => ({
    when: (command: C) => {
      const state = history.reduce(decider.evolve, decider.initialState);
      const run = () => decider.decide(command, state);
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenThrows: (error: abstract new (...args: never[]) => Error, message?: RegExp) => {
          expect(run).toThrow(error);
          if (message) expect(run).toThrow(message);
        },
        thenState: (expected: Partial<S>) => expect(run().reduce(decider.evolve, state)).toMatchObject(expected),
      };
    },
  });
}
