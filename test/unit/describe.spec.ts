import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/auth/principal.js';
import {
  actorOf,
  countLv,
  dateEn,
  dateLv,
  describeEvent,
  excerpt,
  fourEyesOf,
  moneyEn,
  moneyLv,
  numberEn,
  numberLv,
} from '../../src/domain/describe.js';
import { streamTypes, type AnyEvent } from '../../src/domain/stream-types.js';
import type { EventMetadata, StoredEvent } from '../../src/eventstore/port.js';
import { buildMetadata } from '../support/builders.js';
import { buildFinancing, eAdrese } from '../support/passport-builders.js';
import { buildInvestmentContent } from '../support/programme-builders.js';

const T = '2024-07-15T09:00:00.000Z';
const PROJECT = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const CLAIM = '22222222-2222-4222-8222-222222222222';
const INVOICE = '11111111-1111-4111-8111-111111111111';
const FINDING = '7c1b1a7e-3d1f-4c55-9f0e-2a1b3c4d5e6f';
const CORRECTION = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const INDICATOR = '3b2a1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
const ALERT = '0123456789abcdef0123456789abcdef';
const SHA = 'a'.repeat(64);
const JOB = '7d3c1f0e-2b4a-4c5d-8e6f-9a0b1c2d3e4f';

/** A sample of every current event type: where it is stored, a valid payload and the role it is recorded under. */
interface Sample {
  streamId: string;
  role: string;
  data: unknown;
}

