import { FourEyesViolation } from './errors.js';

/** Who is acting now, what they are doing, and who did the earlier steps on the same thing. */
export interface FourEyesCheck {
  /** User id of the person acting now. */
  readonly actor: string;
  /** The step being taken, as a verb: `approve`, `verify`, `pay`, `close`, `correct`. */
  readonly act: string;
  /** Earlier steps (past tense) and who took them: `{ submitted: 'anna', verified: ['janis', 'peteris'] }`. */
  readonly earlier: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * Four-eyes principle (četru acu princips): a step that checks or approves something must come
 * from a person who took none of the earlier steps it checks. Pure, so every decider calls it
 * with the people from its state and the actor from the command.
 */
export function assertFourEyes({ actor, act, earlier }: FourEyesCheck): void {
  const own = Object.entries(earlier)
    .filter(([, by]) => (typeof by === 'string' ? by === actor : (by ?? []).includes(actor)))
    .map(([step]) => step);
  if (own.length > 0) throw new FourEyesViolation(actor, act, own);
}
