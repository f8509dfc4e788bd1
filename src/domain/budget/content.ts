import { z } from 'zod';
import type { Cents, IsoDate } from '../values.js';

/*
 * What the API accepts for a project's budget stream (budžets): funding shares, supplier
 * contracts, invoices (rēķini), payment claims (maksājuma pieprasījumi) and the officer's
 * verification. Money is integer euro cents; interfaces for tsoa, zod schemas for payloads.
 */

/** Fund a share of the project is financed from. `STATE` = state budget, `OWN` = own funds. */
export type FundingSource = 'RRF' | 'ERDF' | 'STATE' | 'OWN';
export const FUNDING_SOURCES = ['RRF', 'ERDF', 'STATE', 'OWN'] as const;

const cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const isoDate = z.iso.date();
const regNo = z.string().regex(/^\d{11}$/);

export interface FundShare {
  fund: FundingSource;
  cents: Cents;
}
export const fundShareSchema = z.object({ fund: z.enum(FUNDING_SOURCES), cents }).strict() satisfies z.ZodType<FundShare>;

/** Opens the budget from the approved passport; the passport supplies cost lines and advance. */
export interface OpenBudgetRequest {
  /** Shares per fund; they must add up to the passport's total plus requested VAT, to the cent. @minItems 1 */
  shares: FundShare[];
  /** True when the recipient can recover VAT (then VAT is never an eligible cost). */
  vatRecoverable: boolean;
}

/** A supplier contract (piegādes līgums) after procurement. */
export interface SupplierContractInput {
  /** Supplier registration number. @pattern ^\d{11}$ */
  supplierRegNo: string;
  /** Procurement id, e.g. VRAA 2023/12 ANM. @minLength 1 @maxLength 100 */
  procurementId: string;
  amountCents: Cents;
  signedOn: IsoDate;
  endsOn: IsoDate;
}
export const supplierContractSchema = z
  .object({ supplierRegNo: regNo, procurementId: z.string().min(1).max(100), amountCents: cents, signedOn: isoDate, endsOn: isoDate })
  .strict() satisfies z.ZodType<SupplierContractInput>;

/** An invoice (rēķins) declared in the project, and how its gross is allocated to funds. */
export interface InvoiceInput {
  /** @pattern ^\d{11}$ */
  supplierRegNo: string;
  /** As printed on the invoice, e.g. "VRAA-2024/0042". @minLength 1 @maxLength 100 */
  number: string;
  date: IsoDate;
  netCents: Cents;
  vatCents: Cents;
  /** Must equal net + VAT. */
  grossCents: Cents;
  /** Passport cost line code, e.g. 4.3. @pattern ^\d+(\.\d+)*$ */
  costLine: string;
  /** Pro-rata split of the gross between funds; must add up to the gross exactly. @minItems 1 */
  allocations: FundShare[];
  /** SHA-256 of the scanned document, hex. @pattern ^[0-9a-f]{64}$ */
  documentHash?: string;
  /**
   * The asset paid for, e.g. an inventory or cadastre number; when two invoices both name one,
   * the double-funding overlap rule compares assets instead of suppliers. @minLength 1 @maxLength 100
   */
  assetRef?: string;
}
export const invoiceInputSchema = z
  .object({
    supplierRegNo: regNo,
    number: z.string().min(1).max(100),
    date: isoDate,
    netCents: cents,
    vatCents: cents,
    grossCents: cents,
    costLine: z.string().regex(/^\d+(\.\d+)*$/),
    allocations: z.array(fundShareSchema).min(1),
    documentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    assetRef: z.string().trim().min(1).max(100).optional(),
  })
  .strict() satisfies z.ZodType<InvoiceInput>;

export type ClaimKind = 'advance' | 'interim' | 'final';

export interface ClaimItem {
  /** An invoice of this project. @format uuid */
  invoiceId: string;
  /** Amount claimed from the invoice (may be part of it: pro-rata). */
  cents: Cents;
}
export const claimItemSchema = z.object({ invoiceId: z.uuid(), cents }).strict() satisfies z.ZodType<ClaimItem>;