const SAMPLES: Record<string, Sample> = {
  'FundRegistered.v1': {
    streamId: 'fund-RRF',
    role: 'admin',
    data: {
      code: 'RRF',
      name: { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' },
      kind: 'eu',
      registeredAt: T,
    },
  },
  'FundRenamed.v1': {
    streamId: 'fund-RRF',
    role: 'admin',
    data: { name: { lv: 'Atveseļošanas fonds', en: 'Recovery Fund' }, reason: 'Nosaukums kā regulā', renamedAt: T },
  },
  'FundRetired.v1': { streamId: 'fund-RRF', role: 'admin', data: { reason: 'Plāns noslēgts', retiredAt: T } },
  'ProgrammeDefined.v1': {
    streamId: 'programme-ANM.2021-2026',
    role: 'admin',
    data: {
      code: 'ANM',
      period: '2021-2026',
      fund: 'RRF',
      name: { lv: 'Atveseļošanas un noturības mehānisma plāns', en: 'Recovery and resilience plan' },
      definedAt: T,
    },
  },
  'ProgrammeAmended.v1': {
    streamId: 'programme-ANM.2021-2026',
    role: 'admin',
    data: { fund: 'RRF', name: { lv: 'ANM plāns', en: 'RRF plan' }, reason: 'Plāna grozījumi 2023', amendedAt: T },
  },
  'ProgrammeRetired.v1': { streamId: 'programme-ANM.2021-2026', role: 'admin', data: { reason: 'Periods beidzies', retiredAt: T } },
  'ProgrammeNodeDefined.v1': {
    streamId: 'programme_node-ANM.2021-2026.2.1.2.1.i',
    role: 'admin',
    data: {
      programme: 'ANM',
      period: '2021-2026',
      code: '2.1.2.1.i',
      kind: 'investment',
      parent: '2.1',
      ...buildInvestmentContent(),
      definedAt: T,
    },
  },
  'ProgrammeNodeAmended.v1': {
    streamId: 'programme_node-ANM.2021-2026.2.1.2.1.i',
    role: 'admin',
    data: { ...buildInvestmentContent({ plannedFundingCents: 7_100_000_000 }), reason: 'Plāna grozījumi', amendedAt: T },
  },
  'ProgrammeNodeRetired.v1': {
    streamId: 'programme_node-ANM.2021-2026.2.1.2.1.i',
    role: 'admin',
    data: { reason: 'Investīcija apvienota ar citu', retiredAt: T },
  },
  'PassportDrafted.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'beneficiary',
    data: {
      projectId: PROJECT,
      title: eAdrese.title,
      programme: eAdrese.programme,
      recipient: eAdrese.recipient,
      draftedAt: T,
      draftedBy: 'anna',
    },
  },
  'PassportSectionUpdated.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'beneficiary',
    data: { section: 'financing', value: buildFinancing(), updatedAt: T },
  },
  'PassportSubmitted.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'beneficiary',
    data: { version: 1, warnings: [], submittedAt: T, submittedBy: 'anna' },
  },
  'PassportReturned.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'officer',
    data: {
      comments: [{ section: 'financing', text: 'Precizēt PVN' }, { text: 'Pievienot risku sadaļu' }],
      returnedAt: T,
      returnedBy: 'janis',
    },
  },
  'PassportVerified.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'officer',
    data: { note: 'Pārbaudīts', verifiedAt: T, verifiedBy: 'janis' },
  },
  'PassportApproved.v1': { streamId: `passport-${PROJECT}`, role: 'approver', data: { version: 2, approvedAt: T, approvedBy: 'liga' } },
  'PassportRejected.v2': {
    streamId: `passport-${PROJECT}`,
    role: 'approver',
    data: { version: 1, reason: 'Neatbilst atlases kritērijiem', rejectedAt: T, rejectedBy: 'liga' },
  },
  'PassportAmendmentRejected.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'approver',
    data: { version: 3, reason: 'Grozījumi nav pamatoti', rejectedAt: T, rejectedBy: 'liga' },
  },
  'PassportAmendmentStarted.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'beneficiary',
    data: { reason: 'Iepirkuma rezultāti', startedAt: T, startedBy: 'anna' },
  },
  'PassportWithdrawn.v1': {
    streamId: `passport-${PROJECT}`,
    role: 'beneficiary',
    data: { reason: 'Projekts atcelts', withdrawnAt: T, withdrawnBy: 'anna' },
  },
  'BudgetOpened.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'officer',
    data: {
      projectId: PROJECT,
      passportVersion: 1,
      programme: eAdrese.programme,
      recipientOrg: eAdrese.recipient.registrationNumber,
      costLines: buildFinancing().costLines.map(({ code, output, indicativeCents, maximumCents, vatable }) => ({
        code,
        output,
        indicativeCents,
        maximumCents,
        vatable,
      })),
      totalCents: 462_000_000,
      vatCents: 77_616_000,
      vatSource: 'state_budget',
      vatRecoverable: false,
      advanceCents: 0,
      shares: [
        { fund: 'RRF', cents: 462_000_000 },
        { fund: 'STATE', cents: 77_616_000 },
      ],
      openedAt: T,
      openedBy: 'janis',
    },
  },
  'SupplierContractRegistered.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'beneficiary',
    data: {
      supplierRegNo: '40003000001',
      procurementId: 'VRAA 2023/12 ANM',
      amountCents: 150_000_000,
      signedOn: '2024-02-01',
      endsOn: '2025-12-31',
      contractId: '33333333-3333-4333-8333-333333333333',
      registeredAt: T,
      registeredBy: 'anna',
    },
  },
  'InvoiceSubmitted.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'beneficiary',
    data: {
      supplierRegNo: '40003000001',
      number: 'VRAA-2024/0042',
      date: '2024-03-15',
      netCents: 100_000,
      vatCents: 21_000,
      grossCents: 121_000,
      costLine: '4.3',
      allocations: [{ fund: 'RRF', cents: 121_000 }],
      invoiceId: INVOICE,
      normalisedNumber: 'VRAA202442',
      submittedAt: T,
      submittedBy: 'anna',
    },
  },
  'PaymentClaimSubmitted.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'beneficiary',
    data: {
      claimId: CLAIM,
      kind: 'interim',
      periodFrom: '2024-01-01',
      periodTo: '2024-06-30',
      items: [{ invoiceId: INVOICE, cents: 1_234_567, supplierRegNo: '40003000001', normalisedNumber: 'VRAA202442' }],
      requestedCents: 1_234_567,
      submittedAt: T,
      submittedBy: 'anna',
    },
  },
  'InvoiceVerified.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'officer',
    data: {
      claimId: CLAIM,
      invoiceId: INVOICE,
      eligibleCents: 100_000,
      ineligibleCents: 21_000,
      reasonCode: 'VAT_RECOVERABLE',
      verifiedAt: T,
      verifiedBy: 'janis',
    },
  },
  'ClaimPaid.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'approver',
    data: { claimId: CLAIM, amountCents: 1_234_567, paidOn: '2024-07-15', paidAt: T, paidBy: 'liga' },
  },
  'FinancialCorrectionBooked.v1': {
    streamId: `budget-${PROJECT}`,
    role: 'officer',
    data: {
      correctionId: CORRECTION,
      costLine: '4.3',
      amountCents: 625_000,
      funds: [
        { fund: 'RRF', cents: 531_250 },
        { fund: 'STATE', cents: 93_750 },
      ],
      reason: '25 % korekcija par iepirkuma pārkāpumu',
      source: { kind: 'finding', findingId: FINDING },
      claimId: CLAIM,
      invoiceId: null,
      appliedAt: T,
      appliedBy: 'janis',
    },
  },
  'IndicatorDefined.v1': {
    streamId: `indicator-${INDICATOR}`,
    role: 'officer',
    data: {
      indicatorId: INDICATOR,
      on: { level: 'investment', fund: 'RRF', programme: 'ANM', period: '2021-2026', investment: '2.3.1.2.i' },
      code: 'T1',
      name: { lv: 'Atbalstītie uzņēmumi', en: 'Companies supported' },
      kind: 'target',
      unit: { lv: 'uzņēmumi', en: 'companies' },
      baseline: { value: 0, date: '2021-07-01' },
      target: { value: 1_080, dueDate: '2024-06-30' },
      contributingProjects: [],
      definedAt: T,
      definedBy: 'janis',
    },
  },
  'IndicatorValueReported.v1': {
    streamId: `indicator-${INDICATOR}`,
    role: 'beneficiary',
    data: {
      report: 2,
      value: 1_080,
      asOfDate: '2024-06-30',
      qualifier: 'more_than',
      evidence: [{ documentId: 'DOC-1', title: 'Atbalsta līgumu saraksts', sha256: SHA }],
      corrects: 1,
      note: null,
      reportedAt: T,
      reportedBy: 'anna',
    },
  },
  'IndicatorValueVerified.v1': {
    streamId: `indicator-${INDICATOR}`,
    role: 'officer',
    data: { report: 2, note: null, verifiedAt: T, verifiedBy: 'janis' },
  },
  'IndicatorValueRejected.v1': {
    streamId: `indicator-${INDICATOR}`,
    role: 'officer',
    data: { report: 2, reason: 'Pierādījumi neatbilst vērtībai', rejectedAt: T, rejectedBy: 'janis' },
  },
  'FindingRaised.v1': {
    streamId: `finding-${FINDING}`,
    role: 'auditor',
    data: {
      findingId: FINDING,
      projectId: PROJECT,
      concerns: { invoiceRef: 'PVN-2024/117', claimRef: null, indicatorId: null },
      category: 'procurement_breach',
      severity: 'high',
      amountAtRiskCents: 2_500_000,
      euShareCents: 2_125_000,
      reportableIrregularity: true,
      description: 'Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma',
      raisedAt: T,
      raisedBy: 'auditor.ilze',
    },
  },
  'FindingResponded.v1': {
    streamId: `finding-${FINDING}`,
    role: 'beneficiary',
    data: {
      response: 'Grozījumi bija nepieciešami neparedzētu darbu dēļ',
      organisation: '90000012345',
      respondedAt: T,
      respondedBy: 'anna',
    },
  },
  'CorrectiveActionSet.v1': {
    streamId: `finding-${FINDING}`,
    role: 'officer',
    data: { action: 'Atgūt neattiecināmās izmaksas', deadline: '2025-06-30', setAt: T, setBy: 'janis' },
  },
  'FollowUpRecorded.v1': {
    streamId: `finding-${FINDING}`,
    role: 'officer',
    data: { outcome: 'partially_implemented', note: 'Atgūta puse izmaksu', recordedAt: T, recordedBy: 'janis' },
  },
  'FinancialCorrectionApplied.v1': {
    streamId: `finding-${FINDING}`,
    role: 'officer',
    data: {
      correction: 1,
      amountCents: 625_000,
      costLine: '4.3',
      reason: '25 % korekcija par iepirkuma pārkāpumu',
      budgetCorrectionId: CORRECTION,
      appliedAt: T,
      appliedBy: 'janis',
    },
  },
  'FindingClosed.v1': {
    streamId: `finding-${FINDING}`,
    role: 'auditor',
    data: { conclusion: 'Korektīvā darbība īstenota', closedAt: T, closedBy: 'auditor.ilze' },
  },
  'DuplicateAlertConfirmed.v2': {
    streamId: `dupalert-${ALERT}`,
    role: 'officer',
    data: {
      alertId: ALERT,
      rule: 'same_invoice',
      projectIds: [PROJECT, '2f9c7e0a-5b1d-4e8f-a3c2-1d0e9f8b7a65'],
      amountAtRiskCents: 121_000,
      reason: 'Viens un tas pats rēķins deklarēts divos projektos',
      decidedAt: T,
      decidedBy: 'janis',
      findings: [
        {
          findingId: FINDING,
          projectId: PROJECT,
          severity: 'high',
          amountAtRiskCents: 121_000,
          euShareCents: 121_000,
          invoiceRef: 'VRAA-2024/0042',
          description: 'Dubultfinansējums',
        },
      ],
    },
  },
  'DuplicateAlertDismissed.v1': {
    streamId: `dupalert-${ALERT}`,
    role: 'officer',
    data: {
      alertId: ALERT,
      rule: 'near_duplicate',
      projectIds: [PROJECT],
      amountAtRiskCents: 121_000,
      reason: 'Divas atsevišķas piegādes',
      decidedAt: T,
      decidedBy: 'janis',
    },
  },
  'ImportJobStarted.v1': {
    streamId: `importjob-${JOB}`,
    role: 'beneficiary',
    data: {
      jobId: JOB,
      projectId: PROJECT,
      recipientOrg: '90001234567',
      file: { name: 'rekini-2024.csv', format: 'csv', sha256: SHA, bytes: 9_921_544 },
      rows: 100_000,
      chunkRows: 1000,
      startedAt: T,
      startedBy: 'anna',
    },
  },
  'ImportRowsAccepted.v1': {
    streamId: `importjob-${JOB}`,
    role: 'beneficiary',
    data: {
      chunk: 0,
      firstRow: 2,
      lastRow: 2,
      count: 1,
      rows: '2\t40003011203\tLVRTC-2024/0117\t2024-03-15\t100000\t21000\t121000\t4.3\tRRF:121000\t\t',
    },
  },
  'ImportChunkStored.v1': {
    streamId: `importjob-${JOB}`,
    role: 'beneficiary',
    data: {
      chunk: 0,
      budgetVersion: 12,
      invoices: [{ row: 2, invoiceId: INVOICE, number: 'LVRTC-2024/0117', alertIds: [ALERT] }],
      newAlerts: [ALERT],
      storedAt: T,
    },
  },
  'ImportJobCompleted.v1': {
    streamId: `importjob-${JOB}`,
    role: 'beneficiary',
    data: { stored: 100_000, alertsRaised: 3, completedAt: T },
  },
  'ImportJobFailed.v1': {
    streamId: `importjob-${JOB}`,
    role: 'beneficiary',
    data: { issues: [{ row: 7, column: 'Datums', value: '31.02.2024', reason: 'not a date in the calendar' }], stored: 0, failedAt: T },
  },
};

