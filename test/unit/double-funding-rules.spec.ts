import { describe, expect, it } from 'vitest';
import {
  alertIdOf,
  alertsOf,
  factsAsOf,
  nearDuplicate,
  overAllocation,
  overlappingScope,
  sameInvoice,
  seenTimes,
  vatTwice,
  type BudgetFact,
  type ClaimItemFact,
  type Facts,
  type InvoiceFact,
} from '../../src/domain/dupalert/rules.js';

/*
 * The five double-funding rules as pure functions: given invoices, claim items and budgets,
 * then these alerts. Figures from the e-adrese passport (VARAM, RRF 2.1.2.1.i.) and its ERDF
 * predecessor; supplier LVRTC (40003011203).
 */

const LVRTC = '40003011203';
const VARAM = '90000038578';
const T0 = '2024-03-15T09:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const budget = (projectId: string, o: Partial<BudgetFact> = {}): BudgetFact => ({
  projectId,
  recipientOrg: VARAM,
  fund: 'RRF',
  programme: 'ANM',
  investment: '2.1.2.1.i.',
  vatSource: 'own',
  costLines: [{ code: '4.3', output: 'Vienotās saziņas platforma' }],
  recordedAt: T0,
  ...o,
});
let n = 0;
const invoice = (projectId: string, o: Partial<InvoiceFact> = {}): InvoiceFact => {
  n += 1;
  return {
    invoiceId: `inv-${n}`,
    projectId,
    eventId: `ev-inv-${n}`,
    supplier: LVRTC,
    normNumber: `LVRTC2024${n}`,
    invoiceDate: '2024-03-15',
    net: 100_000,
    vat: 21_000,
    gross: 121_000,
    costLine: '4.3',
    assetRef: null,
    recordedAt: at(n),
    ...o,
  };
};
const item = (projectId: string, of: InvoiceFact, cents: number, o: Partial<ClaimItemFact> = {}): ClaimItemFact => {
  n += 1;
  return {
    claimId: `claim-${n}`,
    invoiceId: of.invoiceId,
    projectId,
    eventId: `ev-claim-${n}`,
    supplier: of.supplier,
    normNumber: of.normNumber,
    cents,
    recordedAt: at(n),
    ineligible: 0,
    verifiedAt: null,
    ...o,
  };
};
const facts = (f: Partial<Facts>): Facts => ({ invoices: [], items: [], budgets: [], ...f });

describe('rule 1, same invoice', () => {
  it('given one invoice number declared in an RRF and an ERDF project, then one alert over both, the smaller declaration at risk', () => {
    const a = invoice('rrf', { normNumber: 'LVRTC20240117' });
    const b = invoice('erdf', { normNumber: 'LVRTC20240117', gross: 100_000 });
    expect(sameInvoice(facts({ invoices: [a, b] }))).toEqual([
      {
        rule: 'same_invoice',
        key: `${LVRTC}|LVRTC20240117`,
        eventIds: [a.eventId, b.eventId].sort(),
        projectIds: ['erdf', 'rrf'],
        amountAtRiskCents: 100_000,
      },
    ]);
  });

  it('given the same number from two suppliers, then no alert', () => {
    const a = invoice('p', { normNumber: 'X1' });
    const b = invoice('p', { normNumber: 'X1', supplier: '40003000001' });
    expect(sameInvoice(facts({ invoices: [a, b] }))).toEqual([]);
  });

  it('given three declarations, then all but the largest are at risk', () => {
    const invoices = [121_000, 50_000, 30_000].map((gross) => invoice('p', { normNumber: 'X2', gross }));
    expect(sameInvoice(facts({ invoices }))[0]!.amountAtRiskCents).toBe(80_000);
  });
});

