import { describe, expect, it } from 'vitest';
import { budgetStream, type BudgetCommand } from '../../src/domain/budget/decider.js';
import { fold, type Command, type DomainEvent } from '../../src/domain/decider.js';
import { fourEyesOf } from '../../src/domain/describe.js';
import { FourEyesViolation } from '../../src/domain/errors.js';
import { findingStream, type FindingCommand } from '../../src/domain/finding/decider.js';
import type { FourEyesStep } from '../../src/domain/four-eyes.js';
import { fundStream, type FundCommand } from '../../src/domain/fund/decider.js';
import { indicatorStream, type IndicatorCommand } from '../../src/domain/indicator/decider.js';
import { passportStream, type PassportCommand } from '../../src/domain/passport/decider.js';
import type { StreamType } from '../../src/domain/stream.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { buildClaim, buildInvoice, buildPassportFacts, SEED_SHARES } from '../support/budget-builders.js';
import { buildMetadata } from '../support/builders.js';
import { buildFinding, command as findingCommand, RAISED_AT } from '../support/finding-builders.js';
import { buildDefinition, investment2312, reportValue } from '../support/indicator-builders.js';
import { buildSections, eAdrese, investment2121 } from '../support/passport-builders.js';

/*
 * fourEyesOf names the people the deciders' four-eyes rules name: each stream below is made by
 * its decider from commands of different people, folded up to a step, and the step's earlier
 * people are checked, and then checked against the decider: each of them is refused the step.
 */

const PROJECT = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';

/** A stream made by its decider, command by command, with each event stored as the store would hand it back. */
class Stream<C extends Command, E extends DomainEvent, S> {
  readonly events: E[] = [];
  constructor(
    readonly type: StreamType<C, E, S>,
    readonly streamId: string,
  ) {}

  get state(): S {
    return this.before(this.events.length);
  }

  /** The state folded up to (not including) event `index`. */
  before(index: number): S {
    return fold(this.type.decider, this.type.decider.initialState, this.events.slice(0, index));
  }

  /** Decides `command` on the current state and appends what it decides. */
  run(...commands: C[]): this {
    for (const command of commands) this.events.push(...this.type.decider.decide(command, this.state));
    return this;
  }

  stored(index: number): StoredEvent<AnyEvent> {
    const event = this.events[index]!;
    const stored: StoredEvent = {
      ...event,
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      streamId: this.streamId,
      streamType: this.type.name,
      version: index + 1,
      metadata: buildMetadata(),
      recordedAt: new Date('2025-01-01T00:00:00.000Z'),
      position: { transactionId: 1n, sequence: BigInt(index + 1) },
    };
    // The decider made it, so it is one of the stream type's events.
    return stored as StoredEvent<AnyEvent>;
  }

  /** fourEyesOf for event `index` (default: the last), with the state before it. */
  step(index = this.events.length - 1): FourEyesStep | null {
    return fourEyesOf(this.type.name, this.before(index), this.stored(index));
  }

  /** The index of the last event of `type`. */
  last(type: E['type']): number {
    return this.events.map((e) => e.type).lastIndexOf(type);
  }

  /** The types of the events that are four-eyes steps. */
  stepTypes(): string[] {
    return [...new Set(this.events.flatMap((e, i) => (this.step(i) === null ? [] : [e.type])))].sort();
  }

  /** Deciding `command(actor)` on the state before event `index` is refused by four-eyes for each of `actors`. */
  expectRefused(index: number, command: (actor: string) => C, actors: string[]): void {
    for (const actor of actors) expect(() => this.type.decider.decide(command(actor), this.before(index))).toThrow(FourEyesViolation);
  }
}

const earlierActors = (step: FourEyesStep | null) => (step?.earlier ?? []).map((e) => e.actor);

