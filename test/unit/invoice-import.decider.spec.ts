import { describe, expect, it } from 'vitest';
import { normaliseInvoiceNumber, type InvoiceInput } from '../../src/domain/budget/content.js';
import { budgetDecider, type BudgetCommand } from '../../src/domain/budget/decider.js';
import type { BudgetEvent } from '../../src/domain/budget/events.js';
import { issuesFromDecider, interpretTable } from '../../src/domain/budget/import.js';
import { NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { buildInvoice, buildPassportFacts, SEED_SHARES } from '../support/budget-builders.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(budgetDecider);
const now = new Date('2024-05-02T08:30:00.000Z');
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const ctx = { now, actor: 'anna', subject: projectId };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const opened = budgetDecider.decide(
  {
    type: 'OpenBudget',
    data: { projectId, passport: buildPassportFacts(), shares: SEED_SHARES, vatRecoverable: false },
    context: { ...ctx, actor: 'janis' },
  },
  budgetDecider.initialState,
);
const importing = (...rows: [number, InvoiceInput][]): BudgetCommand => ({
  type: 'ImportInvoices',
  data: { rows: rows.map(([row, invoice], n) => ({ row, invoice: { ...invoice, invoiceId: id(n + 1) } })) },
  context: ctx,
});
const submitted = (invoice: InvoiceInput, n: number): BudgetEvent => ({
  type: 'InvoiceSubmitted.v1',
  data: {
    ...invoice,
    invoiceId: id(n),
    normalisedNumber: normaliseInvoiceNumber(invoice.number),
    submittedAt: now.toISOString(),
    submittedBy: 'anna',
  },
});
const issuesOf = (command: BudgetCommand) => {
  try {
    budgetDecider.decide(command, opened.reduce(budgetDecider.evolve, budgetDecider.initialState));
  } catch (err) {
    if (err instanceof ValidationFailed) return err.issues;
    throw err;
  }
  return [];
};

// Seed passport e-adrese: cost lines 4.3 (max EUR 4,196,000), 4.4, 4.5; financed by RRF and the state budget.
const hosting = buildInvoice({
  supplierRegNo: '40003011203',
  number: 'LVRTC-2024-117',
  netCents: 10000000,
  vatCents: 2100000,
  grossCents: 12100000,
  allocations: [
    { fund: 'RRF', cents: 10000000 },
    { fund: 'STATE', cents: 2100000 },
  ],
});
const management = buildInvoice({
  supplierRegNo: '40003000001',
  number: 'PV-42',
  costLine: '4.5',
  netCents: 770000,
  vatCents: 0,
  grossCents: 770000,
  allocations: [{ fund: 'RRF', cents: 770000 }],
});

describe('budget decider: importing invoices', () => {
  it('when every row is a valid invoice, one InvoiceSubmitted per row is decided, in file order', () =>
    given(opened)
      .when(importing([2, hosting], [5, management]))
      .then([submitted(hosting, 1), submitted(management, 2)]));

  it('when imported, the budget holds every invoice', () =>
    given(opened)
      .when(importing([2, hosting], [5, management]))
      .thenState({
        invoices: { [id(1)]: expect.objectContaining({ grossCents: 12100000 }), [id(2)]: expect.objectContaining({ costLine: '4.5' }) },
      }));

  it('when rows break the single-invoice rules, every one is refused naming its row and field, not only the first', () => {
    const issues = issuesOf(
      importing(
        [2, hosting],
        [3, { ...management, number: 'PV-43', grossCents: 770001, allocations: [{ fund: 'RRF', cents: 770001 }] }],
        [4, { ...management, number: 'PV-44', costLine: '4.9' }],
        [6, { ...management, number: 'PV-46', allocations: [{ fund: 'ERDF', cents: 770000 }] }],
      ),
    );
    expect(issues.map((i) => i.field)).toEqual(['rows.3.grossCents', 'rows.4.costLine', 'rows.6.allocations.0.fund']);
    expect(issues[1]!.message).toContain('no cost line 4.9; it has 4.3, 4.4, 4.5');
  });

  it('when the same invoice is in the file twice (numbers equal once normalised), the later row is refused naming the earlier', () => {
    const issues = issuesOf(importing([2, hosting], [3, management], [7, { ...hosting, number: 'lvrtc 2024/0117' }]));
    expect(issues).toEqual([{ field: 'rows.7.number', message: expect.stringContaining('the same invoice as row 2') }]);
  });

  it('when the same number comes from another supplier, it is not a duplicate', () =>
    given(opened)
      .when(importing([2, hosting], [3, { ...hosting, supplierRegNo: '40003000001' }]))
      .thenState({}));

  it('when the import is empty, it is refused', () =>
    given(opened)
      .when(importing())
      .thenThrows(ValidationFailed, /no invoices/));

  it('when the project has no budget, it is not found', () =>
    given([])
      .when(importing([2, hosting]))
      .thenThrows(NotFound));
});

describe('naming the decider issues by the file headings', () => {
  it('when a cell could not be read, the rule that depends on it is not reported again; the rest are, under the heading as written', () => {
    const interpreted = interpretTable([
      { number: 1, cells: ['Piegādātājs', 'Nr.', 'Datums', 'Neto', 'PVN', 'Bruto', 'Pozīcija', 'ANM'] },
      { number: 2, cells: ['40003011203', 'A-1', '2024-03-15', 'abc', '21,00', '121,00', '4.9', '121,00'] },
      { number: 3, cells: ['40003011203', 'A-2', '2024-03-15', '100,00', '21,00', '121,01', '4.3', '121,00'] },
    ]);
    expect(interpreted.issues).toEqual([
      { row: 2, column: 'Neto', value: 'abc', reason: expect.stringContaining('"abc" is not an amount') },
    ]);
    const dry: BudgetCommand = {
      type: 'ImportInvoices',
      data: { rows: interpreted.rows.map((r) => ({ row: r.row, invoice: { ...r.invoice, invoiceId: id(r.row) } })) },
      context: ctx,
    };
    expect(issuesFromDecider(issuesOf(dry), interpreted).map((i) => [i.row, i.column, i.value])).toEqual([
      [2, 'Pozīcija', '4.9'],
      [3, 'Bruto', '121,01'],
      [3, 'ANM', null],
    ]);
  });

  it('when a sum does not add up, the reason quotes the amounts as the file writes them, never cents', () => {
    const interpreted = interpretTable([
      { number: 1, cells: ['Piegādātājs', 'Nr.', 'Datums', 'Neto', 'PVN', 'Bruto', 'Pozīcija', 'ANM', 'VB'] },
      { number: 2, cells: ['40003011203', 'A-1', '2024-03-15', '1 234,56', '259,26', '1 493,83', '4.3', '1 234,56', '259,26'] },
      { number: 3, cells: ['40003011203', 'A-2', '2024-03-15', 1000, 210, 1210, '4.3', 1000.01, 210] },
    ]);
    expect(interpreted.issues).toEqual([]);
    const dry: BudgetCommand = {
      type: 'ImportInvoices',
      data: { rows: interpreted.rows.map((r) => ({ row: r.row, invoice: { ...r.invoice, invoiceId: id(r.row) } })) },
      context: ctx,
    };
    const issues = issuesFromDecider(issuesOf(dry), interpreted);
    expect(issues).toEqual([
      { row: 2, column: 'Bruto', value: '1 493,83', reason: 'gross 1 493,83 is not net 1 234,56 + VAT 259,26 = 1 493,82' },
      {
        row: 2,
        column: 'ANM, VB',
        value: null,
        reason: 'the allocations add up to 1 493,82 (ANM 1 234,56 + VB 259,26), the gross is 1 493,83',
      },
      { row: 3, column: 'ANM, VB', value: null, reason: 'the allocations add up to 1210.01 (ANM 1000.01 + VB 210), the gross is 1210' },
    ]);
    expect(issues.map((i) => i.reason).join(' ')).not.toMatch(/149383|149382|121001|cents/);
  });
});
