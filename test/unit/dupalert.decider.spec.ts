import { describe, expect, it } from 'vitest';
import { alertFindingId } from '../../src/application/double-funding.js';
import { duplicateAlertDecider, type DuplicateAlertCommand } from '../../src/domain/dupalert/decider.js';
import type { AlertFinding, DuplicateAlertEvent } from '../../src/domain/dupalert/events.js';
import { IllegalTransition } from '../../src/domain/errors.js';
import { createEventRegistry } from '../../src/domain/events.js';
import { buildMetadata } from '../support/builders.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(duplicateAlertDecider);
const now = new Date('2024-05-01T10:00:00.000Z');
const alertId = 'a'.repeat(32);
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const data = {
  alertId,
  rule: 'same_invoice' as const,
  projectIds: [projectId],
  amountAtRiskCents: 121000,
  reason: 'also in ERDF project',
};
const finding: AlertFinding = {
  findingId: alertFindingId(alertId, projectId),
  projectId,
  severity: 'high',
  amountAtRiskCents: 121000,
  euShareCents: 102850,
  invoiceRef: 'VRAA-2024/0042',
  description: 'Rēķins deklarēts divos projektos',
};
const confirm = (overrides: { reason?: string; findings?: AlertFinding[] } = {}, actor = 'janis'): DuplicateAlertCommand => ({
  type: 'ConfirmDuplicateAlert',
  data: { ...data, findings: [finding], ...overrides },
  context: { now, actor },
});
const dismiss = (overrides: { reason?: string } = {}, actor = 'janis'): DuplicateAlertCommand => ({
  type: 'DismissDuplicateAlert',
  data: { ...data, ...overrides },
  context: { now, actor },
});
const confirmed: DuplicateAlertEvent = {
  type: 'DuplicateAlertConfirmed.v2',
  data: { ...data, findings: [finding], decidedAt: now.toISOString(), decidedBy: 'janis' },
};
const dismissed: DuplicateAlertEvent = {
  type: 'DuplicateAlertDismissed.v1',
  data: { ...data, decidedAt: now.toISOString(), decidedBy: 'janis' },
};

describe('duplicate alert decider', () => {
  it('when an open alert is confirmed, DuplicateAlertConfirmed.v2 carries the reason, the officer and the findings it raises', () =>
    given([]).when(confirm()).then([confirmed]));

  it('when an open alert is confirmed without findings, v2 records that it raises none', () =>
    given([])
      .when(confirm({ findings: [] }))
      .then([{ type: 'DuplicateAlertConfirmed.v2', data: { ...confirmed.data, findings: [] } }]));

  it('when an alert is confirmed, the state is confirmed with the findings', () =>
    given([])
      .when(confirm())
      .thenState({ status: 'confirmed', decidedBy: 'janis', reason: 'also in ERDF project', findings: [finding] }));

  it('when an open alert is dismissed, DuplicateAlertDismissed carries the reason', () => given([]).when(dismiss()).then([dismissed]));

  it('when an alert was already decided, another decision is refused naming who decided', () => {
    given([confirmed])
      .when(dismiss())
      .thenThrows(IllegalTransition, /^alert a{32} is already confirmed by janis$/);
    given([dismissed])
      .when(confirm())
      .thenThrows(IllegalTransition, /^alert a{32} is already dismissed by janis$/);
  });

  it('when the same officer confirms again with the same reason and findings (a retry), nothing is decided', () =>
    given([confirmed]).when(confirm()).then([]));

  it('when the same officer dismisses again with the same reason (a retry), nothing is decided', () =>
    given([dismissed]).when(dismiss()).then([]));

  it('when a confirmation is repeated with another reason, other findings or by another officer, it is refused as a second decision', () => {
    given([confirmed])
      .when(confirm({ reason: 'another reason' }))
      .thenThrows(IllegalTransition, /already confirmed by janis/);
    given([confirmed])
      .when(confirm({ findings: [] }))
      .thenThrows(IllegalTransition, /already confirmed by janis/);
    given([confirmed])
      .when(confirm({ findings: [{ ...finding, severity: 'critical' }] }))
      .thenThrows(IllegalTransition, /already confirmed by janis/);
    given([confirmed])
      .when(confirm({}, 'liga'))
      .thenThrows(IllegalTransition, /already confirmed by janis/);
    given([dismissed])
      .when(dismiss({}, 'liga'))
      .thenThrows(IllegalTransition, /already dismissed by janis/);
  });
});

describe('duplicate alert events', () => {
  it("when a confirmation is decided, its findings' ids derive from the alert and project, the same every time", () => {
    expect(alertFindingId(alertId, projectId)).toBe(finding.findingId);
    expect(alertFindingId(alertId, '11111111-1111-4111-8111-111111111111')).not.toBe(finding.findingId);
    expect(alertFindingId('b'.repeat(32), projectId)).not.toBe(finding.findingId);
  });

  it('when DuplicateAlertConfirmed.v2 is appended, its findings parse with the schema', () => {
    const registry = createEventRegistry();
    expect(registry.parseForAppend({ ...confirmed, metadata: buildMetadata() })).toEqual(confirmed.data);
  });

  it('when a stored DuplicateAlertConfirmed.v1 is read, it is a v2 confirmation that raises no findings', () => {
    const { findings: _findings, ...v1 } = confirmed.data;
    expect(createEventRegistry().parseStored('DuplicateAlertConfirmed.v1', v1)).toEqual({
      type: 'DuplicateAlertConfirmed.v2',
      data: { ...v1, findings: [] },
    });
  });

  it('when DuplicateAlertConfirmed.v1 is about to be appended, the registry refuses the retired type', () => {
    const { findings: _findings, ...v1 } = confirmed.data;
    expect(() =>
      createEventRegistry().parseForAppend({ type: 'DuplicateAlertConfirmed.v1', data: v1, metadata: buildMetadata() } as never),
    ).toThrow(/Event type "DuplicateAlertConfirmed.v1" is not registered/);
  });
});
