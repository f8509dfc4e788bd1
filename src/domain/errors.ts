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

/**
 * A change that replaces content (PUT, PATCH) came without If-Match: without the version the
 * client based it on, it could silently overwrite a change it never saw.
 */
export class PreconditionRequired extends Error {
  constructor(readonly what: string) {
    super(`${what} replaces content: send If-Match with the ETag you read, so a change made since is not overwritten unseen`);
    this.name = 'PreconditionRequired';
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

/** A step taken by someone who already took an earlier step it checks (četru acu princips). */
export class FourEyesViolation extends Error {
  constructor(
    readonly actor: string,
    /** The step refused, as a verb: `approve`, `verify`, … */
    readonly act: string,
    /** What the same person already did to this thing: `submitted`, `verified`, … */
    readonly earlierActs: readonly string[],
  ) {
    super(`${actor} ${earlierActs.join(' and ')} this and may not also ${act} it: the four-eyes principle needs a second person`);
    this.name = 'FourEyesViolation';
  }
}