describe('four-eyes steps of a passport', () => {
  const now = new Date('2023-05-10T09:00:00.000Z');
  const as = (actor: string) => ({ now, actor, subject: PROJECT });
  const { recipient: _recipient, ...sections } = buildSections();
  const draft: PassportCommand = {
    type: 'DraftPassport',
    data: { projectId: PROJECT, title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient },
    context: as('anna'),
  };
  const update = (by: string): PassportCommand => ({ type: 'UpdateSections', data: { sections }, context: as(by) });
  const submit = (by: string): PassportCommand => ({ type: 'SubmitPassport', data: { investment: investment2121 }, context: as(by) });
  const verify = (by: string): PassportCommand => ({ type: 'VerifyPassport', data: {}, context: as(by) });
  const approve = (by: string): PassportCommand => ({ type: 'ApprovePassport', data: {}, context: as(by) });
  const reject = (by: string): PassportCommand => ({ type: 'RejectPassport', data: { reason: 'not eligible' }, context: as(by) });
  const amend = (by: string): PassportCommand => ({ type: 'StartAmendment', data: { reason: 'procurement results' }, context: as(by) });
  const passport = () => new Stream(passportStream, `passport-${PROJECT}`).run(draft, update('anna'));

  it('given anna submitted and janis verified, when liga approves, the approval checks anna’s submission and janis’s verification', () => {
    const s = passport().run(submit('anna'), verify('janis'), approve('liga'));
    expect(s.step(s.last('PassportVerified.v1'))).toEqual({
      act: 'verify',
      actor: 'janis',
      earlier: [{ step: 'submitted', actor: 'anna' }],
    });
    expect(s.step()).toEqual({
      act: 'approve',
      actor: 'liga',
      earlier: [
        { step: 'submitted', actor: 'anna' },
        { step: 'verified', actor: 'janis' },
      ],
    });
    s.expectRefused(s.last('PassportApproved.v1'), approve, earlierActors(s.step()));
    s.expectRefused(s.last('PassportVerified.v1'), verify, ['anna']);
  });

  it('given a submitted passport nobody verified, when it is rejected, only the submission is an earlier step', () => {
    const s = passport().run(submit('anna'), reject('liga'));
    expect(s.events.at(-1)?.type).toBe('PassportRejected.v2');
    expect(s.step()).toEqual({ act: 'reject', actor: 'liga', earlier: [{ step: 'submitted', actor: 'anna' }] });
  });

  it('given an amendment submitted by maris and verified by peteris, when it is rejected, they are the earlier steps, not the first version’s people', () => {
    const s = passport().run(
      submit('anna'),
      verify('janis'),
      approve('liga'),
      amend('maris'),
      update('maris'),
      submit('maris'),
      verify('peteris'),
    );
    s.run(reject('liga'));
    expect(s.events.at(-1)?.type).toBe('PassportAmendmentRejected.v1');
    expect(s.step()).toEqual({
      act: 'reject',
      actor: 'liga',
      earlier: [
        { step: 'submitted', actor: 'maris' },
        { step: 'verified', actor: 'peteris' },
      ],
    });
    s.expectRefused(s.events.length - 1, reject, ['maris', 'peteris']);
  });

  it('when an event is not a four-eyes step (drafted, updated, submitted, amendment started), it has none', () => {
    const s = passport().run(submit('anna'), verify('janis'), approve('liga'), amend('anna'));
    expect(s.stepTypes()).toEqual(['PassportApproved.v1', 'PassportVerified.v1']);
    expect(s.step()).toBeNull();
  });

  it('when the state handed in is the one after the approval, not before it, it is an error, not a guess', () => {
    const s = passport().run(submit('anna'), verify('janis'), approve('liga'));
    expect(() => fourEyesOf('passport', s.state, s.stored(s.events.length - 1))).toThrow(/cannot follow a state that is approved/);
  });

  it('when the stream type named is not the event’s, it is an error', () => {
    const s = passport().run(submit('anna'), verify('janis'));
    expect(() => fourEyesOf('budget', s.before(s.events.length - 1), s.stored(s.events.length - 1))).toThrow(/not a budget event/);
  });
});

