import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, NotFound, ValidationFailed, type FieldIssue } from '../errors.js';
import { assertFourEyesRule, fourEyesRule } from '../four-eyes.js';
import { drain, ROWS_PER_STEP, type Steps } from '../steps.js';
import type { Financing, ProgrammeRef } from '../passport/content.js';
import {
  normaliseInvoiceNumber,
  type FundShare,
  type InvoiceInput,
  type InvoiceVerificationInput,
  type PaymentInput,
  type PaymentClaimInput,
  type SupplierContractInput,
} from './content.js';
import { applyCorrection, type ApplyFinancialCorrection, type Correction } from './correction.js';
import { defineStreamType } from '../stream.js';
import { ADVANCE_CAP_PERCENT, advanceCapCents, eligibleCostsCents } from '../passport/financing.js';
import { budgetEvents, type BudgetEvent } from './events.js';

type Opened = Extract<BudgetEvent, { type: 'BudgetOpened.v1' }>['data'];
type Invoice = Extract<BudgetEvent, { type: 'InvoiceSubmitted.v1' }>['data'];
type Claim = Extract<BudgetEvent, { type: 'PaymentClaimSubmitted.v1' }>['data'];

/** An open budget: the approved passport's money plus everything declared against it. */
export interface OpenBudget extends Omit<Opened, 'openedAt' | 'openedBy'> {
  status: 'open';
  contracts: string[];
  invoices: Record<string, Invoice>;
  claims: Record<
    string,
    Claim & { verified: Record<string, { eligibleCents: number; ineligibleCents: number; verifiedBy: string }>; paidCents: number | null }
  >;
  /** Financial corrections booked, by correction id, in the order booked. */
  corrections: Record<string, Correction>;
}
export type Budget = { status: 'none' } | OpenBudget;

/** A payment claim as the budget holds it, with its verifications and payment. */
export type BudgetClaim = OpenBudget['claims'][string];

/** Four-eyes (četru acu princips) of a payment claim: who took the steps each decision on it checks. */
export const claimFourEyes = {
  /** The officer verifies an invoice of a claim someone else submitted. */
  verify: fourEyesRule<BudgetClaim>('verify', (claim) => ({ submitted: claim.submittedBy })),
  /** Whoever pays neither submitted the claim nor verified any of its invoices. */
  pay: fourEyesRule<BudgetClaim>('pay', (claim) => ({
    submitted: claim.submittedBy,
    verified: Object.values(claim.verified).map((x) => x.verifiedBy),
  })),
};

/** What the budget needs to know about the passport; the handler reads it from the passport stream. */
export interface PassportFacts {
  status: string;
  approvedVersion: number | null;
  programme: ProgrammeRef;
  recipientOrg: string;
  financing: Financing | undefined;
}

export type BudgetCommand =
  | Command<'OpenBudget', { projectId: string; passport: PassportFacts; shares: FundShare[]; vatRecoverable: boolean }>
  | Command<'RegisterSupplierContract', SupplierContractInput & { contractId: string }>
  | Command<'SubmitInvoice', InvoiceInput & { invoiceId: string }>
  /** A bulk import (CSV/XLSX): each row checked like a single invoice; `row` is its row in the file, for messages. */
  | Command<'ImportInvoices', { rows: { row: number; invoice: InvoiceInput & { invoiceId: string } }[] }>
  /** `directAdministration`: whether the recipient is a direct administration body (from the passport in force), which may not receive an advance. */
  | Command<'SubmitPaymentClaim', PaymentClaimInput & { claimId: string; directAdministration: boolean }>
  | Command<'VerifyInvoice', InvoiceVerificationInput & { claimId: string }>
  | Command<'RecordPayment', PaymentInput & { claimId: string }>
  | ApplyFinancialCorrection;

export const initialState: Budget = { status: 'none' };
const sum = (xs: readonly { cents: number }[]) => xs.reduce((n, x) => n + x.cents, 0);
const eur = (c: number) => `EUR ${(c / 100).toFixed(2)}`;
const refuseIf = (issues: FieldIssue[]) => {
  if (issues.length) throw new ValidationFailed(issues);
};

