import type { DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import type { ClaimKind, CorrectionSource, FundShare } from '../../domain/budget/content.js';
import { correctedOn, verifiedEligibleOn } from '../../domain/budget/correction.js';
import type { OpenBudget } from '../../domain/budget/decider.js';

export interface BudgetCostLineView {
  code: string;
  output: string;
  indicativeCents: number;
  maximumCents: number | null;
  /** Whether the line's costs bear VAT (the passport's VAT amount is computed on these lines). */
  vatable: boolean;
  /** Claimed so far from invoices on this line. */
  claimedCents: number;
  /** Verified eligible so far on this line, over every claim. */
  verifiedEligibleCents: number;
  /** Financial corrections booked on this line. */
  correctedCents: number;
  /** Verified eligible minus corrections: what the line's expenditure stands at after corrections. */
  correctedEligibleCents: number;
}
/** A financial correction (finanšu korekcija) booked on the budget. */
export interface BudgetCorrectionView {
  correctionId: string;
  costLine: string;
  amountCents: number;
  /** How the correction is split between funds; adds up to the amount. */
  funds: FundShare[];
  reason: string;
  /** An audit finding (its id), or the officer's own correction. */
  source: CorrectionSource;
  claimId: string | null;
  invoiceId: string | null;
  appliedAt: string;
  appliedBy: string;
}
/** The budget's money in one place, in cents. */
export interface BudgetTotalsView {
  /** Shares of all funds: the passport total plus requested VAT. */
  plannedCents: number;
  claimedCents: number;
  verifiedEligibleCents: number;
  correctedCents: number;
  /** Verified eligible minus corrections. */
  correctedEligibleCents: number;
  paidCents: number;
  /** Corrections per fund. */
  correctedByFund: FundShare[];
}
export interface InvoiceView {
  invoiceId: string;
  supplierRegNo: string;
  number: string;
  /** How the number is matched across projects (see normaliseInvoiceNumber). */
  normalisedNumber: string;
  date: string;
  netCents: number;
  vatCents: number;
  grossCents: number;
  costLine: string;
  allocations: FundShare[];
}
export interface ClaimItemView {
  invoiceId: string;
  cents: number;
  /** Null until the officer has verified it. */
  eligibleCents: number | null;
  ineligibleCents: number | null;
}
export interface PaymentClaimView {
  claimId: string;
  kind: ClaimKind;
  periodFrom: string;
  periodTo: string;
  requestedCents: number;
  items: ClaimItemView[];
  /** Null until paid. */
  paidCents: number | null;
}
export interface BudgetView {
  projectId: string;
  passportVersion: number;
  vatSource: 'state_budget' | 'own' | 'not_requested';
  vatRecoverable: boolean;
  advanceCents: number;
  shares: FundShare[];
  costLines: BudgetCostLineView[];
  contracts: number;
  invoices: InvoiceView[];
  claims: PaymentClaimView[];
  /** In the order booked. */
  corrections: BudgetCorrectionView[];
  totals: BudgetTotalsView;
  /** Stream version (as of `asOf` on a read); also the ETag. */
  streamVersion: number;
}
/** A budget as it stood at an instant (`GET /projects/{projectId}/budget`, optionally `?asOf=`). */
export interface BudgetAsOfView extends BudgetView {
  /**
   * The instant this state is for: only events recorded at or before it count, so nothing
   * recorded later changes it. The request's `asOf`, or the time of the read when none was given.
   * @format date-time
   */
  asOf: string;
}
/** A submission's answer: what was stored and the double-funding warnings it raised at once. */
export interface SubmissionView {
  /** The invoice or claim id. */
  id: string;
  streamVersion: number;
  /** Warnings only: the submission is stored either way. */
  alerts: DuplicateAlertView[];
}

export function budgetView(b: OpenBudget, streamVersion: number): BudgetView {
  const claimedByLine = new Map<string, number>();
  for (const c of Object.values(b.claims)) {
    for (const i of c.items) {
      const line = b.invoices[i.invoiceId]!.costLine;
      claimedByLine.set(line, (claimedByLine.get(line) ?? 0) + i.cents);
    }
  }
  return {
    projectId: b.projectId,
    passportVersion: b.passportVersion,
    vatSource: b.vatSource,
    vatRecoverable: b.vatRecoverable,
    advanceCents: b.advanceCents,
    shares: b.shares,
    costLines: b.costLines.map((l) => {
      const verifiedEligibleCents = verifiedEligibleOn(b, l.code);
      const correctedCents = correctedOn(b, l.code);
      return {
        ...l,
        claimedCents: claimedByLine.get(l.code) ?? 0,
        verifiedEligibleCents,
        correctedCents,
        correctedEligibleCents: verifiedEligibleCents - correctedCents,
      };
    }),
    contracts: b.contracts.length,
    invoices: Object.values(b.invoices).map((i) => ({
      invoiceId: i.invoiceId,
      supplierRegNo: i.supplierRegNo,
      number: i.number,
      normalisedNumber: i.normalisedNumber,
      date: i.date,
      netCents: i.netCents,
      vatCents: i.vatCents,
      grossCents: i.grossCents,
      costLine: i.costLine,
      allocations: i.allocations,
    })),
    claims: Object.values(b.claims).map((c) => ({
      claimId: c.claimId,
      kind: c.kind,
      periodFrom: c.periodFrom,
      periodTo: c.periodTo,
      requestedCents: c.requestedCents,
      paidCents: c.paidCents,
      items: c.items.map((i) => ({
        invoiceId: i.invoiceId,
        cents: i.cents,
        eligibleCents: c.verified[i.invoiceId]?.eligibleCents ?? null,
        ineligibleCents: c.verified[i.invoiceId]?.ineligibleCents ?? null,
      })),
    })),
    corrections: Object.values(b.corrections).map((c) => ({
      correctionId: c.correctionId,
      costLine: c.costLine,
      amountCents: c.amountCents,
      funds: c.funds,
      reason: c.reason,
      source: c.source,
      claimId: c.claimId,
      invoiceId: c.invoiceId,
      appliedAt: c.appliedAt,
      appliedBy: c.appliedBy,
    })),
    totals: totalsOf(b, claimedByLine),
    streamVersion,
  };
}

function totalsOf(b: OpenBudget, claimedByLine: Map<string, number>): BudgetTotalsView {
  const sum = (xs: Iterable<number>) => [...xs].reduce((n, x) => n + x, 0);
  const verifiedEligibleCents = sum(Object.values(b.claims).flatMap((c) => Object.values(c.verified).map((v) => v.eligibleCents)));
  const corrections = Object.values(b.corrections);
  const correctedCents = sum(corrections.map((c) => c.amountCents));
  const byFund = new Map<FundShare['fund'], number>();
  for (const f of corrections.flatMap((c) => c.funds)) byFund.set(f.fund, (byFund.get(f.fund) ?? 0) + f.cents);
  return {
    plannedCents: sum(b.shares.map((s) => s.cents)),
    claimedCents: sum(claimedByLine.values()),
    verifiedEligibleCents,
    correctedCents,
    correctedEligibleCents: verifiedEligibleCents - correctedCents,
    paidCents: sum(Object.values(b.claims).map((c) => c.paidCents ?? 0)),
    correctedByFund: b.shares.filter((s) => byFund.has(s.fund)).map((s) => ({ fund: s.fund, cents: byFund.get(s.fund)! })),
  };
}
