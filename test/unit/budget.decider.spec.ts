import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseInvoiceNumber } from '../../src/domain/budget/content.js';
import { budgetDecider, type BudgetCommand } from '../../src/domain/budget/decider.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import { FourEyesViolation, IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { specFor } from '../support/given-when-then.js';
import { buildClaim, buildInvoice, buildPassportFacts, SEED_SHARES } from '../support/budget-builders.js';

const given = specFor(budgetDecider);
const now = new Date('2024-04-01T09:00:00.000Z');
const T = now.toISOString();
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const invoiceId = '11111111-1111-4111-8111-111111111111';
const claimId = '22222222-2222-4222-8222-222222222222';
const ctx = (actor = 'anna') => ({ now, actor, subject: projectId });

const openCmd = (overrides: Partial<Extract<BudgetCommand, { type: 'OpenBudget' }>['data']> = {}): BudgetCommand => ({
  type: 'OpenBudget',
  data: { projectId, passport: buildPassportFacts(), shares: SEED_SHARES, vatRecoverable: false, ...overrides },
  context: ctx('janis'),
});
const submitInvoice = (overrides = {}): BudgetCommand => ({
  type: 'SubmitInvoice',
  data: { ...buildInvoice({ number: 'VRAA-2024/0042', ...overrides }), invoiceId },
  context: ctx(),
});
const submitClaim = (items = [{ invoiceId, cents: 121000 }], overrides = {}): BudgetCommand => ({
  type: 'SubmitPaymentClaim',
  data: { ...buildClaim(items, overrides), claimId, directAdministration: false },
  context: ctx(),
});
const verifyCmd = (eligibleCents: number, ineligibleCents: number, reasonCode?: string): BudgetCommand => ({
  type: 'VerifyInvoice',
  data: { claimId, invoiceId, eligibleCents, ineligibleCents, ...(reasonCode ? { reasonCode } : {}) },
  context: ctx('janis'),
});

const opened = budgetDecider.decide(openCmd(), budgetDecider.initialState);
const invoiced = budgetDecider.decide(submitInvoice(), budgetDecider.evolve(budgetDecider.initialState, opened[0]!));
const claimed = [
  ...opened,
  ...invoiced,
  ...budgetDecider.decide(submitClaim(), [...opened, ...invoiced].reduce(budgetDecider.evolve, budgetDecider.initialState)),
];

describe('invoice number normalisation', () => {
  it('when numbers differ only in case, separators and leading zeros of a digit run, they normalise alike', () => {
    expect(normaliseInvoiceNumber('vraa-2024/0042')).toBe('VRAA202442');
    expect(normaliseInvoiceNumber('VRAA 2024 42')).toBe('VRAA202442');
    expect(normaliseInvoiceNumber('000')).toBe('0');
  });
  it('when numbers differ in a letter or a significant digit, they stay different', () => {
    expect(normaliseInvoiceNumber('A-1')).not.toBe(normaliseInvoiceNumber('B-1'));
    expect(normaliseInvoiceNumber('10')).not.toBe(normaliseInvoiceNumber('1'));
  });
});