function open(c: Extract<BudgetCommand, { type: 'OpenBudget' }>, state: Budget): BudgetEvent[] {
  const { passport, shares, projectId } = c.data;
  if (state.status !== 'none') throw new IllegalTransition(c.type, state.status, `Project ${projectId} already has a budget`);
  if (passport.status !== 'approved' || passport.approvedVersion === null || !passport.financing) {
    throw new IllegalTransition(
      c.type,
      passport.status,
      `a budget is opened only from an approved passport; this one is ${passport.status}`,
    );
  }
  const f = passport.financing;
  const total = f.totalCents + (f.vatSource === 'not_requested' ? 0 : f.vatCents);
  refuseIf(
    sum(shares) === total
      ? []
      : [{ field: 'shares', message: `shares add up to ${sum(shares)} cents, the passport's total plus requested VAT is ${total} cents` }],
  );
  return [
    {
      type: 'BudgetOpened.v1',
      data: {
        projectId,
        passportVersion: passport.approvedVersion,
        programme: passport.programme,
        recipientOrg: passport.recipientOrg,
        costLines: f.costLines.map(({ code, output, indicativeCents, maximumCents, vatable }) => ({
          code,
          output,
          indicativeCents,
          maximumCents,
          vatable,
        })),
        totalCents: f.totalCents,
        vatCents: f.vatCents,
        vatSource: f.vatSource,
        vatRecoverable: c.data.vatRecoverable,
        advanceCents: f.advanceCents,
        shares,
        openedAt: c.context.now.toISOString(),
        openedBy: c.context.actor,
      },
    },
  ];
}

function invoiceIssues(i: InvoiceInput, state: OpenBudget): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (i.netCents + i.vatCents !== i.grossCents) {
    issues.push({
      field: 'grossCents',
      message: `gross ${i.grossCents} is not net ${i.netCents} + VAT ${i.vatCents} = ${i.netCents + i.vatCents}`,
    });
  }
  if (!state.costLines.some((l) => l.code === i.costLine)) {
    issues.push({
      field: 'costLine',
      message: `the budget has no cost line ${i.costLine}; it has ${state.costLines.map((l) => l.code).join(', ')}`,
    });
  }
  if (sum(i.allocations) !== i.grossCents) {
    issues.push({ field: 'allocations', message: `allocations add up to ${sum(i.allocations)} cents, the gross is ${i.grossCents}` });
  }
  i.allocations.forEach((a, n) => {
    if (!state.shares.some((s) => s.fund === a.fund))
      issues.push({ field: `allocations.${n}.fund`, message: `the project is not financed from ${a.fund}` });
  });
  return issues;
}

/** Claimed so far per cost line and in total, counting every earlier claim. */
function claimedSoFar(state: OpenBudget): { byLine: Map<string, number>; total: number } {
  const byLine = new Map<string, number>();
  let total = 0;
  for (const claim of Object.values(state.claims)) {
    for (const item of claim.items) {
      const line = state.invoices[item.invoiceId]!.costLine;
      byLine.set(line, (byLine.get(line) ?? 0) + item.cents);
      total += item.cents;
    }
  }
  return { byLine, total };
}