describe('rule 2, over-allocation', () => {
  it('given claims allocating 150,000 from a 121,000 invoice, then 29,000 at risk, naming the claims’ projects', () => {
    const i = invoice('p');
    const c1 = item('p', i, 100_000);
    const c2 = item('q', i, 50_000);
    expect(overAllocation(facts({ invoices: [i], items: [c1, c2] }))).toEqual([
      {
        rule: 'over_allocation',
        key: `${LVRTC}|${i.normNumber}`,
        eventIds: [i.eventId, c1.eventId, c2.eventId].sort(),
        projectIds: ['p', 'q'],
        amountAtRiskCents: 29_000,
      },
    ]);
  });

  it('given ineligible amounts found, then the cap is the gross less them', () => {
    const i = invoice('p');
    expect(overAllocation(facts({ invoices: [i], items: [item('p', i, 121_000)] }))).toEqual([]);
    const verified = item('p', i, 121_000, { ineligible: 21_000, verifiedAt: at(100) });
    expect(overAllocation(facts({ invoices: [i], items: [verified] }))[0]!.amountAtRiskCents).toBe(21_000);
  });

  it('given claim items without a declared invoice, then nothing to compare with and no alert', () => {
    const ghost = invoice('p');
    expect(overAllocation(facts({ items: [item('p', ghost, 999_999)] }))).toEqual([]);
  });

  it('given a later invoice under the same number with a larger gross, then the alert ends', () => {
    const i = invoice('p');
    const claim = item('p', i, 150_000);
    expect(overAllocation(facts({ invoices: [i], items: [claim] }))).toHaveLength(1);
    const larger = invoice('q', { normNumber: i.normNumber, gross: 200_000 });
    expect(overAllocation(facts({ invoices: [i, larger], items: [claim] }))).toEqual([]);
  });
});

describe('rule 3, near duplicate', () => {
  it('given one supplier’s invoices with the same gross, different numbers, within the window, then one alert', () => {
    const a = invoice('p', { normNumber: 'A1', invoiceDate: '2024-03-15' });
    const b = invoice('q', { normNumber: 'A2', invoiceDate: '2024-03-20' });
    expect(nearDuplicate(facts({ invoices: [a, b] }), 5)).toEqual([
      {
        rule: 'near_duplicate',
        key: `${LVRTC}|A1|A2`,
        eventIds: [a.eventId, b.eventId].sort(),
        projectIds: ['p', 'q'],
        amountAtRiskCents: 121_000,
      },
    ]);
  });

  it('given six days apart with a five-day window, or another gross, then no alert', () => {
    const a = invoice('p', { normNumber: 'A1', invoiceDate: '2024-03-15' });
    expect(nearDuplicate(facts({ invoices: [a, invoice('q', { normNumber: 'A2', invoiceDate: '2024-03-21' })] }), 5)).toEqual([]);
    expect(nearDuplicate(facts({ invoices: [a, invoice('q', { normNumber: 'A2', gross: 121_001 })] }), 5)).toEqual([]);
    expect(nearDuplicate(facts({ invoices: [a, invoice('q', { normNumber: 'A2', invoiceDate: '2024-03-21' })] }), 6)).toHaveLength(1);
  });
});

describe('rule 4, VAT financed twice', () => {
  it('given a state-budget VAT refund and a claim above the net, then the VAT part claimed is at risk', () => {
    const i = invoice('p');
    const c = item('p', i, 110_000);
    const alerts = vatTwice(facts({ invoices: [i], items: [c], budgets: [budget('p', { vatSource: 'state_budget' })] }));
    expect(alerts).toEqual([
      {
        rule: 'vat_twice',
        key: `${c.claimId}|${i.invoiceId}`,
        eventIds: [c.eventId, i.eventId].sort(),
        projectIds: ['p'],
        amountAtRiskCents: 10_000,
      },
    ]);
  });

  it('given VAT the project pays itself, or a claim of the net only, then no alert', () => {
    const i = invoice('p');
    expect(vatTwice(facts({ invoices: [i], items: [item('p', i, 121_000)], budgets: [budget('p')] }))).toEqual([]);
    expect(
      vatTwice(facts({ invoices: [i], items: [item('p', i, 100_000)], budgets: [budget('p', { vatSource: 'state_budget' })] })),
    ).toEqual([]);
  });
});

