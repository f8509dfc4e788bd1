/** Domain errors: what went wrong in the business's terms. src/http/problem.ts maps them to HTTP. */

/** The command is not allowed in the current state. */
export class IllegalTransition extends Error {
  constructor(
    readonly command: string,
    readonly currentState: string,
    detail?: string,
  ) {
    super(detail ?? `${command} is not allowed in state "${currentState}"`);
    this.name = 'IllegalTransition';
  }
}

export class NotFound extends Error {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`${what} ${id} does not exist`);
    this.name = 'NotFound';
  }
}

/** The client's If-Match names a version the object is no longer (or not yet) at. */
export class PreconditionFailed extends Error {
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`If-Match expects version ${expectedVersion}, but the current version is ${actualVersion}; reload and retry`);
    this.name = 'PreconditionFailed';
  }
}

export interface FieldIssue {
  /** Dotted path of the field at fault, e.g. `financing.costLines.2.maximum`. */
  readonly field: string;
  readonly message: string;
}

/** Input that is well-formed but breaks a business rule, field by field. */
export class ValidationFailed extends Error {
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'ValidationFailed';
  }
}

/** An approval by someone who already submitted or verified the same thing (četru acu princips). */
export class FourEyesViolation extends Error {
  constructor(
    readonly approver: string,
    /** What the approver already did to this thing: `submitted`, `verified`, or both. */
    readonly earlierActs: readonly ('submitted' | 'verified')[],
  ) {
    super(`the approver ${approver} ${earlierActs.join(' and ')} this; approval needs a second person`);
    this.name = 'FourEyesViolation';
  }
}
