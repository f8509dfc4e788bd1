import { describe, expect, it } from 'vitest';
import { IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import {
  nodeKeyOf,
  programmeNodeDecider,
  programmeNodeStreamId,
  type ProgrammeNodeCommand,
} from '../../src/domain/programme-node/decider.js';
import type { NodeContent, NodeKind, ProgrammeNodeEvent } from '../../src/domain/programme-node/events.js';
import type { ParentFacts } from '../../src/domain/programme-node/rules.js';
import { specFor } from '../support/given-when-then.js';
import { buildInvestmentContent, buildTarget, noDetails, nodeDefined } from '../support/programme-builders.js';

const given = specFor(programmeNodeDecider);
const now = new Date('2026-11-23T10:00:00.000Z');
const context = { now, actor: 'ilze.kalnina' };
const key = { programme: 'ANM', period: '2021-2026', code: '2.1.2.1.i' };
const direction: ParentFacts = { code: '2.1', kind: 'direction', status: 'active' };
const name = { lv: 'Digitālā transformācija', en: 'Digital transformation' };

function define(
  overrides: Partial<{ code: string; kind: NodeKind; parent: ParentFacts | null; content: NodeContent }> = {},
): ProgrammeNodeCommand {
  return {
    type: 'DefineProgrammeNode',
    data: { ...key, kind: 'investment', parent: direction, content: buildInvestmentContent(), ...overrides },
    context,
  };
}
const amend = (content: NodeContent): ProgrammeNodeCommand => ({
  type: 'AmendProgrammeNode',
  data: { ...key, content, reason: 'plan amendment' },
  context,
});
const retire: ProgrammeNodeCommand = { type: 'RetireProgrammeNode', data: { ...key, reason: 'merged' }, context };
const retired: ProgrammeNodeEvent = { type: 'ProgrammeNodeRetired.v1', data: { reason: 'merged', retiredAt: '2025-01-01T00:00:00.000Z' } };

/** The fields a refused command names, so a test can say exactly which ones are at fault. */
function faultyFields(history: ProgrammeNodeEvent[], command: ProgrammeNodeCommand): string[] {
  const state = history.reduce(programmeNodeDecider.evolve, programmeNodeDecider.initialState);
  try {
    programmeNodeDecider.decide(command, state);
  } catch (e) {
    if (e instanceof ValidationFailed) return e.issues.map((i) => i.field);
    throw e;
  }
  throw new Error('the command was accepted');
}

describe('programme node decider: define', () => {
  it('when an investment is defined under a direction, ProgrammeNodeDefined carries its place, funding, period and targets', () =>
    given([])
      .when(define())
      .then([nodeDefined({ definedAt: now.toISOString() })]));

  it('when a component is defined without a parent, its parent is recorded as null', () =>
    given([])
      .when(define({ code: '2', kind: 'component', parent: null, content: { name, ...noDetails } }))
      .then([nodeDefined({ code: '2', kind: 'component', parent: null, name, ...noDetails, definedAt: now.toISOString() })]));

  it("when an investment sits under a reform, the reform's .r is not part of the code it must extend", () =>
    given([])
      .when(define({ code: '2.3.1.2.i', parent: { code: '2.3.1.r', kind: 'reform', status: 'active' } }))
      .thenState({ status: 'active', code: '2.3.1.2.i', parent: '2.3.1.r' }));

  it('when a node is defined again, it is an illegal transition', () =>
    given([nodeDefined()])
      .when(define())
      .thenThrows(IllegalTransition, /2\.1\.2\.1\.i in ANM 2021-2026 is already defined/));

  it('when the parent is of a kind the node may not sit under, it fails naming the parent', () => {
    expect(faultyFields([], define({ parent: { code: '2', kind: 'component', status: 'active' }, code: '2.2.1.i' }))).toEqual(['parent']);
    expect(faultyFields([], define({ code: '1.3.1.1', kind: 'measure', parent: direction, content: buildInvestmentContent() }))).toContain(
      'parent',
    );
  });

  it('when the parent is retired, it fails naming the parent', () =>
    expect(faultyFields([], define({ parent: { ...direction, status: 'retired' } }))).toEqual(['parent']));

  it('when a node that needs a parent has none, or a top-level node has one, it fails naming the parent', () => {
    expect(faultyFields([], define({ code: '2.1', kind: 'direction', parent: null, content: { name, ...noDetails } }))).toEqual(['parent']);
    const component = define({ code: '2', kind: 'component', parent: direction, content: { name, ...noDetails } });
    expect(faultyFields([], component)).toEqual(['parent']);
  });

  it("when the code does not extend the parent's code or does not fit the kind, it fails naming the code", () => {
    expect(faultyFields([], define({ code: '2.2.1.2.i' }))).toEqual(['code']);
    expect(faultyFields([], define({ code: '2.1.2.1' }))).toEqual(['code']);
    expect(faultyFields([], define({ code: '2.1', kind: 'component', parent: null, content: { name, ...noDetails } }))).toEqual(['code']);
  });

  it('when a direction is given funding, a period or targets, it fails naming each of them', () => {
    const content = buildInvestmentContent({ name });
    expect(
      faultyFields([], define({ code: '2.1', kind: 'direction', parent: { code: '2', kind: 'component', status: 'active' }, content })),
    ).toEqual(['plannedFundingCents', 'startDate', 'endDate', 'targets']);
  });

  it('when the period runs backwards or a date is not on the calendar, it fails naming the date', () => {
    expect(faultyFields([], define({ content: buildInvestmentContent({ startDate: '2026-09-01' }) }))).toEqual(['endDate']);
    expect(faultyFields([], define({ content: buildInvestmentContent({ startDate: '2023-02-30' }) }))).toEqual(['startDate']);
  });

  it('when targets are incomplete, repeated or a milestone has a value, it fails naming every one of them', () => {
    const targets = [
      buildTarget({ code: 'M1', kind: 'milestone', unit: null, value: 1 }),
      buildTarget({ code: 'T1', unit: null }),
      buildTarget({ code: 'T1', dueDate: '2026-02-29' }),
    ];
    expect(faultyFields([], define({ content: buildInvestmentContent({ targets }) }))).toEqual([
      'targets.0.value',
      'targets.1.unit',
      'targets.2.code',
      'targets.2.dueDate',
    ]);
  });

  it('when a milestone has neither value nor unit, it is accepted as qualitative', () =>
    given([])
      .when(
        define({ content: buildInvestmentContent({ targets: [buildTarget({ code: 'M1', kind: 'milestone', unit: null, value: null })] }) }),
      )
      .thenState({ status: 'active', targets: [expect.objectContaining({ code: 'M1', kind: 'milestone' })] }));
});

describe('programme node decider: amend and retire', () => {
  const amended = buildInvestmentContent({ plannedFundingCents: 6_900_000_000, targets: [buildTarget({ value: 14 })] });

  it('when an active node is amended, ProgrammeNodeAmended carries the whole new content and the reason', () =>
    given([nodeDefined()])
      .when(amend(amended))
      .then([{ type: 'ProgrammeNodeAmended.v1', data: { ...amended, reason: 'plan amendment', amendedAt: now.toISOString() } }]));

  it('when an amended node is folded, its state has the new content and keeps its place', () =>
    given([nodeDefined()]).when(amend(amended)).thenState({
      status: 'active',
      parent: '2.1',
      plannedFundingCents: 6_900_000_000,
      targets: amended.targets,
      amendedAt: now.toISOString(),
    }));

  it('when the amendment repeats the content in force, nothing is decided', () =>
    given([nodeDefined()]).when(amend(buildInvestmentContent())).then([]));

  it('when the amended content breaks a rule, it fails naming the field', () =>
    expect(faultyFields([nodeDefined()], amend(buildInvestmentContent({ endDate: '2019-12-31' })))).toEqual(['endDate']));

  it('when a node that was never defined is amended or retired, it is not found', () => {
    given([])
      .when(amend(amended))
      .thenThrows(NotFound, /Programme node 2\.1\.2\.1\.i in ANM 2021-2026 does not exist/);
    given([]).when(retire).thenThrows(NotFound);
  });

  it('when an active node is retired, it becomes retired', () =>
    given([nodeDefined()]).when(retire).thenState({ status: 'retired', retiredAt: now.toISOString() }));

  it('when a retired node is amended or retired again, it is an illegal transition naming the state', () => {
    given([nodeDefined(), retired])
      .when(amend(amended))
      .thenThrows(IllegalTransition, /"retired"/);
    given([nodeDefined(), retired])
      .when(retire)
      .thenThrows(IllegalTransition, /"retired"/);
  });

  it('when a stream id is made from a key, the key comes back from it, dots in the code included', () => {
    expect(programmeNodeStreamId(key)).toBe('programme_node-ANM.2021-2026.2.1.2.1.i');
    expect(nodeKeyOf(programmeNodeStreamId(key))).toEqual(key);
  });
});
