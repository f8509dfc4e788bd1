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
    documentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
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
