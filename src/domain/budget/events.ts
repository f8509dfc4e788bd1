import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import { programmeRefSchema } from '../passport/content.js';
import { claimItemSchema, correctionSourceSchema, fundShareSchema, invoiceInputSchema, supplierContractSchema } from './content.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const cents = z.number().int().min(0);

const costLineSchema = z
  .object({ code: z.string(), output: z.string(), indicativeCents: cents, maximumCents: cents.nullable(), vatable: z.boolean() })
  .strict();

/** Opened from an approved passport version: its cost lines are copied so later amendments do not rewrite history. */
export const BudgetOpened = defineEvent(
  'BudgetOpened.v1',
  z
    .object({
      projectId: z.uuid(),
      passportVersion: z.number().int().min(1),
      programme: programmeRefSchema,
      recipientOrg: z.string(),
      costLines: z.array(costLineSchema),
      totalCents: cents,
      vatCents: cents,
      vatSource: z.enum(['state_budget', 'own', 'not_requested']),
      vatRecoverable: z.boolean(),
      advanceCents: cents,
      shares: z.array(fundShareSchema).min(1),
      openedAt: at,
      openedBy: actor,
    })
    .strict(),
);

export const SupplierContractRegistered = defineEvent(
  'SupplierContractRegistered.v1',
  supplierContractSchema.extend({ contractId: z.uuid(), registeredAt: at, registeredBy: actor }).strict(),
);

/** `normalisedNumber` is stored so the submit-time double-funding check can look it up directly. */
export const InvoiceSubmitted = defineEvent(
  'InvoiceSubmitted.v1',
  invoiceInputSchema.extend({ invoiceId: z.uuid(), normalisedNumber: z.string().min(1), submittedAt: at, submittedBy: actor }).strict(),
);

/** Each item repeats its invoice's key so over-allocation across claims can be summed without a join. */
export const PaymentClaimSubmitted = defineEvent(
  'PaymentClaimSubmitted.v1',
  z
    .object({
      claimId: z.uuid(),
      kind: z.enum(['advance', 'interim', 'final']),
      periodFrom: z.iso.date(),
      periodTo: z.iso.date(),
      items: z.array(claimItemSchema.extend({ supplierRegNo: z.string(), normalisedNumber: z.string() }).strict()),
      requestedCents: cents,
      submittedAt: at,
      submittedBy: actor,
    })
    .strict(),
);

export const InvoiceVerified = defineEvent(
  'InvoiceVerified.v1',
  z
    .object({
      claimId: z.uuid(),
      invoiceId: z.uuid(),
      eligibleCents: cents,
      ineligibleCents: cents,
      reasonCode: z
        .string()
        .regex(/^[A-Z][A-Z0-9_]{1,49}$/)
        .optional(),
      verifiedAt: at,
      verifiedBy: actor,
    })
    .strict(),
);

/** Payment of a verified claim (maksājums); never more than the eligible amount verified. */
export const ClaimPaid = defineEvent(
  'ClaimPaid.v1',
  z.object({ claimId: z.uuid(), amountCents: cents, paidOn: z.iso.date(), paidAt: at, paidBy: actor }).strict(),
);

/**
 * A financial correction (finanšu korekcija) taken off the project's eligible expenditure on
 * one cost line, split between funds to the cent. Named "Booked", not "Applied": type names
 * are global and `FinancialCorrectionApplied.v1` is the finding stream's record of it.
 * `correctionId` is deterministic for a finding's correction, so a retried append finds it.
 */
export const FinancialCorrectionBooked = defineEvent(
  'FinancialCorrectionBooked.v1',
  z
    .object({
      correctionId: z.uuid(),
      costLine: z.string().regex(/^\d+(\.\d+)*$/),
      amountCents: cents.min(1),
      funds: z.array(fundShareSchema).min(1),
      reason: z.string().min(1).max(20_000),
      source: correctionSourceSchema,
      claimId: z.uuid().nullable(),
      invoiceId: z.uuid().nullable(),
      appliedAt: at,
      appliedBy: actor,
    })
    .strict(),
);

export type BudgetEvent =
  | EventOf<typeof BudgetOpened>
  | EventOf<typeof SupplierContractRegistered>
  | EventOf<typeof InvoiceSubmitted>
  | EventOf<typeof PaymentClaimSubmitted>
  | EventOf<typeof InvoiceVerified>
  | EventOf<typeof ClaimPaid>
  | EventOf<typeof FinancialCorrectionBooked>;

export const budgetEvents = [
  BudgetOpened,
  SupplierContractRegistered,
  InvoiceSubmitted,
  PaymentClaimSubmitted,
  InvoiceVerified,
  ClaimPaid,
  FinancialCorrectionBooked,
];