describe('four-eyes steps of a budget', () => {
  const now = new Date('2024-04-01T09:00:00.000Z');
  const as = (actor: string) => ({ now, actor, subject: PROJECT });
  const claimId = '22222222-2222-4222-8222-222222222222';
  const invoices = ['11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111112'] as const;
  const open: BudgetCommand = {
    type: 'OpenBudget',
    data: { projectId: PROJECT, passport: buildPassportFacts(), shares: SEED_SHARES, vatRecoverable: false },
    context: as('janis'),
  };
  const invoice = (invoiceId: string): BudgetCommand => ({
    type: 'SubmitInvoice',
    data: { ...buildInvoice(), invoiceId },
    context: as('anna'),
  });
  const claim: BudgetCommand = {
    type: 'SubmitPaymentClaim',
    data: { ...buildClaim(invoices.map((invoiceId) => ({ invoiceId, cents: 121_000 }))), claimId, directAdministration: false },
    context: as('anna'),
  };
  const verify =
    (invoiceId: string) =>
    (by: string): BudgetCommand => ({
      type: 'VerifyInvoice',
      data: { claimId, invoiceId, eligibleCents: 121_000, ineligibleCents: 0 },
      context: as(by),
    });
  const pay = (by: string): BudgetCommand => ({
    type: 'RecordPayment',
    data: { claimId, amountCents: 242_000, paidOn: '2024-04-01' },
    context: as(by),
  });
  const correct: BudgetCommand = {
    type: 'ApplyFinancialCorrection',
    data: {
      costLine: '4.3',
      amountCents: 10_000,
      reason: 'ineligible',
      correctionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      source: { kind: 'officer' },
    },
    context: as('peteris'),
  };
  const budget = () => new Stream(budgetStream, `budget-${PROJECT}`).run(open, ...invoices.map(invoice), claim);

  it('given anna submitted the claim, when janis verifies an invoice in it, the verification checks anna’s submission', () => {
    const s = budget().run(verify(invoices[0])('janis'));
    expect(s.step()).toEqual({ act: 'verify', actor: 'janis', earlier: [{ step: 'submitted', actor: 'anna' }] });
    s.expectRefused(s.events.length - 1, verify(invoices[0]), ['anna']);
  });

  it('given janis and peteris verified its invoices, when liga pays the claim, the payment checks the submission and both verifications', () => {
    const s = budget().run(verify(invoices[0])('janis'), verify(invoices[1])('peteris'), pay('liga'));
    expect(s.step()).toEqual({
      act: 'pay',
      actor: 'liga',
      earlier: [
        { step: 'submitted', actor: 'anna' },
        { step: 'verified', actor: 'janis' },
        { step: 'verified', actor: 'peteris' },
      ],
    });
    s.expectRefused(s.events.length - 1, pay, ['anna', 'janis', 'peteris']);
  });

  it('given janis verified every invoice, when the claim is paid, janis is named once', () => {
    const s = budget().run(verify(invoices[0])('janis'), verify(invoices[1])('janis'), pay('liga'));
    expect(s.step()?.earlier).toEqual([
      { step: 'submitted', actor: 'anna' },
      { step: 'verified', actor: 'janis' },
    ]);
  });

  it('when an event is not a four-eyes step (opened, invoice, claim, an officer’s correction), it has none', () => {
    const s = budget().run(verify(invoices[0])('janis'), verify(invoices[1])('peteris'), pay('liga'), correct);
    expect(s.events.at(-1)?.type).toBe('FinancialCorrectionBooked.v1');
    expect(s.stepTypes()).toEqual(['ClaimPaid.v1', 'InvoiceVerified.v1']);
  });
});

describe('four-eyes steps of an indicator', () => {
  const indicatorId = '3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
  const now = new Date('2024-07-01T09:00:00.000Z');
  const define: IndicatorCommand = {
    type: 'DefineIndicator',
    data: { ...buildDefinition(), indicatorId, on: investment2312 },
    context: { now, actor: 'janis', subject: indicatorId },
  };
  const verify =
    (report: number) =>
    (by: string): IndicatorCommand => ({ type: 'VerifyValue', data: { report }, context: { now, actor: by } });
  const reject =
    (report: number) =>
    (by: string): IndicatorCommand => ({
      type: 'RejectValue',
      data: { report, reason: 'evidence does not match' },
      context: { now, actor: by },
    });

  it('given anna reported value 1 and maris value 2, each review checks its own report’s reporter', () => {
    const s = new Stream(indicatorStream, `indicator-${indicatorId}`).run(
      define,
      reportValue({}, 'anna'),
      reportValue({ value: 1_100 }, 'maris'),
      verify(1)('peteris'),
      reject(2)('janis'),
    );
    expect(s.step(s.last('IndicatorValueVerified.v1'))).toEqual({
      act: 'verify',
      actor: 'peteris',
      earlier: [{ step: 'reported', actor: 'anna' }],
    });
    expect(s.step(s.last('IndicatorValueRejected.v1'))).toEqual({
      act: 'reject',
      actor: 'janis',
      earlier: [{ step: 'reported', actor: 'maris' }],
    });
    s.expectRefused(s.last('IndicatorValueVerified.v1'), verify(1), ['anna']);
    s.expectRefused(s.last('IndicatorValueRejected.v1'), reject(2), ['maris']);
    expect(s.stepTypes()).toEqual(['IndicatorValueRejected.v1', 'IndicatorValueVerified.v1']);
  });
});

