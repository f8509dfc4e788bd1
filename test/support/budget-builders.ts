import { randomUUID } from 'node:crypto';
import type { InvoiceInput, PaymentClaimInput } from '../../src/domain/budget/content.js';
import type { PassportFacts } from '../../src/domain/budget/decider.js';
import { eAdrese } from './passport-builders.js';

/** A supplier (piegādātājs) other than any organisation in the seed passport. */
export const SUPPLIER = '40003000001';

/** The seed passport (e-adrese) as approved: 4,620,000 RRF plus VAT 776,160 from the state budget. */
export function buildPassportFacts(overrides: Partial<PassportFacts> = {}): PassportFacts {
  return {
    status: 'approved',
    approvedVersion: 1,
    programme: eAdrese.programme,
    recipientOrg: eAdrese.recipient.registrationNumber,
    financing: structuredClone(eAdrese.sections.financing!),
    ...overrides,
  };
}

/** Shares that add up to the seed passport's total plus its state-budget VAT. */
export const SEED_SHARES = [
  { fund: 'RRF' as const, cents: 462000000 },
  { fund: 'STATE' as const, cents: 77616000 },
];

/** EUR 1,000 + 21 % VAT on cost line 4.3, all RRF. */
export function buildInvoice(overrides: Partial<InvoiceInput> = {}): InvoiceInput {
  return {
    supplierRegNo: SUPPLIER,
    number: `INV-${randomUUID().slice(0, 8)}`,
    date: '2024-03-15',
    netCents: 100000,
    vatCents: 21000,
    grossCents: 121000,
    costLine: '4.3',
    allocations: [{ fund: 'RRF', cents: 121000 }],
    ...overrides,
  };
}

export function buildClaim(items: PaymentClaimInput['items'], overrides: Partial<PaymentClaimInput> = {}): PaymentClaimInput {
  return {
    kind: 'interim',
    periodFrom: '2024-01-01',
    periodTo: '2024-06-30',
    items,
    requestedCents: items.reduce((n, i) => n + i.cents, 0),
    ...overrides,
  };
}