describe('budget decider', () => {
  it('when opened from an approved passport, BudgetOpened copies its cost lines, VAT source and advance', () =>
    given([])
      .when(openCmd())
      .thenState({
        status: 'open',
        passportVersion: 1,
        vatSource: 'state_budget',
        costLines: [expect.objectContaining({ code: '4.3', maximumCents: 419600000 }), expect.anything(), expect.anything()] as never,
      }));

  it('when the passport is not approved, opening is an illegal transition naming its state', () =>
    given([])
      .when(openCmd({ passport: buildPassportFacts({ status: 'submitted', approvedVersion: null }) }))
      .thenThrows(IllegalTransition, /this one is submitted/));

  it('when the budget is already open, opening again is an illegal transition', () =>
    given(opened)
      .when(openCmd())
      .thenThrows(IllegalTransition, /already has a budget/));

  it('when the shares miss the total by one cent, opening is refused naming both figures', () =>
    given([])
      .when(
        openCmd({
          shares: [
            { fund: 'RRF', cents: 462000000 },
            { fund: 'STATE', cents: 77615999 },
          ],
        }),
      )
      .thenThrows(ValidationFailed, /539615999 cents.*539616000 cents/));

  it('when anything is asked of a budget that is not open, it is not found', () =>
    given([]).when(submitInvoice()).thenThrows(NotFound, new RegExp(projectId)));

  it('when a supplier contract is registered, it is counted', () =>
    given(opened)
      .when({
        type: 'RegisterSupplierContract',
        data: {
          contractId: claimId,
          supplierRegNo: '40003000001',
          procurementId: 'P-1',
          amountCents: 1,
          signedOn: '2024-01-01',
          endsOn: '2024-12-31',
        },
        context: ctx(),
      })
      .thenState({ contracts: [claimId] }));

  it('when a contract ends before it is signed, it is refused', () =>
    given(opened)
      .when({
        type: 'RegisterSupplierContract',
        data: {
          contractId: claimId,
          supplierRegNo: '40003000001',
          procurementId: 'P-1',
          amountCents: 1,
          signedOn: '2024-12-31',
          endsOn: '2024-01-01',
        },
        context: ctx(),
      })
      .thenThrows(ValidationFailed, /endsOn/));

  it('when an invoice is submitted, InvoiceSubmitted carries the normalised number and who submitted it', () => {
    const [e] = budgetDecider.decide(submitInvoice(), opened.reduce(budgetDecider.evolve, budgetDecider.initialState));
    expect(e).toMatchObject({
      type: 'InvoiceSubmitted.v1',
      data: { invoiceId, normalisedNumber: 'VRAA202442', submittedAt: T, submittedBy: 'anna' },
    });
  });

  it('when gross is not net + VAT by one cent, the invoice is refused naming the figures', () =>
    given(opened)
      .when(submitInvoice({ grossCents: 121001, allocations: [{ fund: 'RRF', cents: 121001 }] }))
      .thenThrows(ValidationFailed, /grossCents: gross 121001 is not net 100000 \+ VAT 21000 = 121000/));

  it('when the cost line is unknown, the invoice is refused naming the lines there are', () =>
    given(opened)
      .when(submitInvoice({ costLine: '4.9' }))
      .thenThrows(ValidationFailed, /costLine: the budget has no cost line 4.9; it has 4.3, 4.4, 4.5/));

  it('when allocations do not add up to the gross, or name a fund the project lacks, the invoice is refused', () => {
    given(opened)
      .when(
        submitInvoice({
          allocations: [
            { fund: 'RRF', cents: 60500 },
            { fund: 'STATE', cents: 60499 },
          ],
        }),
      )
      .thenThrows(ValidationFailed, /allocations add up to 120999/);
    given(opened)
      .when(submitInvoice({ allocations: [{ fund: 'ERDF', cents: 121000 }] }))
      .thenThrows(ValidationFailed, /allocations.0.fund: the project is not financed from ERDF/);
  });

  it('when a pro-rata allocation adds up to the gross exactly, the invoice is accepted', () =>
    given(opened)
      .when(
        submitInvoice({
          allocations: [
            { fund: 'RRF', cents: 100000 },
            { fund: 'STATE', cents: 21000 },
          ],
        }),
      )
      .thenState({ status: 'open' }));

  it('when a claim includes its invoices, PaymentClaimSubmitted repeats each invoice key', () => {
    const events = budgetDecider.decide(submitClaim(), [...opened, ...invoiced].reduce(budgetDecider.evolve, budgetDecider.initialState));
    expect(events[0]).toMatchObject({
      type: 'PaymentClaimSubmitted.v1',
      data: { items: [{ invoiceId, cents: 121000, supplierRegNo: '40003000001', normalisedNumber: 'VRAA202442' }] },
    });
  });

  it('when a claim includes an invoice of another project, it is refused naming the item', () =>
    given([...opened, ...invoiced])
      .when(submitClaim([{ invoiceId: claimId, cents: 1 }]))
      .thenThrows(ValidationFailed, /items.0.invoiceId: invoice .* is not an invoice of this project/));

  it('when requested differs from the items, or an item exceeds its invoice, the claim is refused', () => {
    given([...opened, ...invoiced])
      .when(submitClaim(undefined, { requestedCents: 121001 }))
      .thenThrows(ValidationFailed, /requested 121001 cents, the items add up to 121000/);
    given([...opened, ...invoiced])
      .when(submitClaim([{ invoiceId, cents: 121001 }]))
      .thenThrows(ValidationFailed, /121001 cents claimed from an invoice of 121000/);
  });

  it('when a claim would take a cost line one cent above its maximum, it is refused with the figures', () => {
    const big = {
      ...buildInvoice({
        netCents: 92400001,
        vatCents: 0,
        grossCents: 92400001,
        costLine: '4.5',
        allocations: [{ fund: 'RRF', cents: 92400001 }],
      }),
      invoiceId,
    };
    const history = [
      ...opened,
      ...budgetDecider.decide(
        { type: 'SubmitInvoice', data: big, context: ctx() },
        opened.reduce(budgetDecider.evolve, budgetDecider.initialState),
      ),
    ];
    given(history)
      .when(submitClaim([{ invoiceId, cents: 92400001 }]))
      .thenThrows(IllegalTransition, /cost line 4.5 would reach EUR 924000.01 .* above its maximum EUR 924000.00/);
    given(history)
      .when(submitClaim([{ invoiceId, cents: 92400000 }]))
      .thenState({ status: 'open' });
  });

  it('when a claim would take the project above its total, it is refused with the figures', () => {
    const tiny = buildPassportFacts();
    tiny.financing!.totalCents = 100000;
    tiny.financing!.vatCents = 0;
    const small = budgetDecider.decide(openCmd({ passport: tiny, shares: [{ fund: 'RRF', cents: 100000 }] }), budgetDecider.initialState);
    const inv = budgetDecider.decide(submitInvoice(), small.reduce(budgetDecider.evolve, budgetDecider.initialState));
    given([...small, ...inv])
      .when(submitClaim([{ invoiceId, cents: 100001 }]))
      .thenThrows(IllegalTransition, /above its total EUR 1000.00/);
  });

  it('when an interim claim has no invoices, or an advance exceeds the passport advance, it is refused', () => {
    given([...opened, ...invoiced])
      .when(submitClaim([], { requestedCents: 0 }))
      .thenThrows(ValidationFailed, /needs at least one invoice/);
    given([...opened, ...invoiced])
      .when(submitClaim([], { kind: 'advance', requestedCents: 1 }))
      .thenThrows(
        ValidationFailed,
        /^requestedCents: advances would reach EUR 0\.01 \(earlier EUR 0\.00 \+ this EUR 0\.01\), above EUR 0\.00: the passport plans EUR 0\.00 and at most 30 % of the eligible costs of EUR 5396160\.00 may be advanced$/,
      );
  });

  it('when the officer verifies eligible + ineligible = claimed with a reason, InvoiceVerified records both', () =>
    given(claimed)
      .when(verifyCmd(100000, 21000, 'VAT_RECOVERABLE'))
      .then([
        {
          type: 'InvoiceVerified.v1',
          data: {
            claimId,
            invoiceId,
            eligibleCents: 100000,
            ineligibleCents: 21000,
            reasonCode: 'VAT_RECOVERABLE',
            verifiedAt: T,
            verifiedBy: 'janis',
          },
        },
      ]));

  it('when eligible + ineligible miss the claimed amount by a cent, or ineligible has no reason, verification is refused', () => {
    given(claimed)
      .when(verifyCmd(100000, 20999, 'X_Y'))
      .thenThrows(ValidationFailed, /= 120999, the claimed amount is 121000/);
    given(claimed)
      .when(verifyCmd(100000, 21000))
      .thenThrows(ValidationFailed, /reasonCode/);
  });

  it("when the claim's submitter verifies an invoice of it, four-eyes refuses it naming the submission", () =>
    given(claimed)
      .when({ ...verifyCmd(121000, 0), context: ctx('anna') })
      .thenThrows(FourEyesViolation, /^anna submitted this and may not also verify it: the four-eyes principle needs a second person$/));

  it('when the claim or the invoice in it is unknown, or it is verified twice, verification is refused', () => {
    given([...opened, ...invoiced])
      .when(verifyCmd(121000, 0))
      .thenThrows(NotFound);
    const verified = budgetDecider.decide(verifyCmd(121000, 0), claimed.reduce(budgetDecider.evolve, budgetDecider.initialState));
    given([...claimed, ...verified])
      .when(verifyCmd(121000, 0))
      .thenThrows(IllegalTransition, /already verified/);
  });

  describe('advance claims', () => {
    // The seed passport's eligible costs: total EUR 4,620,000.00 + state-budget VAT EUR 776,160.00 = EUR 5,396,160.00.
    const THIRTY_PERCENT = 161_884_800;
    const FORTY_PERCENT = 215_846_400;
    const secondClaimId = '33333333-3333-4333-8333-333333333333';
    const openedWithAdvance = (advanceCents: number, vatRecoverable = false): BudgetEvent[] => {
      const passport = buildPassportFacts();
      passport.financing!.advanceCents = advanceCents;
      return budgetDecider.decide(openCmd({ passport, vatRecoverable }), budgetDecider.initialState);
    };
    const advance = (requestedCents: number, id = claimId, directAdministration = false): BudgetCommand => ({
      type: 'SubmitPaymentClaim',
      data: { ...buildClaim([], { kind: 'advance', requestedCents }), claimId: id, directAdministration },
      context: ctx(),
    });
    const after = (history: BudgetEvent[], command: BudgetCommand): BudgetEvent[] => [
      ...history,
      ...budgetDecider.decide(command, history.reduce(budgetDecider.evolve, budgetDecider.initialState)),
    ];

    it('when the recipient is a direct administration body, an advance claim is refused naming kind, even within the passport advance', () =>
      given(openedWithAdvance(100_000_000))
        .when(advance(1, claimId, true))
        .thenThrows(ValidationFailed, /^kind: the recipient is a direct administration body, which may not receive an advance$/));

    it('when a direct administration body submits an interim claim, it is not refused for being one', () =>
      given([...opened, ...invoiced])
        .when({
          type: 'SubmitPaymentClaim',
          data: { ...buildClaim([{ invoiceId, cents: 121000 }]), claimId, directAdministration: true },
          context: ctx(),
        })
        .thenState({ claims: { [claimId]: expect.objectContaining({ kind: 'interim', requestedCents: 121000 }) } }));

    it('when an advance within the passport advance and 30 % of the eligible costs is claimed, the claim is submitted for it', () =>
      given(openedWithAdvance(100_000_000))
        .when(advance(100_000_000))
        .then([
          {
            type: 'PaymentClaimSubmitted.v1',
            data: {
              claimId,
              kind: 'advance',
              periodFrom: '2024-01-01',
              periodTo: '2024-06-30',
              items: [],
              requestedCents: 100_000_000,
              submittedAt: T,
              submittedBy: 'anna',
            },
          },
        ]));

    it('when the advance claimed is one cent above the passport advance, it is refused with the figures', () =>
      given(openedWithAdvance(100_000_000))
        .when(advance(100_000_001))
        .thenThrows(
          ValidationFailed,
          /^requestedCents: advances would reach EUR 1000000\.01 \(earlier EUR 0\.00 \+ this EUR 1000000\.01\), above EUR 1000000\.00: the passport plans EUR 1000000\.00 and at most 30 % of the eligible costs of EUR 5396160\.00 may be advanced$/,
        ));

    it('when the passport plans a 40 % advance, exactly 30 % of the eligible costs may be claimed and one cent more is refused', () => {
      given(openedWithAdvance(FORTY_PERCENT))
        .when(advance(THIRTY_PERCENT))
        .thenState({ claims: { [claimId]: expect.objectContaining({ kind: 'advance', requestedCents: THIRTY_PERCENT }) } });
      given(openedWithAdvance(FORTY_PERCENT))
        .when(advance(THIRTY_PERCENT + 1))
        .thenThrows(
          ValidationFailed,
          /^requestedCents: advances would reach EUR 1618848\.01 \(earlier EUR 0\.00 \+ this EUR 1618848\.01\), above EUR 1618848\.00: the passport plans EUR 2158464\.00 and at most 30 % of the eligible costs of EUR 5396160\.00 may be advanced$/,
        );
      given(openedWithAdvance(FORTY_PERCENT))
        .when(advance(FORTY_PERCENT))
        .thenThrows(ValidationFailed, /advances would reach EUR 2158464\.00 .* above EUR 1618848\.00/);
    });

    it('when two advance claims each fit the cap but together pass it, the second is refused counting the first', () => {
      const first = after(openedWithAdvance(FORTY_PERCENT), advance(100_000_000));
      // 61,884,801 alone fits under the cap of 161,884,800; with the first 100,000,000 it passes it by one cent.
      given(openedWithAdvance(FORTY_PERCENT)).when(advance(61_884_801, secondClaimId)).thenState({ status: 'open' });
      given(first)
        .when(advance(61_884_801, secondClaimId))
        .thenThrows(
          ValidationFailed,
          /^requestedCents: advances would reach EUR 1618848\.01 \(earlier EUR 1000000\.00 \+ this EUR 618848\.01\), above EUR 1618848\.00: /,
        );
    });

    it('when two advance claims together pass the passport advance (below 30 %), the second is refused; up to it, it is submitted', () => {
      const first = after(openedWithAdvance(100_000_000), advance(60_000_000));
      given(first)
        .when(advance(40_000_001, secondClaimId))
        .thenThrows(
          ValidationFailed,
          /^requestedCents: advances would reach EUR 1000000\.01 \(earlier EUR 600000\.00 \+ this EUR 400000\.01\), above EUR 1000000\.00: the passport plans EUR 1000000\.00 /,
        );
      given(first)
        .when(advance(40_000_000, secondClaimId))
        .thenState({ claims: { [secondClaimId]: expect.objectContaining({ kind: 'advance', requestedCents: 40_000_000 }) } });
    });

    it('when a second advance claim brings the advances exactly to the cap, it is submitted', () =>
      given(after(openedWithAdvance(FORTY_PERCENT), advance(100_000_000)))
        .when(advance(61_884_800, secondClaimId))
        .thenState({
          claims: {
            [claimId]: expect.objectContaining({ requestedCents: 100_000_000 }),
            [secondClaimId]: expect.objectContaining({ kind: 'advance', requestedCents: 61_884_800 }),
          },
        }));

    it('when interim claims were made, they do not count towards the advance cap', () =>
      given([
        ...openedWithAdvance(FORTY_PERCENT),
        ...invoiced,
        ...budgetDecider.decide(
          submitClaim(),
          [...openedWithAdvance(FORTY_PERCENT), ...invoiced].reduce(budgetDecider.evolve, budgetDecider.initialState),
        ),
      ])
        .when(advance(THIRTY_PERCENT, secondClaimId))
        .thenState({ claims: { [secondClaimId]: expect.objectContaining({ requestedCents: THIRTY_PERCENT }) } }));

    it('when the recipient can recover VAT, VAT is no eligible cost and 30 % is taken of the total alone', () => {
      given(openedWithAdvance(FORTY_PERCENT, true))
        .when(advance(138_600_000))
        .thenState({ claims: { [claimId]: expect.objectContaining({ requestedCents: 138_600_000 }) } });
      given(openedWithAdvance(FORTY_PERCENT, true))
        .when(advance(138_600_001))
        .thenThrows(
          ValidationFailed,
          /above EUR 1386000\.00: the passport plans EUR 2158464\.00 and at most 30 % of the eligible costs of EUR 4620000\.00/,
        );
    });
  });

  describe('payment', () => {
    const pay = (amountCents: number, by = 'liga'): BudgetCommand => ({
      type: 'RecordPayment',
      data: { claimId, amountCents, paidOn: '2024-07-15' },
      context: ctx(by),
    });
    const verified = [
      ...claimed,
      ...budgetDecider.decide(
        verifyCmd(100000, 21000, 'VAT_RECOVERABLE'),
        claimed.reduce(budgetDecider.evolve, budgetDecider.initialState),
      ),
    ];

    it('when a fully verified claim is paid up to its eligible amount, ClaimPaid records it', () =>
      given(verified)
        .when(pay(100000))
        .then([{ type: 'ClaimPaid.v1', data: { claimId, amountCents: 100000, paidOn: '2024-07-15', paidAt: T, paidBy: 'liga' } }]));

    it('when the payment is one cent above the eligible amount, it is refused with the figures', () =>
      given(verified)
        .when(pay(100001))
        .thenThrows(ValidationFailed, /100001 cents is above the 100000 cents verified eligible/));

    it('when an invoice of the claim is not verified yet, payment is an illegal transition naming it', () =>
      given(claimed)
        .when(pay(1))
        .thenThrows(IllegalTransition, new RegExp(`unverified invoices: ${invoiceId}`)));

    it('when the verifier or the submitter pays, four-eyes refuses', () => {
      given(verified).when(pay(1, 'janis')).thenThrows(FourEyesViolation);
      given(verified).when(pay(1, 'anna')).thenThrows(FourEyesViolation);
    });

    it('when the claim is already paid, or unknown, payment is refused', () => {
      const paid = [...verified, ...budgetDecider.decide(pay(100000), verified.reduce(budgetDecider.evolve, budgetDecider.initialState))];
      given(paid)
        .when(pay(1))
        .thenThrows(IllegalTransition, /already paid \(EUR 1000.00\)/);
      given(opened).when(pay(1)).thenThrows(NotFound);
    });
  });

  describe('folding a whole history at once', () => {
    const contract: BudgetEvent = {
      type: 'SupplierContractRegistered.v1',
      data: {
        contractId: randomUUID(),
        supplierRegNo: '40003000001',
        procurementId: 'P-1',
        amountCents: 1,
        signedOn: '2024-01-01',
        endsOn: '2024-12-31',
        registeredAt: T,
        registeredBy: 'anna',
      },
    };
    const verified = budgetDecider.decide(
      verifyCmd(100000, 21000, 'VAT_RECOVERABLE'),
      claimed.reduce(budgetDecider.evolve, budgetDecider.initialState),
    );
    const paid = budgetDecider.decide(
      { type: 'RecordPayment', data: { claimId, amountCents: 100000, paidOn: '2024-07-15' }, context: ctx('liga') },
      [...claimed, ...verified].reduce(budgetDecider.evolve, budgetDecider.initialState),
    );
    const corrected = budgetDecider.decide(
      {
        type: 'ApplyFinancialCorrection',
        data: { correctionId: randomUUID(), costLine: '4.3', amountCents: 25000, reason: 'korekcija', source: { kind: 'officer' } },
        context: ctx('janis'),
      },
      [...claimed, ...verified, ...paid].reduce(budgetDecider.evolve, budgetDecider.initialState),
    );
    const history: BudgetEvent[] = [...claimed.slice(0, 1), contract, ...claimed.slice(1), ...verified, ...paid, ...corrected];

    it('when evolveAll folds every kind of event, the budget equals evolving one event at a time, and the state it started from is untouched', () => {
      expect(new Set(history.map((e) => e.type)).size).toBe(7);
      const oneByOne = history.reduce(budgetDecider.evolve, budgetDecider.initialState);
      expect(budgetDecider.evolveAll!(budgetDecider.initialState, history)).toEqual(oneByOne);
      // From a state midway: the rest folded at once, and the midway state unchanged.
      const midway = history.slice(0, 3).reduce(budgetDecider.evolve, budgetDecider.initialState);
      const before = structuredClone(midway);
      expect(budgetDecider.evolveAll!(midway, history.slice(3))).toEqual(oneByOne);
      expect(midway).toEqual(before);
    });
  });
});
