import type { Command } from '../decider.js';
import { uuidV5 } from '../ids.js';
import { IllegalTransition, ValidationFailed, type FieldIssue } from '../errors.js';
import { splitProRata, type CorrectionSource, type FinancialCorrectionInput, type FundShare } from './content.js';
import type { BudgetEvent } from './events.js';

/*
 * Financial corrections (finanšu korekcijas) on the budget stream: money taken off what was
 * verified eligible on a cost line, after an audit finding or the officer's own check.
 * Kept beside the decider so decider.ts only routes to it.
 */

export type Correction = Extract<BudgetEvent, { type: 'FinancialCorrectionBooked.v1' }>['data'];

export type ApplyFinancialCorrection = Command<
  'ApplyFinancialCorrection',
  FinancialCorrectionInput & { correctionId: string; source: CorrectionSource }
>;

/** What the correction rules need of an open budget. */
export interface CorrectableBudget {
  costLines: readonly { code: string }[];
  shares: readonly FundShare[];
  invoices: Readonly<Record<string, { costLine: string }>>;
  claims: Readonly<
    Record<string, { items: readonly { invoiceId: string }[]; verified: Readonly<Record<string, { eligibleCents: number }>> }>
  >;
  corrections: Readonly<Record<string, Correction>>;
}

const eur = (c: number) => `EUR ${(c / 100).toFixed(2)}`;

/** Verified eligible on a cost line, over every claim's verified invoices. */
export function verifiedEligibleOn(state: CorrectableBudget, costLine: string): number {
  let n = 0;
  for (const claim of Object.values(state.claims)) {
    for (const [invoiceId, v] of Object.entries(claim.verified)) if (state.invoices[invoiceId]?.costLine === costLine) n += v.eligibleCents;
  }
  return n;
}

export const correctedOn = (state: CorrectableBudget, costLine: string): number =>
  Object.values(state.corrections).reduce((n, c) => (c.costLine === costLine ? n + c.amountCents : n), 0);

/**
 * Books a correction. The same correction id again with the same figures is a retry and
 * books nothing (the finding's two-stream flow relies on it); with other figures it is a conflict.
 */
export function applyCorrection(c: ApplyFinancialCorrection, state: CorrectableBudget): BudgetEvent[] {
  const d = c.data;
  const earlier = state.corrections[d.correctionId];
  if (earlier) {
    if (sameCorrection(earlier, d)) return [];
    throw new IllegalTransition(
      c.type,
      'corrected',
      `correction ${d.correctionId} is already booked with other figures (${eur(earlier.amountCents)} on cost line ${earlier.costLine})`,
    );
  }
  const issues: FieldIssue[] = [];
  if (!state.costLines.some((l) => l.code === d.costLine)) {
    issues.push({
      field: 'costLine',
      message: `the budget has no cost line ${d.costLine}; it has ${state.costLines.map((l) => l.code).join(', ')}`,
    });
  }
  if (d.amountCents < 1) issues.push({ field: 'amountCents', message: 'a financial correction must be at least 1 cent' });
  if (d.invoiceId !== undefined) {
    const invoice = state.invoices[d.invoiceId];
    if (!invoice) issues.push({ field: 'invoiceId', message: `invoice ${d.invoiceId} is not an invoice of this project` });
    else if (invoice.costLine !== d.costLine)
      issues.push({ field: 'invoiceId', message: `invoice ${d.invoiceId} is on cost line ${invoice.costLine}, not ${d.costLine}` });
  }
  if (d.claimId !== undefined) {
    const claim = state.claims[d.claimId];
    if (!claim) issues.push({ field: 'claimId', message: `payment claim ${d.claimId} is not a claim of this project` });
    else if (d.invoiceId !== undefined && !claim.items.some((i) => i.invoiceId === d.invoiceId)) {
      issues.push({ field: 'invoiceId', message: `invoice ${d.invoiceId} is not in payment claim ${d.claimId}` });
    }
  }
  if (d.funds !== undefined) {
    const sum = d.funds.reduce((n, f) => n + f.cents, 0);
    if (sum !== d.amountCents)
      issues.push({ field: 'funds', message: `the funds add up to ${sum} cents, the correction is ${d.amountCents}` });
    d.funds.forEach((f, n) => {
      if (!state.shares.some((s) => s.fund === f.fund))
        issues.push({ field: `funds.${n}.fund`, message: `the project is not financed from ${f.fund}` });
    });
    if (new Set(d.funds.map((f) => f.fund)).size !== d.funds.length) issues.push({ field: 'funds', message: 'a fund appears twice' });
  }
  const known = state.costLines.some((l) => l.code === d.costLine);
  if (known && d.amountCents >= 1) {
    const verified = verifiedEligibleOn(state, d.costLine);
    const corrected = correctedOn(state, d.costLine);
    if (d.amountCents > verified - corrected) {
      issues.push({
        field: 'amountCents',
        message: `${eur(d.amountCents)} is more than can be corrected on cost line ${d.costLine}: verified eligible ${eur(verified)} − earlier corrections ${eur(corrected)} = ${eur(verified - corrected)}`,
      });
    }
  }
  if (issues.length) throw new ValidationFailed(issues);
  return [
    {
      type: 'FinancialCorrectionBooked.v1',
      data: {
        correctionId: d.correctionId,
        costLine: d.costLine,
        amountCents: d.amountCents,
        funds: d.funds ?? fundsProRata(d.amountCents, state.shares),
        reason: d.reason,
        source: d.source,
        claimId: d.claimId ?? null,
        invoiceId: d.invoiceId ?? null,
        appliedAt: c.context.now.toISOString(),
        appliedBy: c.context.actor,
      },
    },
  ];
}

/** The correction split pro-rata to the budget's fund shares; funds that get nothing are left out. */
export function fundsProRata(amountCents: number, shares: readonly FundShare[]): FundShare[] {
  return splitProRata(
    amountCents,
    shares.map((s) => ({ key: s.fund, weight: s.cents })),
  )
    .filter((p) => p.cents > 0)
    .map((p) => ({ fund: p.key, cents: p.cents }));
}

export function sameCorrection(earlier: Correction, d: ApplyFinancialCorrection['data']): boolean {
  return (
    earlier.costLine === d.costLine &&
    earlier.amountCents === d.amountCents &&
    earlier.reason === d.reason &&
    JSON.stringify(earlier.source) === JSON.stringify(d.source) &&
    earlier.claimId === (d.claimId ?? null) &&
    earlier.invoiceId === (d.invoiceId ?? null) &&
    (d.funds === undefined || JSON.stringify(earlier.funds) === JSON.stringify(d.funds))
  );
}

/** Namespace of finding correction ids (a fixed random UUID). */
const FINDING_CORRECTION_NAMESPACE = '0d6f3e4a-7b21-4c9e-a5d8-3f1b2c6e9a47';

/**
 * The budget correction id of a finding's `n`th financial correction: UUIDv5 of both, so a
 * request retried after booking on the budget but before the finding recorded it finds its
 * own correction on the budget instead of booking it twice.
 */
export function findingCorrectionId(findingId: string, n: number): string {
  return uuidV5(FINDING_CORRECTION_NAMESPACE, `finding:${findingId}:correction:${n}`);
}
