import { describe, expect, it } from 'vitest';
import { splitProRata } from '../../src/domain/budget/content.js';
import { findingCorrectionId } from '../../src/domain/budget/correction.js';
import { budgetDecider, type BudgetCommand } from '../../src/domain/budget/decider.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { buildClaim, buildInvoice, buildPassportFacts, SEED_SHARES } from '../support/budget-builders.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(budgetDecider);
const now = new Date('2024-09-01T09:00:00.000Z');
const T = now.toISOString();
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const invoiceId = '11111111-1111-4111-8111-111111111111';
const otherInvoiceId = '33333333-3333-4333-8333-333333333333';
const claimId = '22222222-2222-4222-8222-222222222222';
const correctionId = '44444444-4444-4444-8444-444444444444';
const findingId = '55555555-5555-4555-8555-555555555555';
const ctx = (actor = 'janis') => ({ now, actor, subject: projectId });

/** Folds commands one after another into the events they produce: a budget's history built through its own rules. */
function historyOf(...commands: BudgetCommand[]): BudgetEvent[] {
  const events: BudgetEvent[] = [];
  for (const c of commands) events.push(...budgetDecider.decide(c, events.reduce(budgetDecider.evolve, budgetDecider.initialState)));
  return events;
}
const open: BudgetCommand = {
  type: 'OpenBudget',
  data: { projectId, passport: buildPassportFacts(), shares: SEED_SHARES, vatRecoverable: false },
  context: ctx(),
};
const invoice = (id: string, costLine = '4.3'): BudgetCommand => ({
  type: 'SubmitInvoice',
  data: { ...buildInvoice({ costLine }), invoiceId: id },
  context: ctx('anna'),
});
const claim: BudgetCommand = {
  type: 'SubmitPaymentClaim',
  data: {
    ...buildClaim([
      { invoiceId, cents: 121000 },
      { invoiceId: otherInvoiceId, cents: 121000 },
    ]),
    claimId,
    directAdministration: false,
  },
  context: ctx('anna'),
};
const verify = (id: string, eligibleCents: number): BudgetCommand => ({
  type: 'VerifyInvoice',
  data: {
    claimId,
    invoiceId: id,
    eligibleCents,
    ineligibleCents: 121000 - eligibleCents,
    ...(eligibleCents < 121000 ? { reasonCode: 'OUT_OF_SCOPE' } : {}),
  },
  context: ctx(),
});
/** 4.3: EUR 1,000.00 verified eligible of 1,210.00 claimed; 4.4: EUR 1,210.00 verified eligible. */
const verified = historyOf(
  open,
  invoice(invoiceId),
  invoice(otherInvoiceId, '4.4'),
  claim,
  verify(invoiceId, 100000),
  verify(otherInvoiceId, 121000),
);

type CorrectionData = Extract<BudgetCommand, { type: 'ApplyFinancialCorrection' }>['data'];
const correct = (overrides: Partial<CorrectionData> = {}): BudgetCommand => ({
  type: 'ApplyFinancialCorrection',
  data: {
    correctionId,
    costLine: '4.3',
    amountCents: 25000,
    reason: '25 % korekcija par iepirkuma pārkāpumu',
    source: { kind: 'officer' },
    ...overrides,
  },
  context: ctx(),
});

describe('largest-remainder split', () => {
  it('when the amount divides unevenly, the parts still add up to it and the left-over cents go to the largest remainders', () => {
    expect(
      splitProRata(100, [
        { key: 'a', weight: 1 },
        { key: 'b', weight: 1 },
        { key: 'c', weight: 1 },
      ]),
    ).toEqual([
      { key: 'a', cents: 34 },
      { key: 'b', cents: 33 },
      { key: 'c', cents: 33 },
    ]);
    expect(
      splitProRata(
        25000,
        SEED_SHARES.map((s) => ({ key: s.fund, weight: s.cents })),
      ),
    ).toEqual([
      { key: 'RRF', cents: 21404 },
      { key: 'STATE', cents: 3596 },
    ]);
  });

  it('when the weights are large, the split is exact (no floating point)', () => {
    const parts = splitProRata(9_007_199_254_740, [
      { key: 'a', weight: 9_000_000_000_001 },
      { key: 'b', weight: 7 },
    ]);
    expect(parts.reduce((n, p) => n + p.cents, 0)).toBe(9_007_199_254_740);
  });
});