/** A stored event as the store hands it back: `data` is typed by the caller, who takes it from a sample checked against its schema. */
function stored(type: string, sample: Sample, metadata: Partial<EventMetadata> = {}): StoredEvent<AnyEvent> {
  const event: StoredEvent = {
    id: '00000000-0000-4000-8000-000000000001',
    streamId: sample.streamId,
    streamType: sample.streamId.slice(0, sample.streamId.indexOf('-')),
    version: 1,
    type,
    data: sample.data,
    metadata: buildMetadata({ actor: 'someone', role: sample.role, roles: [sample.role], ...metadata }),
    recordedAt: new Date(T),
    position: { transactionId: 1n, sequence: 1n },
  };
  return event as StoredEvent<AnyEvent>;
}

const sampleOf = (type: string, data: Record<string, unknown> = {}, metadata: Partial<EventMetadata> = {}) => {
  const sample = SAMPLES[type]!;
  return stored(type, { ...sample, data: { ...(sample.data as object), ...data } }, metadata);
};

/** Every current event type of every stream type: a new type is covered without touching this file. */
const CURRENT = Object.values(streamTypes).flatMap((stream) => stream.events.map((definition) => ({ stream, definition })));

describe('describing every event type', () => {
  it('has a sample for every current event type and none for a type that is not current', () => {
    const current = CURRENT.map(({ definition }) => definition.type).sort();
    expect(Object.keys(SAMPLES).sort()).toEqual(current);
  });

  it.each(CURRENT.map(({ stream, definition }) => [definition.type, stream, definition] as const))(
    'when %s is described, it reads as a sentence in Latvian and in English',
    (type, stream, definition) => {
      const sample = SAMPLES[type];
      expect(sample, `no sample payload for ${type}: add one to SAMPLES`).toBeDefined();
      // The sample is a valid payload of its type, stored in a stream of its stream type.
      expect(() => definition.schema.parse(sample!.data)).not.toThrow();
      expect(sample!.streamId.startsWith(`${stream.name}-`)).toBe(true);

      const { lv, en } = describeEvent(stored(type, sample!));

      for (const text of [lv, en]) {
        expect(text.trim().length).toBeGreaterThan(10);
        expect(text).not.toContain(type);
        expect(text).not.toContain(type.split('.')[0]);
        expect(text).not.toMatch(/undefined|null|NaN|\[object/);
        expect(text).not.toMatch(/\s{2,}/);
      }
      expect(lv).not.toBe(en);
    },
  );

  it('when an event is not a four-eyes step, fourEyesOf gives null for it, whatever the state (test/unit/four-eyes-of.spec.ts has the steps)', () => {
    const steps = new Set([
      'PassportVerified.v1',
      'PassportApproved.v1',
      'PassportRejected.v2',
      'PassportAmendmentRejected.v1',
      'InvoiceVerified.v1',
      'ClaimPaid.v1',
      'IndicatorValueVerified.v1',
      'IndicatorValueRejected.v1',
      'FinancialCorrectionApplied.v1',
      'FindingClosed.v1',
    ]);
    for (const { stream, definition } of CURRENT.filter(({ definition }) => !steps.has(definition.type))) {
      expect(
        fourEyesOf(stream.name, stream.decider.initialState, stored(definition.type, SAMPLES[definition.type]!)),
        definition.type,
      ).toBeNull();
    }
  });

  it('when the same event is described again, the text is the same: it depends on the event alone', () => {
    for (const type of Object.keys(SAMPLES)) {
      const event = stored(type, SAMPLES[type]!);
      expect(describeEvent(event)).toEqual(describeEvent(structuredClone(event)));
    }
  });
});

describe('who did it', () => {
  it.each(ROLES)('when an event is recorded under the role %s, the sentence names the role in both languages', (role) => {
    const { lv, en } = actorOf({ actor: 'anna', role });
    expect(lv).toMatch(/^\p{Lu}/u);
    expect(en).toMatch(/^\p{Lu}/u);
    expect(lv).not.toBe(en);
  });

  it('when the actor is the system (the seed), the system is the subject; an unknown role is named as it is', () => {
    expect(actorOf({ actor: 'system:seed', role: 'admin' })).toEqual({ lv: 'Sistēma', en: 'The system' });
    expect(actorOf({ actor: 'x', role: 'inspector' })).toEqual({ lv: 'Lietotājs ar lomu „inspector”', en: 'A user in role “inspector”' });
  });
});

describe('formatting', () => {
  it('money in Latvian has a space between thousands and a decimal comma; in English EUR first, commas and a point', () => {
    expect(moneyLv(1_234_567)).toBe('12 345,67 EUR');
    expect(moneyEn(1_234_567)).toBe('EUR 12,345.67');
    expect(moneyLv(0)).toBe('0,00 EUR');
    expect(moneyEn(5)).toBe('EUR 0.05');
    expect(moneyLv(7_017_792_000)).toBe('70 177 920,00 EUR');
    expect(moneyEn(Number.MAX_SAFE_INTEGER)).toBe('EUR 90,071,992,547,409.91');
  });

  it('numbers, dates and counts follow each language', () => {
    expect(numberLv(7_318_135)).toBe('7 318 135');
    expect(numberEn(-1080)).toBe('-1,080');
    expect(numberLv(0)).toBe('0');
    expect(numberEn(1e15)).toBe('1,000,000,000,000,000');
    expect(numberLv(-0.125)).toBe('-0,125');
    expect(numberEn(12.5)).toBe('12.5');
    expect(numberLv(12.5)).toBe('12,5');
    expect(dateLv('2024-03-15')).toBe('15.03.2024.');
    expect(dateEn('2024-03-05T10:00:00.000Z')).toBe('5 March 2024');
    expect([1, 2, 11, 21].map((n) => countLv(n, 'rēķins', 'rēķini'))).toEqual(['1 rēķins', '2 rēķini', '11 rēķini', '21 rēķins']);
  });

  it('long free text is cut to one line with an ellipsis', () => {
    expect(excerpt(`a\n  b ${'x'.repeat(300)}`, 10)).toBe('a b xxxxx…');
  });
});

describe('the important events, word for word', () => {
  it('given a beneficiary, when it submits an interim payment claim, the sentence names the claim, the amount and the period', () =>
    expect(describeEvent(sampleOf('PaymentClaimSubmitted.v1'))).toEqual({
      lv: 'Finansējuma saņēmējs iesniedza starpposma maksājuma pieprasījumu ID 22222222 par 12 345,67 EUR (periods 01.01.2024.–30.06.2024., 1 rēķins)',
      en: 'The beneficiary submitted interim payment claim ID 22222222 for EUR 12,345.67 (period 1 January 2024 – 30 June 2024, 1 invoice)',
    }));

  it('given an advance claim without invoices, when it is submitted, no invoice count is given', () =>
    expect(describeEvent(sampleOf('PaymentClaimSubmitted.v1', { kind: 'advance', items: [], requestedCents: 50_000_000 }))).toEqual({
      lv: 'Finansējuma saņēmējs iesniedza avansa maksājuma pieprasījumu ID 22222222 par 500 000,00 EUR (periods 01.01.2024.–30.06.2024.)',
      en: 'The beneficiary submitted advance payment claim ID 22222222 for EUR 500,000.00 (period 1 January 2024 – 30 June 2024)',
    }));

  it('given an approver, when a claim is paid, the sentence names the amount and the payment date', () =>
    expect(describeEvent(sampleOf('ClaimPaid.v1'))).toEqual({
      lv: 'Apstiprinātājs apmaksāja maksājuma pieprasījumu ID 22222222 par 12 345,67 EUR (maksājuma datums 15.07.2024.)',
      en: 'The approver paid EUR 12,345.67 on payment claim ID 22222222 (payment date 15 July 2024)',
    }));

  it('given an officer, when an invoice is verified with an ineligible part, both amounts and the reason code are named', () =>
    expect(describeEvent(sampleOf('InvoiceVerified.v1'))).toEqual({
      lv:
        'Uzraudzības iestādes darbinieks pārbaudīja rēķinu ID 11111111 maksājuma pieprasījumā ID 22222222: ' +
        'attiecināmās izmaksas 1 000,00 EUR, neattiecināmās izmaksas 210,00 EUR (iemesla kods VAT_RECOVERABLE)',
      en:
        'The monitoring officer verified invoice ID 11111111 in payment claim ID 22222222: ' +
        'eligible EUR 1,000.00, ineligible EUR 210.00 (reason code VAT_RECOVERABLE)',
    }));

  it('given a finding, when its financial correction is booked on the budget, the amount, the funds and the finding are named', () =>
    expect(describeEvent(sampleOf('FinancialCorrectionBooked.v1'))).toEqual({
      lv:
        'Uzraudzības iestādes darbinieks piemēroja finanšu korekciju 6 250,00 EUR apmērā izmaksu pozīcijai 4.3 ' +
        '(ANM 5 312,50 EUR, valsts budžets 937,50 EUR) pēc konstatējuma ID 7c1b1a7e; attiecas uz: maksājuma pieprasījums ID 22222222. ' +
        'Iemesls: „25 % korekcija par iepirkuma pārkāpumu”',
      en:
        'The monitoring officer applied a financial correction of EUR 6,250.00 to cost line 4.3 ' +
        '(RRF EUR 5,312.50, state budget EUR 937.50) following finding ID 7c1b1a7e; concerns payment claim ID 22222222. ' +
        'Reason: “25 % korekcija par iepirkuma pārkāpumu”',
    }));

  it('given an officer, when the correction is recorded on the finding, its number, amount and cost line are named', () =>
    expect(describeEvent(sampleOf('FinancialCorrectionApplied.v1'))).toEqual({
      lv: 'Uzraudzības iestādes darbinieks piemēroja finanšu korekciju Nr. 1 par 6 250,00 EUR izmaksu pozīcijai 4.3. Iemesls: „25 % korekcija par iepirkuma pārkāpumu”',
      en: 'The monitoring officer applied financial correction No. 1 of EUR 6,250.00 to cost line 4.3. Reason: “25 % korekcija par iepirkuma pārkāpumu”',
    }));

  it('given an approver, when a passport is approved, the version is named', () =>
    expect(describeEvent(sampleOf('PassportApproved.v1'))).toEqual({
      lv: 'Apstiprinātājs apstiprināja projekta pases 2. versiju',
      en: 'The approver approved version 2 of the project passport',
    }));

  it('given a beneficiary, when a passport is submitted with warnings, their number is named in the right case', () => {
    const warning = { code: 'VAT_RATE', section: 'financing', path: 'financing.vatCents', message: 'VAT is not 21 %', figures: {} };
    expect(describeEvent(sampleOf('PassportSubmitted.v1', { warnings: [warning] }))).toEqual({
      lv: 'Finansējuma saņēmējs iesniedza projekta pases 1. versiju ar 1 brīdinājumu par neatbilstībām',
      en: 'The beneficiary submitted version 1 of the project passport with 1 consistency warning',
    });
    expect(describeEvent(sampleOf('PassportSubmitted.v1')).lv).toBe(
      'Finansējuma saņēmējs iesniedza projekta pases 1. versiju bez brīdinājumiem',
    );
  });

  it('given an auditor, when a finding is raised, the category, severity, amounts, invoice and reportability are named', () =>
    expect(describeEvent(sampleOf('FindingRaised.v1'))).toEqual({
      lv:
        'Revidents reģistrēja konstatējumu: iepirkuma pārkāpums (nozīmīgums augsts), finanšu ietekme 25 000,00 EUR, ' +
        't. sk. ES finansējums 21 250,00 EUR; attiecas uz: rēķins PVN-2024/117; ziņojama neatbilstība',
      en:
        'The auditor raised a finding: procurement breach (severity high), EUR 25,000.00 at risk, ' +
        'of which EU funding EUR 21,250.00; concerns invoice PVN-2024/117; a reportable irregularity',
    }));

  it('given a confirmed double-funding alert that raises two findings, the accusative plural is used', () => {
    const two = SAMPLES['DuplicateAlertConfirmed.v2']!.data as { findings: object[] };
    const { lv } = describeEvent(sampleOf('DuplicateAlertConfirmed.v2', { findings: [two.findings[0], two.findings[0]] }));
    expect(lv).toContain('un reģistrēja 2 konstatējumus.');
  });
});
