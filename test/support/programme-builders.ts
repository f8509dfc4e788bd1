import type { NodeContent, ProgrammeNodeEvent, Target } from '../../src/domain/programme-node/events.js';

/** Investment 2.1.2.1.i as seed 003 describes it; override the one field a test is about. */
export function buildTarget(overrides: Partial<Target> = {}): Target {
  return {
    code: 'T3',
    kind: 'target',
    name: { lv: 'Izveidotas centralizētās IKT platformas', en: 'Centralised ICT platforms built' },
    unit: { lv: 'platformas', en: 'platforms' },
    value: 15,
    dueDate: '2026-08-31',
    ...overrides,
  };
}

export function buildInvestmentContent(overrides: Partial<NodeContent> = {}): NodeContent {
  return {
    name: { lv: 'Pārvaldes centralizētās platformas un sistēmas', en: 'Centralised government platforms and systems' },
    plannedFundingCents: 7_017_792_000,
    startDate: '2020-02-01',
    endDate: '2026-08-31',
    targets: [buildTarget({ code: 'T1', value: 15, dueDate: '2023-03-31' }), buildTarget()],
    ...overrides,
  };
}

export const noDetails = { plannedFundingCents: null, startDate: null, endDate: null, targets: [] };

export function nodeDefined(
  overrides: Partial<Extract<ProgrammeNodeEvent, { type: 'ProgrammeNodeDefined.v1' }>['data']> = {},
): ProgrammeNodeEvent {
  return {
    type: 'ProgrammeNodeDefined.v1',
    data: {
      programme: 'ANM',
      period: '2021-2026',
      code: '2.1.2.1.i',
      kind: 'investment',
      parent: '2.1',
      ...buildInvestmentContent(),
      definedAt: '2022-07-14T00:00:00.000Z',
      ...overrides,
    },
  };
}