describe('four-eyes steps of a finding', () => {
  const raise = findingCommand('RaiseFinding', buildFinding(), 'auditor.ilze', new Date(RAISED_AT));
  const respond = findingCommand('RespondToFinding', { response: 'Grozījumi bija pamatoti', organisation: '90000012345' }, 'anna');
  const setAction = findingCommand('SetCorrectiveAction', { action: 'Atgūt izmaksas', deadline: '2025-06-30' }, 'janis');
  const followUp = (by: string) => findingCommand('RecordFollowUp', { outcome: 'implemented', note: 'Atgūts' }, by);
  const booked = {
    budgetCorrectionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    amountCents: 625_000,
    costLine: '4.3',
    reason: '25 % korekcija',
  };
  const correct = (by: string): FindingCommand => findingCommand('ApplyFinancialCorrection', { ...booked, projectCostLines: ['4.3'] }, by);
  const record = (by: string): FindingCommand => findingCommand('RecordBookedCorrection', booked, by);
  const close = (by: string): FindingCommand => findingCommand('CloseFinding', { conclusion: 'Īstenots' }, by);
  const finding = () => new Stream(findingStream, `finding-${buildFinding().findingId}`).run(raise, respond, setAction);

  it('given ilze raised the finding, when liga applies a financial correction, the correction checks ilze’s raising', () => {
    const s = finding().run(correct('liga'));
    expect(s.step()).toEqual({
      act: 'apply a financial correction to',
      actor: 'liga',
      earlier: [{ step: 'raised', actor: 'auditor.ilze' }],
    });
    s.expectRefused(s.events.length - 1, correct, ['auditor.ilze']);
  });

  it('given the budget booked the correction first, when the workflow records it on the finding, the same rule names ilze', () => {
    const s = finding().run(record('liga'));
    expect(s.step()).toEqual({
      act: 'apply a financial correction to',
      actor: 'liga',
      earlier: [{ step: 'raised', actor: 'auditor.ilze' }],
    });
  });

  it('given janis then maris followed up, when peteris closes, the closure checks the raising and the last follow-up', () => {
    const s = finding().run(followUp('janis'), followUp('maris'), close('peteris'));
    expect(s.step()).toEqual({
      act: 'close',
      actor: 'peteris',
      earlier: [
        { step: 'raised', actor: 'auditor.ilze' },
        { step: 'followed up', actor: 'maris' },
      ],
    });
    s.expectRefused(s.events.length - 1, close, ['auditor.ilze', 'maris']);
    expect(s.stepTypes()).toEqual(['FindingClosed.v1']);
  });
});

describe('stream types without four-eyes steps', () => {
  it('when a fund is registered, renamed and retired, none of it is a four-eyes step', () => {
    const ctx = { now: new Date('2024-01-01T00:00:00.000Z'), actor: 'admin' };
    const name = { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' };
    const commands: FundCommand[] = [
      { type: 'RegisterFund', data: { code: 'RRF', name, kind: 'eu' }, context: ctx },
      { type: 'RenameFund', data: { code: 'RRF', name, reason: 'regula' }, context: ctx },
      { type: 'RetireFund', data: { code: 'RRF', reason: 'beidzies' }, context: ctx },
    ];
    const s = new Stream(fundStream, 'fund-RRF').run(...commands);
    expect(s.events).toHaveLength(3);
    expect(s.stepTypes()).toEqual([]);
  });
});
