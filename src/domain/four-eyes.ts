import { FourEyesViolation } from './errors.js';

/** Who did what to the thing being approved (a passport, a payment claim, …). */
export interface ApprovalActors {
  /** User id of the person approving now. */
  readonly approver: string;
  readonly submittedBy: string;
  /** Absent when the thing needs no verification before approval. */
  readonly verifiedBy?: string | undefined;
}

/**
 * Four-eyes principle: an approval must come from a person who neither submitted nor verified
 * the thing. Pure, so every decider can call it with the actors from its state and command.
 */
export function assertFourEyes({ approver, submittedBy, verifiedBy }: ApprovalActors): void {
  const earlierActs = [
    ...(approver === submittedBy ? (['submitted'] as const) : []),
    ...(approver === verifiedBy ? (['verified'] as const) : []),
  ];
  if (earlierActs.length > 0) throw new FourEyesViolation(approver, earlierActs);
}
