import { describe, expect, it } from 'vitest';
import { IllegalTransition, ValidationFailed } from '../../src/domain/errors.js';
import { importJobDecider, type ImportJobCommand } from '../../src/domain/importjob/decider.js';
import type { AcceptedRow, ImportJobEvent } from '../../src/domain/importjob/events.js';
import { decodeRows, encodeRows, importedInvoiceId } from '../../src/domain/importjob/rows.js';
import { buildInvoice } from '../support/budget-builders.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(importJobDecider);
const now = new Date('2024-05-02T08:30:00.000Z');
const context = { now, actor: 'anna', subject: 'job' };
const jobId = '7d3c1f0e-2b4a-4c5d-8e6f-9a0b1c2d3e4f';
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const file = { name: 'rekini.csv', format: 'csv' as const, sha256: 'a'.repeat(64), bytes: 1234 };
const facts = { jobId, projectId, recipientOrg: '90001234567', file, chunkRows: 2 };
const alert = (n: number) => String(n).padStart(32, '0');

const rows = (n: number): AcceptedRow[] =>
  Array.from({ length: n }, (_, i) => ({
    row: i + 2,
    invoice: { ...buildInvoice({ number: `INV\t${i}` }), invoiceId: importedInvoiceId(jobId, i + 2) },
  }));
const accepted = (chunk: number, slice: AcceptedRow[]): ImportJobEvent => ({
  type: 'ImportRowsAccepted.v1',
  data: { chunk, firstRow: slice[0]!.row, lastRow: slice.at(-1)!.row, count: slice.length, rows: encodeRows(slice) },
});
const result = (r: AcceptedRow, alertIds: string[] = []) => ({
  row: r.row,
  invoiceId: r.invoice.invoiceId,
  number: r.invoice.number,
  alertIds,
});

const five = rows(5);
const started: ImportJobEvent[] = [
  {
    type: 'ImportJobStarted.v1',
    data: { ...facts, rows: 5, startedAt: now.toISOString(), startedBy: 'anna' },
  },
  accepted(0, five.slice(0, 2)),
  accepted(1, five.slice(2, 4)),
  accepted(2, five.slice(4)),
];
const stored = (chunk: number, invoices: ReturnType<typeof result>[], newAlerts: string[] = []): ImportJobEvent => ({
  type: 'ImportChunkStored.v1',
  data: { chunk, budgetVersion: 10 + chunk, invoices, newAlerts, storedAt: now.toISOString() },
});
const record = (chunk: number, invoices: ReturnType<typeof result>[]): ImportJobCommand => ({
  type: 'RecordImportChunk',
  data: { chunk, budgetVersion: 10 + chunk, invoices },
  context,
});

describe('import job decider', () => {
  it('when a checked file starts a job, its rows are kept in chunks of chunkRows after the start', () => {
    const inputs = five.map(({ row, invoice: { invoiceId: _id, ...invoice } }) => ({ row, invoice }));
    given([])
      .when({ type: 'StartImportJob', data: { ...facts, rows: inputs }, context })
      .then(started);
  });

  it('when a chunk is read back, every field comes back as it was, tabs and line breaks in the number too, with ids derived from the job and row', () => {
    const odd = {
      ...five[0]!,
      invoice: { ...five[0]!.invoice, number: 'A\\B\nC\rD\tE', documentHash: 'f'.repeat(64), assetRef: 'Serveris #7' },
    };
    expect(decodeRows(jobId, encodeRows([odd, ...five.slice(1)]))).toEqual([odd, ...five.slice(1)]);
    expect(importedInvoiceId(jobId, 2)).toBe(importedInvoiceId(jobId, 2));
    expect(importedInvoiceId(jobId, 2)).not.toBe(importedInvoiceId(jobId, 3));
  });

  it('when a file with problems is refused, the job starts and fails at once naming them, with nothing stored', () => {
    const issues = [{ row: 3, column: 'date', value: '31.02.2024', reason: '"31.02.2024" is not a date in the calendar' }];
    given([])
      .when({ type: 'RefuseImportFile', data: { ...facts, rowCount: 5, issues }, context })
      .then([
        { type: 'ImportJobStarted.v1', data: { ...facts, rows: 5, startedAt: now.toISOString(), startedBy: 'anna' } },
        { type: 'ImportJobFailed.v1', data: { issues, stored: 0, failedAt: now.toISOString() } },
      ]);
  });

  it('when a chunk is recorded, only the alerts no earlier chunk raised are new; the last chunk completes the job', () => {
    const first = [result(five[0]!, [alert(1)]), result(five[1]!)];
    const second = [result(five[2]!, [alert(1), alert(2)]), result(five[3]!, [alert(2)])];
    given(started)
      .when(record(0, first))
      .then([stored(0, first, [alert(1)])]);
    given([...started, stored(0, first, [alert(1)])])
      .when(record(1, second))
      .then([stored(1, second, [alert(2)])]);
    const last = [result(five[4]!)];
    given([...started, stored(0, first, [alert(1)]), stored(1, second, [alert(2)])])
      .when(record(2, last))
      .then([stored(2, last), { type: 'ImportJobCompleted.v1', data: { stored: 5, alertsRaised: 2, completedAt: now.toISOString() } }]);
  });

  it('when a chunk already recorded is recorded again (a worker resumed after a crash), nothing is decided', () => {
    const first = [result(five[0]!), result(five[1]!)];
    given([...started, stored(0, first)])
      .when(record(0, first))
      .then([]);
  });

  it('when a chunk is recorded out of order, or with other rows than it holds, it is refused', () => {
    given(started)
      .when(record(1, [result(five[2]!), result(five[3]!)]))
      .thenThrows(IllegalTransition, /chunk 1 recorded before chunk 0/);
    given(started)
      .when(record(0, [result(five[0]!)]))
      .thenThrows(ValidationFailed);
    given(started)
      .when(record(0, [result(five[0]!), { ...result(five[1]!), invoiceId: importedInvoiceId(jobId, 99) }]))
      .thenThrows(ValidationFailed);
  });

  it('when the job is failed while running, the rows stored so far are counted; a failed job fails again to no effect', () => {
    const first = [result(five[0]!), result(five[1]!)];
    const issues = [{ row: null, column: null, reason: 'Budget of project x does not exist' }];
    const fail: ImportJobCommand = { type: 'FailImportJob', data: { issues }, context };
    given([...started, stored(0, first)])
      .when(fail)
      .then([{ type: 'ImportJobFailed.v1', data: { issues, stored: 2, failedAt: now.toISOString() } }]);
    given([...started, { type: 'ImportJobFailed.v1', data: { issues, stored: 0, failedAt: now.toISOString() } }])
      .when(fail)
      .then([]);
  });

  it('when the job completed, its state holds every row result in order and the distinct alerts', () => {
    const chunks = [[result(five[0]!, [alert(1)]), result(five[1]!)], [result(five[2]!), result(five[3]!, [alert(1)])], [result(five[4]!)]];
    const history = [
      ...started,
      stored(0, chunks[0]!, [alert(1)]),
      stored(1, chunks[1]!),
      stored(2, chunks[2]!),
      { type: 'ImportJobCompleted.v1' as const, data: { stored: 5, alertsRaised: 1, completedAt: now.toISOString() } },
    ];
    const state = history.reduce(importJobDecider.evolve, importJobDecider.initialState);
    expect(state).toMatchObject({ status: 'completed', rows: 5, alerts: [alert(1)], finishedAt: now.toISOString() });
    expect(state.status !== 'none' && state.stored.flat().map((r) => r.row)).toEqual([2, 3, 4, 5, 6]);
  });
});