function claim(c: Extract<BudgetCommand, { type: 'SubmitPaymentClaim' }>, state: OpenBudget): BudgetEvent[] {
  const { claimId, items, requestedCents, periodFrom, periodTo, kind } = c.data;
  const issues: FieldIssue[] = [];
  if (periodFrom > periodTo) issues.push({ field: 'periodTo', message: `the period ends ${periodTo}, before it starts ${periodFrom}` });
  items.forEach((item, n) => {
    const invoice = state.invoices[item.invoiceId];
    if (!invoice) issues.push({ field: `items.${n}.invoiceId`, message: `invoice ${item.invoiceId} is not an invoice of this project` });
    else if (item.cents > invoice.grossCents) {
      issues.push({ field: `items.${n}.cents`, message: `${item.cents} cents claimed from an invoice of ${invoice.grossCents} cents` });
    }
  });
  if (kind !== 'advance' && items.length === 0) issues.push({ field: 'items', message: `an ${kind} claim needs at least one invoice` });
  if (new Set(items.map((i) => i.invoiceId)).size !== items.length)
    issues.push({ field: 'items', message: 'an invoice appears twice in the claim' });
  const claimed = sum(items);
  if (kind !== 'advance' && claimed !== requestedCents) {
    issues.push({ field: 'requestedCents', message: `requested ${requestedCents} cents, the items add up to ${claimed}` });
  }
  if (kind === 'advance') issues.push(...advanceIssues(requestedCents, c.data.directAdministration, state));
  refuseIf(issues);

  // Ceilings are a conflict with what is already claimed, not malformed input: 409 with the figures.
  const so = claimedSoFar(state);
  for (const line of state.costLines) {
    const here = items.filter((i) => state.invoices[i.invoiceId]!.costLine === line.code).reduce((n, i) => n + i.cents, 0);
    const ceiling = line.maximumCents ?? line.indicativeCents;
    const after = (so.byLine.get(line.code) ?? 0) + here;
    if (here > 0 && after > ceiling) {
      throw new IllegalTransition(
        c.type,
        'open',
        `cost line ${line.code} would reach ${eur(after)} (already claimed ${eur(so.byLine.get(line.code) ?? 0)} + this claim ${eur(here)}), above its maximum ${eur(ceiling)}`,
      );
    }
  }
  const projectTotal = sum(state.shares);
  if (so.total + claimed > projectTotal) {
    throw new IllegalTransition(
      c.type,
      'open',
      `the project would reach ${eur(so.total + claimed)} (already claimed ${eur(so.total)} + this claim ${eur(claimed)}), above its total ${eur(projectTotal)}`,
    );
  }
  const withKeys = items.map((i) => {
    const inv = state.invoices[i.invoiceId]!;
    return { ...i, supplierRegNo: inv.supplierRegNo, normalisedNumber: inv.normalisedNumber };
  });
  return [
    {
      type: 'PaymentClaimSubmitted.v1',
      data: {
        claimId,
        kind,
        periodFrom,
        periodTo,
        items: withKeys,
        requestedCents,
        submittedAt: c.context.now.toISOString(),
        submittedBy: c.context.actor,
      },
    },
  ];
}

/**
 * Advances (avanss) of all the project's advance claims together: none for a direct
 * administration body; at most what the approved passport planned, and never above 30 % of
 * the eligible costs, whatever the passport planned.
 */
function advanceIssues(requestedCents: number, directAdministration: boolean, state: OpenBudget): FieldIssue[] {
  if (directAdministration) {
    return [{ field: 'kind', message: 'the recipient is a direct administration body, which may not receive an advance' }];
  }
  const earlier = Object.values(state.claims).reduce((n, claim) => (claim.kind === 'advance' ? n + claim.requestedCents : n), 0);
  const eligible = eligibleCostsCents(state, state.vatRecoverable);
  const cap = Math.min(state.advanceCents, advanceCapCents(eligible));
  if (earlier + requestedCents <= cap) return [];
  return [
    {
      field: 'requestedCents',
      message:
        `advances would reach ${eur(earlier + requestedCents)} (earlier ${eur(earlier)} + this ${eur(requestedCents)}), above ${eur(cap)}: ` +
        `the passport plans ${eur(state.advanceCents)} and at most ${ADVANCE_CAP_PERCENT} % of the eligible costs of ${eur(eligible)} may be advanced`,
    },
  ];
}

function verify(c: Extract<BudgetCommand, { type: 'VerifyInvoice' }>, state: OpenBudget): BudgetEvent[] {
  const { claimId, invoiceId, eligibleCents, ineligibleCents, reasonCode } = c.data;
  const found = state.claims[claimId];
  if (!found) throw new NotFound('Payment claim', claimId);
  const item = found.items.find((i) => i.invoiceId === invoiceId);
  if (!item) throw new NotFound(`Invoice in payment claim ${claimId}:`, invoiceId);
  if (found.verified[invoiceId])
    throw new IllegalTransition(c.type, 'verified', `invoice ${invoiceId} is already verified in claim ${claimId}`);
  assertFourEyesRule(claimFourEyes.verify, c.context.actor, found);
  const issues: FieldIssue[] = [];
  if (eligibleCents + ineligibleCents !== item.cents) {
    issues.push({
      field: 'eligibleCents',
      message: `eligible ${eligibleCents} + ineligible ${ineligibleCents} = ${eligibleCents + ineligibleCents}, the claimed amount is ${item.cents}`,
    });
  }
  if (ineligibleCents > 0 && !reasonCode) issues.push({ field: 'reasonCode', message: 'an ineligible amount needs a reason code' });
  refuseIf(issues);
  return [
    {
      type: 'InvoiceVerified.v1',
      data: {
        claimId,
        invoiceId,
        eligibleCents,
        ineligibleCents,
        ...(reasonCode ? { reasonCode } : {}),
        verifiedAt: c.context.now.toISOString(),
        verifiedBy: c.context.actor,
      },
    },
  ];
}

