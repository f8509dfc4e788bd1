import { describe, expect, it } from 'vitest';
import { alertAsSeenBy, alertIdAsSeenBy, type AlertAudience } from '../../src/application/alert-audience.js';
import type { DuplicateAlertView } from '../../projections/double-funding/queries.js';
import type { BudgetFact } from '../../src/domain/dupalert/rules.js';

const MINE = 'a0000000-0000-4000-8000-000000000001';
const THEIRS = 'b0000000-0000-4000-8000-000000000002';
const budget = (projectId: string, recipientOrg: string, fund: string): BudgetFact => ({
  projectId,
  recipientOrg,
  fund,
  programme: fund === 'RRF' ? 'ANM' : 'ERAF',
  investment: '2.1.2.1.i',
  vatSource: 'project',
  costLines: [],
  recordedAt: '2024-01-01T00:00:00.000Z',
});

/** A near-duplicate between olga's invoice and another organisation's: its key holds the other's number. */
function buildAlert(overrides: Partial<DuplicateAlertView> = {}): DuplicateAlertView {
  return {
    alertId: '0123456789abcdef0123456789abcdef',
    rule: 'near_duplicate',
    key: '40003000001|OLGA1|THEIRS-SECRET',
    eventIds: ['e-mine', 'e-theirs'],
    projectIds: [MINE, THEIRS],
    invoiceIds: ['i-mine', 'i-theirs'],
    suppliers: ['40003000001'],
    organisations: ['40003000000', '90000012345'],
    funds: ['ERDF', 'RRF'],
    programmes: ['ANM', 'ERAF'],
    investments: ['2.1.2.1.i'],
    amountAtRiskCents: 121000,
    status: 'dismissed',
    reason: 'Checked with project of 90000012345',
    decidedBy: 'janis',
    decidedAt: '2024-06-01T00:00:00.000Z',
    firstSeenAt: '2024-03-15T00:00:00.000Z',
    lastSeenAt: '2024-03-16T00:00:00.000Z',
    ...overrides,
  };
}

const olga: AlertAudience = {
  sees: 'own',
  organisation: '40003000000',
  idKey: Buffer.alloc(32, 1),
  ownEvents: new Map([
    ['e-mine', { eventId: 'e-mine', projectId: MINE, invoiceId: 'i-mine', supplier: '40003000001', normNumber: 'OLGA1' }],
  ]),
  ownProjects: new Map([[MINE, budget(MINE, '40003000000', 'RRF')]]),
};

describe('what each audience sees of an alert', () => {
  it('when an officer, approver or auditor is the audience, the alert is whole', () => {
    expect(alertAsSeenBy({ sees: 'everything' }, buildAlert())).toEqual(buildAlert());
  });

  it("when a beneficiary's invoice is also declared by another organisation, it sees the rule, amount, status and only its own part, under its own id", () => {
    const seen = alertAsSeenBy(olga, buildAlert());
    expect(seen).toEqual({
      ...buildAlert(),
      alertId: alertIdAsSeenBy(olga, buildAlert().alertId),
      key: '40003000001|OLGA1',
      eventIds: ['e-mine'],
      projectIds: [MINE],
      invoiceIds: ['i-mine'],
      organisations: ['40003000000'],
      funds: ['RRF'],
      programmes: ['ANM'],
      reason: null,
    });
    expect(seen.alertId).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(seen)).not.toMatch(/THEIRS|theirs|b0000000|90000012345|0123456789abcdef/);
  });

  it('when two organisations see the same alert, each has another id for it, and the same one every time', () => {
    const other = { ...olga, organisation: '50000000077' };
    const id = buildAlert().alertId;
    expect(alertIdAsSeenBy(olga, id)).toBe(alertIdAsSeenBy(olga, id));
    expect(alertIdAsSeenBy(other, id)).not.toBe(alertIdAsSeenBy(olga, id));
    expect(alertIdAsSeenBy({ ...olga, idKey: Buffer.alloc(32, 2) }, id)).not.toBe(alertIdAsSeenBy(olga, id));
  });

  it("when the alert is made of the beneficiary's own projects only, it sees it whole", () => {
    const own = buildAlert({ eventIds: ['e-mine'], projectIds: [MINE] });
    expect(alertAsSeenBy(olga, own)).toEqual(own);
  });

  it('when the alert involves a project the beneficiary may see but an event it does not know, that event stays out', () => {
    const seen = alertAsSeenBy(olga, buildAlert({ projectIds: [MINE], eventIds: ['e-mine', 'e-unknown'] }));
    expect(seen.eventIds).toEqual(['e-mine']);
    expect(seen.alertId).not.toBe(buildAlert().alertId);
  });
});