/** A payment claim (maksājuma pieprasījums). */
export interface PaymentClaimInput {
  kind: ClaimKind;
  periodFrom: IsoDate;
  periodTo: IsoDate;
  items: ClaimItem[];
  /** Must equal the sum of the items (an advance has no items). */
  requestedCents: Cents;
}

/** Officer's verification of one invoice in one claim: eligible + ineligible = amount claimed. */
export interface InvoiceVerificationInput {
  /** @format uuid */
  invoiceId: string;
  eligibleCents: Cents;
  ineligibleCents: Cents;
  /** Required when something is ineligible, e.g. VAT_RECOVERABLE, OUT_OF_PERIOD. @pattern ^[A-Z][A-Z0-9_]{1,49}$ */
  reasonCode?: string;
}

/**
 * Normalised invoice number for matching the same invoice across projects: upper-case;
 * spaces, dashes, slashes, dots and underscores removed; leading zeros of every run of digits
 * dropped before the separators go, so "2024/0042" is 2024 then 42 (a run of only
 * zeros stays "0"). "vraa-2024/0042" and "VRAA 2024 42" both become
 * "VRAA202442". Letters stay, so "A-1" and "B-1" differ.
 */
export function normaliseInvoiceNumber(number: string): string {
  return number
    .toUpperCase()
    .replace(/\d+/g, (run) => run.replace(/^0+(?=\d)/, ''))
    .replace(/[\s\-/._]+/g, '');
}

/** Payment of a verified payment claim. */
export interface PaymentInput {
  amountCents: Cents;
  paidOn: IsoDate;
}

/** Where a financial correction comes from: an audit finding, or the officer's own check of the expenditure. */
export type CorrectionSource = { kind: 'finding'; findingId: string } | { kind: 'officer' };
export const correctionSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('finding'), findingId: z.uuid() }).strict(),
  z.object({ kind: z.literal('officer') }).strict(),
]) satisfies z.ZodType<CorrectionSource>;

/** A financial correction (finanšu korekcija) an officer applies to the budget directly. */
export interface FinancialCorrectionInput {
  /** Budget cost line the correction is charged to, e.g. `4.3`. @pattern ^\d+(\.\d+)*$ */
  costLine: string;
  /** At least 1 cent; at most what was verified eligible on the line minus earlier corrections. */
  amountCents: Cents;
  /** @minLength 1 @maxLength 20000 */
  reason: string;
  /** Split between funds; must add up to the amount exactly. Default: pro-rata to the budget's fund shares. */
  funds?: FundShare[];
  /** The payment claim the correction concerns, if any. @format uuid */
  claimId?: string;
  /** The invoice the correction concerns, if any; it must be on the same cost line. @format uuid */
  invoiceId?: string;
}

/**
 * Splits `amount` cents pro-rata to `weights` so the parts add up to `amount` exactly:
 * each part is rounded down, then the cents left over go one each to the largest
 * remainders (ties: the earlier weight). All-zero weights split nothing but to the first.
 */
export function splitProRata<K>(amount: number, weights: readonly { key: K; weight: number }[]): { key: K; cents: number }[] {
  const total = weights.reduce((n, w) => n + w.weight, 0);
  if (weights.length === 0) return [];
  if (total <= 0) return weights.map((w, i) => ({ key: w.key, cents: i === 0 ? amount : 0 }));
  // BigInt: amount × weight can pass 2^53 for large budgets.
  const parts = weights.map((w, i) => {
    const exact = BigInt(amount) * BigInt(w.weight);
    return { i, key: w.key, cents: Number(exact / BigInt(total)), rem: exact % BigInt(total) };
  });
  let left = amount - parts.reduce((n, p) => n + p.cents, 0);
  for (const p of [...parts].sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1))) {
    if (left-- <= 0) break;
    p.cents += 1;
  }
  return parts.map(({ key, cents }) => ({ key, cents }));
}