function pay(c: Extract<BudgetCommand, { type: 'RecordPayment' }>, state: OpenBudget): BudgetEvent[] {
  const { claimId, amountCents, paidOn } = c.data;
  const found = state.claims[claimId];
  if (!found) throw new NotFound('Payment claim', claimId);
  if (found.paidCents !== null) throw new IllegalTransition(c.type, 'paid', `claim ${claimId} is already paid (${eur(found.paidCents)})`);
  const unverified = found.items.filter((i) => !found.verified[i.invoiceId]).map((i) => i.invoiceId);
  if (unverified.length)
    throw new IllegalTransition(c.type, 'submitted', `claim ${claimId} has unverified invoices: ${unverified.join(', ')}`);
  assertFourEyesRule(claimFourEyes.pay, c.context.actor, found);
  const payable = found.kind === 'advance' ? found.requestedCents : Object.values(found.verified).reduce((n, v) => n + v.eligibleCents, 0);
  refuseIf(
    amountCents > payable
      ? [{ field: 'amountCents', message: `${amountCents} cents is above the ${payable} cents verified eligible` }]
      : [],
  );
  return [{ type: 'ClaimPaid.v1', data: { claimId, amountCents, paidOn, paidAt: c.context.now.toISOString(), paidBy: c.context.actor } }];
}

