import type { DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import type { ClaimKind, FundShare } from '../../domain/budget/content.js';
import type { OpenBudget } from '../../domain/budget/decider.js';

export interface BudgetCostLineView {
  code: string;
  output: string;
  indicativeCents: number;
  maximumCents: number | null;
  /** Claimed so far from invoices on this line. */
  claimedCents: number;
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
  streamVersion: number;
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
    costLines: b.costLines.map((l) => ({ ...l, claimedCents: claimedByLine.get(l.code) ?? 0 })),
    contracts: b.contracts.length,
    invoices: Object.values(b.invoices).map((i) => ({
      invoiceId: i.invoiceId, supplierRegNo: i.supplierRegNo, number: i.number, normalisedNumber: i.normalisedNumber, date: i.date,
      netCents: i.netCents, vatCents: i.vatCents, grossCents: i.grossCents, costLine: i.costLine, allocations: i.allocations,
    })),
    claims: Object.values(b.claims).map((c) => ({
      claimId: c.claimId, kind: c.kind, periodFrom: c.periodFrom, periodTo: c.periodTo, requestedCents: c.requestedCents, paidCents: c.paidCents,
      items: c.items.map((i) => ({
        invoiceId: i.invoiceId, cents: i.cents,
        eligibleCents: c.verified[i.invoiceId]?.eligibleCents ?? null, ineligibleCents: c.verified[i.invoiceId]?.ineligibleCents ?? null,
      })),
    })),
    streamVersion,
  };
}