describe('rule 5, overlapping scope', () => {
  const budgets = [
    budget('rrf'),
    budget('erdf', { fund: 'ERDF', programme: '2021-2027', costLines: [{ code: '1.1', output: ' vienotās SAZIŅAS platforma ' }] }),
  ];

  it('given one recipient’s RRF and ERDF invoices of one supplier for the same output in one year, then the smaller side is at risk', () => {
    const r = invoice('rrf');
    const e1 = invoice('erdf', { costLine: '1.1', gross: 50_000, invoiceDate: '2024-11-02' });
    const e2 = invoice('erdf', { costLine: '1.1', gross: 40_000 });
    expect(overlappingScope(facts({ invoices: [r, e1, e2], budgets }))).toEqual([
      {
        rule: 'overlapping_scope',
        key: 'rrf|erdf|vienotās saziņas platforma',
        eventIds: [r.eventId, e1.eventId, e2.eventId].sort(),
        projectIds: ['erdf', 'rrf'],
        amountAtRiskCents: 90_000,
      },
    ]);
  });

  it('given another year, another recipient, or assets that differ, then no alert; the same asset from two suppliers is one', () => {
    const r = invoice('rrf', { assetRef: 'INV-0042' });
    const otherYear = invoice('erdf', { costLine: '1.1', invoiceDate: '2025-01-02' });
    expect(overlappingScope(facts({ invoices: [r, otherYear], budgets }))).toEqual([]);
    const otherAsset = invoice('erdf', { costLine: '1.1', assetRef: 'INV-0043' });
    expect(overlappingScope(facts({ invoices: [r, otherAsset], budgets }))).toEqual([]);
    const sameAsset = invoice('erdf', { costLine: '1.1', assetRef: 'INV-0042', supplier: '40003000001' });
    expect(overlappingScope(facts({ invoices: [r, sameAsset], budgets }))).toHaveLength(1);
    const elsewhere = [budgets[0]!, { ...budgets[1]!, recipientOrg: '90000000001' }];
    expect(overlappingScope(facts({ invoices: [r, invoice('erdf', { costLine: '1.1' })], budgets: elsewhere }))).toEqual([]);
  });
});

describe('every rule together', () => {
  it('orders strongest rule first, then by alert id, and ids are md5 of rule and key', () => {
    const a = invoice('p', { normNumber: 'Z1' });
    const b = invoice('q', { normNumber: 'Z1' });
    const c = invoice('q', { normNumber: 'Z2' });
    const d = invoice('q', { normNumber: 'Z3', gross: 50_000 });
    const e = invoice('q', { normNumber: 'Z4', gross: 50_000 });
    const alerts = alertsOf(facts({ invoices: [a, b, c, d, e] }), 5);
    expect(alerts.map((x) => x.rule)).toEqual(['same_invoice', 'near_duplicate', 'near_duplicate']);
    expect(alerts[0]!.alertId).toBe(alertIdOf('same_invoice', `${LVRTC}|Z1`));
    expect(alerts[0]!.alertId).toMatch(/^[0-9a-f]{32}$/);
    expect(alerts[1]!.alertId < alerts[2]!.alertId).toBe(true);
  });
});

describe('time', () => {
  it('given facts recorded later and a verification after the instant, then the facts as of the instant leave them out', () => {
    const i = invoice('p', { recordedAt: at(0) });
    const later = invoice('p', { recordedAt: at(10) });
    const c = item('p', i, 121_000, { recordedAt: at(1), ineligible: 5_000, verifiedAt: at(20) });
    const then = factsAsOf(facts({ invoices: [i, later], items: [c] }), at(5));
    expect(then.invoices).toEqual([i]);
    expect(then.items).toEqual([{ ...c, ineligible: 0, verifiedAt: null }]);
  });

  it('first seen is when the rule first raised it over the facts recorded by then; last seen its latest fact', () => {
    const a = invoice('p', { normNumber: 'S1', recordedAt: at(0) });
    const b = invoice('q', { normNumber: 'S1', recordedAt: at(30) });
    const c = invoice('r', { normNumber: 'S1', recordedAt: at(60) });
    const all = facts({ invoices: [a, b, c] });
    const [alert] = alertsOf(all, 5).filter((x) => x.rule === 'same_invoice');
    expect(seenTimes(all, alert!, 5)).toEqual({ first: at(30), last: at(60) });
  });

  it('for rule 2, first seen counts the verification that lowered the cap', () => {
    const i = invoice('p', { recordedAt: at(0) });
    const c = item('p', i, 121_000, { recordedAt: at(5), ineligible: 1_000, verifiedAt: at(50) });
    const all = facts({ invoices: [i], items: [c] });
    const [alert] = alertsOf(all, 5);
    expect(alert!.rule).toBe('over_allocation');
    expect(seenTimes(all, alert!, 5)).toEqual({ first: at(50), last: at(50) });
  });
});
