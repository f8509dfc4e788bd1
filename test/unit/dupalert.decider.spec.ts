import { describe, it } from 'vitest';
import { duplicateAlertDecider, type DuplicateAlertCommand } from '../../src/domain/dupalert/decider.js';
import type { DuplicateAlertEvent } from '../../src/domain/dupalert/events.js';
import { IllegalTransition } from '../../src/domain/errors.js';
import { specFor } from '../support/given-when-then.js';

const given = specFor(duplicateAlertDecider);
const now = new Date('2024-05-01T10:00:00.000Z');
const data = {
  alertId: 'a'.repeat(32),
  rule: 'same_invoice' as const,
  projectIds: ['6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7'],
  amountAtRiskCents: 121000,
  reason: 'also in ERDF project',
};
const cmd = (type: DuplicateAlertCommand['type']): DuplicateAlertCommand => ({ type, data, context: { now, actor: 'janis' } });
const confirmed: DuplicateAlertEvent = {
  type: 'DuplicateAlertConfirmed.v1',
  data: { ...data, decidedAt: now.toISOString(), decidedBy: 'janis' },
};

describe('duplicate alert decider', () => {
  it('when an open alert is confirmed, DuplicateAlertConfirmed carries the reason and the officer', () =>
    given([]).when(cmd('ConfirmDuplicateAlert')).then([confirmed]));
  it('when an open alert is dismissed, DuplicateAlertDismissed carries the reason', () =>
    given([])
      .when(cmd('DismissDuplicateAlert'))
      .then([{ type: 'DuplicateAlertDismissed.v1', data: confirmed.data }]));
  it('when an alert was already decided, a second decision is refused naming who decided', () =>
    given([confirmed])
      .when(cmd('DismissDuplicateAlert'))
      .thenThrows(IllegalTransition, /already confirmed by janis/));
});
