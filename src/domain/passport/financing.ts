import type { Financing } from './content.js';

/**
 * Avanss: at most 30 % of the eligible costs, and none for a direct administration body
 * (seed 004, section 4.2, footnote 5). A passport that plans more is warned at submission;
 * a payment claim for more is refused.
 */
export const ADVANCE_CAP_PERCENT = 30;

/**
 * Attiecināmās izmaksas: the financing total, plus the VAT whose coverage is requested, unless
 * the recipient can recover VAT itself (then VAT is never an eligible cost).
 */
export function eligibleCostsCents(financing: Pick<Financing, 'totalCents' | 'vatCents' | 'vatSource'>, vatRecoverable = false): number {
  return financing.totalCents + (financing.vatSource !== 'not_requested' && !vatRecoverable ? financing.vatCents : 0);
}

/** The largest advance for these eligible costs, rounded down to the cent (exact for any amount in cents). */
export function advanceCapCents(eligibleCents: number): number {
  return Number((BigInt(eligibleCents) * BigInt(ADVANCE_CAP_PERCENT)) / 100n);
}