describe('financial corrections on the budget', () => {
  it('when an officer corrects part of what was verified eligible on a line, FinancialCorrectionBooked splits it pro-rata to the fund shares to the cent', () =>
    given(verified)
      .when(correct())
      .then([
        {
          type: 'FinancialCorrectionBooked.v1',
          data: {
            correctionId,
            costLine: '4.3',
            amountCents: 25000,
            reason: '25 % korekcija par iepirkuma pārkāpumu',
            source: { kind: 'officer' },
            // 25000 × 462000000 / 539616000 = 21404.40…, × 77616000 / … = 3595.59…: the left-over cent goes to STATE.
            funds: [
              { fund: 'RRF', cents: 21404 },
              { fund: 'STATE', cents: 3596 },
            ],
            claimId: null,
            invoiceId: null,
            appliedAt: T,
            appliedBy: 'janis',
          },
        },
      ]));

  it('when the split between funds is given and adds up, it is kept as given, with the claim and invoice it concerns', () =>
    given(verified)
      .when(correct({ funds: [{ fund: 'RRF', cents: 25000 }], claimId, invoiceId, source: { kind: 'finding', findingId } }))
      .thenState({
        corrections: {
          [correctionId]: expect.objectContaining({
            funds: [{ fund: 'RRF', cents: 25000 }],
            claimId,
            invoiceId,
            source: { kind: 'finding', findingId },
          }),
        },
      }));

  it('when the correction is exactly what was verified eligible on the line, it is booked; one cent more is refused naming amountCents with the figures', () => {
    given(verified)
      .when(correct({ amountCents: 100000 }))
      .thenState({ status: 'open' });
    given(verified)
      .when(correct({ amountCents: 100001 }))
      .thenThrows(
        ValidationFailed,
        /amountCents: EUR 1000.01 is more than can be corrected on cost line 4.3: verified eligible EUR 1000.00 − earlier corrections EUR 0.00 = EUR 1000.00/,
      );
  });

  it('when earlier corrections used up part of the line, only the rest can still be corrected', () => {
    const once = [
      ...verified,
      ...budgetDecider.decide(correct({ amountCents: 60000 }), verified.reduce(budgetDecider.evolve, budgetDecider.initialState)),
    ];
    const second = (amountCents: number) => correct({ correctionId: '66666666-6666-4666-8666-666666666666', amountCents });
    given(once).when(second(40000)).thenState({ status: 'open' });
    given(once)
      .when(second(40001))
      .thenThrows(ValidationFailed, /verified eligible EUR 1000.00 − earlier corrections EUR 600.00 = EUR 400.00/);
  });

  it('when corrections on another line exist, they do not use up this one', () => {
    const other = [
      ...verified,
      ...budgetDecider.decide(
        correct({ costLine: '4.4', amountCents: 121000 }),
        verified.reduce(budgetDecider.evolve, budgetDecider.initialState),
      ),
    ];
    given(other)
      .when(correct({ correctionId: '66666666-6666-4666-8666-666666666666', amountCents: 100000 }))
      .thenState({ status: 'open' });
  });

  it('when nothing was verified on the line yet, any correction is refused', () =>
    given(historyOf(open, invoice(invoiceId)))
      .when(correct({ amountCents: 1 }))
      .thenThrows(ValidationFailed, /verified eligible EUR 0.00/));

  it('when the cost line is unknown, it is refused naming costLine and the lines there are', () =>
    given(verified)
      .when(correct({ costLine: '4.9' }))
      .thenThrows(ValidationFailed, /costLine: the budget has no cost line 4.9; it has 4.3, 4.4, 4.5/));

  it('when the fund split misses the amount by a cent or names a fund the project lacks, it is refused naming funds', () => {
    given(verified)
      .when(correct({ funds: [{ fund: 'RRF', cents: 24999 }] }))
      .thenThrows(ValidationFailed, /funds: the funds add up to 24999 cents, the correction is 25000/);
    given(verified)
      .when(correct({ funds: [{ fund: 'ERDF', cents: 25000 }] }))
      .thenThrows(ValidationFailed, /funds.0.fund: the project is not financed from ERDF/);
  });

  it('when the invoice is unknown, on another line or not in the claim named, or the claim is unknown, it is refused naming the field', () => {
    given(verified)
      .when(correct({ invoiceId: correctionId }))
      .thenThrows(ValidationFailed, /invoiceId: invoice .* is not an invoice of this project/);
    given(verified)
      .when(correct({ invoiceId: otherInvoiceId }))
      .thenThrows(ValidationFailed, /invoiceId: invoice .* is on cost line 4.4, not 4.3/);
    given(verified)
      .when(correct({ claimId: correctionId }))
      .thenThrows(ValidationFailed, /claimId: payment claim .* is not a claim of this project/);
  });

  it('when the same correction is booked again (a retry), nothing more is booked; with other figures, it is a conflict', () => {
    const booked = [...verified, ...budgetDecider.decide(correct(), verified.reduce(budgetDecider.evolve, budgetDecider.initialState))];
    given(booked).when(correct()).then([]);
    given(booked)
      .when(correct({ amountCents: 25001 }))
      .thenThrows(IllegalTransition, /already booked with other figures \(EUR 250.00 on cost line 4.3\)/);
  });

  it('when the project has no open budget, a correction is an illegal transition in state no_budget saying the budget must be opened first', () => {
    given([])
      .when(correct())
      .thenThrows(
        IllegalTransition,
        new RegExp(
          `^project ${projectId} has no open budget: a financial correction is booked on the budget, so an officer must first open the budget from the approved passport$`,
        ),
      );
    expect(() => budgetDecider.decide(correct(), budgetDecider.initialState)).toThrow(
      expect.objectContaining({ command: 'ApplyFinancialCorrection', currentState: 'no_budget' }),
    );
  });

  it('when the project has no open budget, any other budget command is still not found', () =>
    given([])
      .when(invoice(invoiceId))
      .thenThrows(NotFound, new RegExp(`Budget of project ${projectId} does not exist`)));
});

describe("a finding's correction id", () => {
  it('when asked twice for the same finding and number, it is the same UUID; another number or finding gives another', () => {
    const id = findingCorrectionId(findingId, 1);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(findingCorrectionId(findingId, 1)).toBe(id);
    expect(findingCorrectionId(findingId, 2)).not.toBe(id);
    expect(findingCorrectionId(correctionId, 1)).not.toBe(id);
  });
});
