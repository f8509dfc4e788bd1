import type { FieldIssue } from '../errors.js';

/**
 * Irregularities above EUR 10,000 of EU money are reported onwards (to OLAF through IMS);
 * strictly above: exactly EUR 10,000.00 is not reportable.
 */
export const REPORTABLE_IRREGULARITY_THRESHOLD_CENTS = 1_000_000;

export const isReportableIrregularity = (euShareCents: number): boolean => euShareCents > REPORTABLE_IRREGULARITY_THRESHOLD_CENTS;

/** A corrective action is overdue once its deadline day has passed and the finding is still open. */
export const isOverdue = (deadline: string | null, closed: boolean, today: string): boolean =>
  deadline !== null && !closed && deadline < today;

/** The EU share is part of the amount at risk, never more. */
export function amountIssues(amountAtRiskCents: number, euShareCents: number): FieldIssue[] {
  return euShareCents > amountAtRiskCents
    ? [{ field: 'euShareCents', message: `the EU share (${euShareCents}) cannot exceed the amount at risk (${amountAtRiskCents})` }]
    : [];
}
