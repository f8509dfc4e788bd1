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

/** Earlier steps (past tense) and who took them, as {@link FourEyesCheck.earlier}. */
export type EarlierSteps = FourEyesCheck['earlier'];

/**
 * One four-eyes step of a stream type, written once: the act, and who took the earlier steps it
 * checks, read from what it checks (a passport, a payment claim, a value report, a finding). The
 * decider refuses with it ({@link assertFourEyesRule}); the history shows it ({@link fourEyesStep}).
 */
export interface FourEyesRule<T> {
  /** The step, as a verb: `approve`, `verify`, … */
  readonly act: string;
  /** Pure: the earlier steps and their people, from the thing checked as it stood before the step. */
  readonly earlier: (checked: T) => EarlierSteps;
}

export function fourEyesRule<T>(act: string, earlier: (checked: T) => EarlierSteps): FourEyesRule<T> {
  return { act, earlier };
}

/** The deciders' check: refuses with {@link FourEyesViolation} when `actor` took an earlier step of the rule. */
export function assertFourEyesRule<T>(rule: FourEyesRule<T>, actor: string, checked: T): void {
  assertFourEyes({ actor, act: rule.act, earlier: rule.earlier(checked) });
}

/** A four-eyes step as an auditor reads it in a history: who acted, and who took the earlier steps it checks. */
export interface FourEyesStep {
  act: string;
  /** The person acting now. */
  actor: string;
  /** The earlier steps this one checks and who took them, in the rule's order; a step nobody took yet is left out. */
  earlier: { step: string; actor: string }[];
}

/** The step `actor` took under `rule` on `checked`: each earlier person once per step. */
export function fourEyesStep<T>(rule: FourEyesRule<T>, actor: string, checked: T): FourEyesStep {
  const earlier = Object.entries(rule.earlier(checked)).flatMap(([step, by]) =>
    [...new Set(typeof by === 'string' ? [by] : (by ?? []))].map((person) => ({ step, actor: person })),
  );
  return { act: rule.act, actor, earlier };
}