/** Every row's issues and every duplicate within an import, pausing every {@link ROWS_PER_STEP} rows. */
export function* importIssuesInSteps(rows: readonly { row: number; invoice: InvoiceInput }[], state: OpenBudget): Steps<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const first = new Map<string, number>();
  for (const [n, { row, invoice }] of rows.entries()) {
    if (n % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    issues.push(...invoiceIssues(invoice, state).map((i) => ({ field: `rows.${row}.${i.field}`, message: i.message })));
    const key = `${invoice.supplierRegNo}|${normaliseInvoiceNumber(invoice.number)}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, row);
    else
      issues.push({
        field: `rows.${row}.number`,
        message: `the same invoice as row ${earlier}: supplier ${invoice.supplierRegNo}, number ${normaliseInvoiceNumber(invoice.number)} once normalised`,
      });
  }
  if (rows.length === 0) issues.push({ field: 'rows', message: 'the import holds no invoices' });
  return issues;
}

/** All or nothing: every row's issues and every duplicate within the import are reported together. */
function importInvoices(c: Extract<BudgetCommand, { type: 'ImportInvoices' }>, state: OpenBudget): BudgetEvent[] {
  refuseIf(drain(importIssuesInSteps(c.data.rows, state)));
  const at = c.context.now.toISOString();
  return c.data.rows.map(({ invoice }) => ({
    type: 'InvoiceSubmitted.v1' as const,
    data: { ...invoice, normalisedNumber: normaliseInvoiceNumber(invoice.number), submittedAt: at, submittedBy: c.context.actor },
  }));
}

export function decide(command: BudgetCommand, state: Budget): BudgetEvent[] {
  if (command.type === 'OpenBudget') return open(command, state);
  if (state.status === 'none') {
    const project = command.context.subject ?? '(unknown)';
    if (command.type === 'ApplyFinancialCorrection') {
      throw new IllegalTransition(
        command.type,
        'no_budget',
        `project ${project} has no open budget: a financial correction is booked on the budget, so an officer must first open the budget from the approved passport`,
      );
    }
    throw new NotFound('Budget of project', project);
  }
  const at = command.context.now.toISOString();
  const by = command.context.actor;
  switch (command.type) {
    case 'RegisterSupplierContract': {
      const d = command.data;
      refuseIf(
        d.endsOn < d.signedOn ? [{ field: 'endsOn', message: `the contract ends ${d.endsOn}, before it is signed ${d.signedOn}` }] : [],
      );
      return [{ type: 'SupplierContractRegistered.v1', data: { ...d, registeredAt: at, registeredBy: by } }];
    }
    case 'SubmitInvoice':
      refuseIf(invoiceIssues(command.data, state));
      return [
        {
          type: 'InvoiceSubmitted.v1',
          data: { ...command.data, normalisedNumber: normaliseInvoiceNumber(command.data.number), submittedAt: at, submittedBy: by },
        },
      ];
    case 'ImportInvoices':
      return importInvoices(command, state);
    case 'SubmitPaymentClaim':
      return claim(command, state);
    case 'VerifyInvoice':
      return verify(command, state);
    case 'RecordPayment':
      return pay(command, state);
    case 'ApplyFinancialCorrection':
      return applyCorrection(command, state);
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: Budget, event: BudgetEvent): Budget {
  return evolveAll(state, [event]);
}

/**
 * The budget after `events`. The collections are copied once, then each event applied to the
 * copies, so folding a budget with n invoices costs O(n), not O(n²) as copying per event would
 * (an imported file of 10,000 invoices made every later command on the project take seconds).
 * `state` itself is never changed.
 */
export function evolveAll(state: Budget, events: readonly BudgetEvent[]): Budget {
  let draft: OpenBudget | null = state.status === 'open' ? copyCollections(state) : null;
  for (const event of events) {
    if (event.type === 'BudgetOpened.v1') {
      const { openedAt: _a, openedBy: _b, ...opened } = event.data;
      draft = { ...opened, status: 'open', contracts: [], invoices: {}, claims: {}, corrections: {} };
    } else if (draft) apply(draft, event);
  }
  return draft ?? state;
}

const copyCollections = (b: OpenBudget): OpenBudget => ({
  ...b,
  contracts: [...b.contracts],
  invoices: { ...b.invoices },
  claims: { ...b.claims },
  corrections: { ...b.corrections },
});

/** Applies one event to a draft whose collections are its own; entries are replaced, never changed. */
function apply(draft: OpenBudget, event: Exclude<BudgetEvent, { type: 'BudgetOpened.v1' }>): void {
  switch (event.type) {
    case 'SupplierContractRegistered.v1':
      draft.contracts.push(event.data.contractId);
      return;
    case 'InvoiceSubmitted.v1':
      draft.invoices[event.data.invoiceId] = event.data;
      return;
    case 'PaymentClaimSubmitted.v1':
      draft.claims[event.data.claimId] = { ...event.data, verified: {}, paidCents: null };
      return;
    case 'InvoiceVerified.v1': {
      const { claimId, invoiceId, eligibleCents, ineligibleCents, verifiedBy } = event.data;
      const c = draft.claims[claimId];
      if (c) draft.claims[claimId] = { ...c, verified: { ...c.verified, [invoiceId]: { eligibleCents, ineligibleCents, verifiedBy } } };
      return;
    }
    case 'ClaimPaid.v1': {
      const c = draft.claims[event.data.claimId];
      if (c) draft.claims[event.data.claimId] = { ...c, paidCents: event.data.amountCents };
      return;
    }
    case 'FinancialCorrectionBooked.v1':
      draft.corrections[event.data.correctionId] = event.data;
      return;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const budgetDecider: Decider<BudgetCommand, BudgetEvent, Budget> = { decide, evolve, evolveAll, initialState };

/** A project's budget (budžets): `budget-<projectId>`, opened from the approved passport. */
export const budgetStream = defineStreamType({
  name: 'budget',
  decider: budgetDecider,
  events: budgetEvents,
  projects: (state) => (state.status === 'none' ? [] : [{ projectId: state.projectId, organisation: state.recipientOrg }]),
  // A budget grows by an event per invoice: a command reads the state kept and the events after it, not 10,000 invoices.
  // Bump the schema whenever evolveAll, the Budget type or an upcaster of budget events changes.
  snapshots: { schema: 'budget.1', every: 500 },
});
export const budgetStreamId = (projectId: string) => `budget-${projectId}`;
