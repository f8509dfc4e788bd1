import { describe, expect, it } from 'vitest';
import { FourEyesViolation, IllegalTransition, NotFound, ValidationFailed } from '../../src/domain/errors.js';
import { passportDecider, type PassportCommand } from '../../src/domain/passport/decider.js';
import type { PassportEvent, SectionUpdate } from '../../src/domain/passport/events.js';
import { buildMetadata } from '../support/builders.js';
import { specFor } from '../support/given-when-then.js';
import { buildSections, eAdrese, investment2121 } from '../support/passport-builders.js';

const given = specFor(passportDecider);
const now = new Date('2023-05-10T09:00:00.000Z');
const projectId = '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7';
const as = (actor: string) => ({ now, actor, subject: projectId });
const T = now.toISOString();

// Commands
const draft: PassportCommand = {
  type: 'DraftPassport',
  data: { projectId, title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient },
  context: as('anna'),
};
const update = (section: 'financing' | 'recipient', value: unknown): PassportCommand => ({
  type: 'UpdateSections',
  data: { sections: { [section]: value } },
  context: as('anna'),
});
const submit: PassportCommand = { type: 'SubmitPassport', data: { investment: investment2121 }, context: as('anna') };
const verify = (by = 'janis'): PassportCommand => ({ type: 'VerifyPassport', data: { note: 'checked' }, context: as(by) });
const returnIt: PassportCommand = {
  type: 'ReturnPassport',
  data: { comments: [{ section: 'financing', text: 'fix VAT' }] },
  context: as('janis'),
};
const approve = (by = 'liga'): PassportCommand => ({ type: 'ApprovePassport', data: {}, context: as(by) });
const reject: PassportCommand = { type: 'RejectPassport', data: { reason: 'not eligible' }, context: as('liga') };
const amend: PassportCommand = { type: 'StartAmendment', data: { reason: 'procurement results' }, context: as('anna') };
const withdraw: PassportCommand = { type: 'WithdrawPassport', data: { reason: 'project cancelled' }, context: as('anna') };

// History
const sections = buildSections();
const drafted: PassportEvent = {
  type: 'PassportDrafted.v1',
  data: { projectId, title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient, draftedAt: T, draftedBy: 'anna' },
};
const SECTIONS = ['partners', 'related', 'objective', 'financing', 'contribution', 'governance', 'costBenefit', 'other'] as const;
const filled: PassportEvent[] = SECTIONS.map((section) => ({
  type: 'PassportSectionUpdated.v1',
  data: { section, value: sections[section], updatedAt: T } as SectionUpdate,
}));
const submitted = (version = 1): PassportEvent => ({
  type: 'PassportSubmitted.v1',
  data: { version, warnings: [], submittedAt: T, submittedBy: 'anna' },
});
const verified: PassportEvent = { type: 'PassportVerified.v1', data: { verifiedAt: T, verifiedBy: 'janis' } };
const approved: PassportEvent = { type: 'PassportApproved.v1', data: { version: 1, approvedAt: T, approvedBy: 'liga' } };
const amendmentStarted: PassportEvent = {
  type: 'PassportAmendmentStarted.v1',
  data: { reason: 'procurement results', startedAt: T, startedBy: 'anna' },
};
const rejected = (version: number): PassportEvent => ({
  type: 'PassportRejected.v2',
  data: { version, reason: 'not eligible', rejectedAt: T, rejectedBy: 'liga' },
});
const inReview = [drafted, ...filled, submitted()];
const approvedHistory = [...inReview, verified, approved];

describe('passport decider', () => {
  it('when a passport is drafted for a project, PassportDrafted carries programme, recipient and who drafted it', () =>
    given([])
      .when(draft)
      .then([{ type: 'PassportDrafted.v1', data: { ...drafted.data } }]));

  it('when a project already has a passport, drafting again is an illegal transition', () =>
    given([drafted])
      .when(draft)
      .thenThrows(IllegalTransition, /already has a passport/));

  it('when anything but a draft is asked of a passport that does not exist, it is not found, naming the project', () =>
    given([]).when(submit).thenThrows(NotFound, new RegExp(projectId)));

  it('when several sections are updated at once, one event per section is decided, in section order', () =>
    given([drafted])
      .when({ type: 'UpdateSections', data: { sections: { other: sections.other, financing: sections.financing } }, context: as('anna') })
      .then([
        { type: 'PassportSectionUpdated.v1', data: { section: 'financing', value: sections.financing!, updatedAt: T } },
        { type: 'PassportSectionUpdated.v1', data: { section: 'other', value: sections.other!, updatedAt: T } },
      ]));

  it('when a draft section is updated, the section is replaced', () =>
    given([drafted])
      .when(update('financing', sections.financing))
      .thenState({ status: 'draft', sections: { recipient: eAdrese.recipient, financing: sections.financing } }));

  it('when the recipient section would change the recipient organisation, it is refused', () =>
    given([drafted])
      .when(update('recipient', { ...eAdrese.recipient, registrationNumber: '40003011203' }))
      .thenThrows(ValidationFailed, /cannot change/));

  it('when a submitted passport is edited, it is an illegal transition naming the state', () =>
    given(inReview)
      .when(update('financing', sections.financing))
      .thenThrows(IllegalTransition, /while the passport is submitted/));

  it('when a draft is submitted, version 1 is recorded with the consistency warnings', () => {
    given([drafted, ...filled])
      .when(submit)
      .then([
        {
          type: 'PassportSubmitted.v1',
          data: {
            version: 1,
            warnings: [expect.objectContaining({ code: 'BENEFIT_FIGURES_DISAGREE', path: 'objective.benefits.0' })],
            submittedAt: T,
            submittedBy: 'anna',
          },
        },
      ]);
  });

  it('when an incomplete draft is submitted, it is accepted with a warning per missing section (warnings never block)', () =>
    given([drafted])
      .when(submit)
      .thenState({
        status: 'submitted',
        versions: [
          expect.objectContaining({ version: 1, warnings: expect.arrayContaining([expect.objectContaining({ code: 'SECTION_MISSING' })]) }),
        ],
      }));

  it('when an officer verifies a submitted passport, it becomes verified', () =>
    given(inReview).when(verify()).thenState({ status: 'verified', submittedBy: 'anna', verifiedBy: 'janis' }));

  it('when the submitter tries to verify their own passport, four-eyes refuses it naming the submission', () =>
    given(inReview)
      .when(verify('anna'))
      .thenThrows(FourEyesViolation, /^anna submitted this and may not also verify it: the four-eyes principle needs a second person$/));

  it('when an officer returns a submitted passport with comments, it is a draft again carrying the comments', () =>
    given(inReview)
      .when(returnIt)
      .thenState({ status: 'draft', comments: [{ section: 'financing', text: 'fix VAT' }] }));

  it('when a returned passport is submitted again, it becomes version 2', () =>
    given([...inReview, { type: 'PassportReturned.v1', data: { comments: [{ text: 'x' }], returnedAt: T, returnedBy: 'janis' } }])
      .when(submit)
      .thenState({ status: 'submitted', versions: [expect.objectContaining({ version: 1 }), expect.objectContaining({ version: 2 })] }));

  it('when an approver approves a verified passport, the version comes into force', () =>
    given([...inReview, verified])
      .when(approve())
      .then([{ type: 'PassportApproved.v1', data: { version: 1, approvedAt: T, approvedBy: 'liga' } }]));

  it('when the verifier or the submitter tries to approve, four-eyes refuses it', () => {
    given([...inReview, verified])
      .when(approve('janis'))
      .thenThrows(FourEyesViolation, /verified this/);
    given([...inReview, verified])
      .when(approve('anna'))
      .thenThrows(FourEyesViolation, /submitted this/);
  });

  it('when the verifier or the submitter tries to reject, four-eyes refuses it as it does an approval', () => {
    given([...inReview, verified])
      .when({ ...reject, context: as('janis') })
      .thenThrows(FourEyesViolation, /^janis verified this and may not also reject it/);
    given([...inReview, verified])
      .when({ ...reject, context: as('anna') })
      .thenThrows(FourEyesViolation, /^anna submitted this and may not also reject it/);
    given(inReview)
      .when({ ...reject, context: as('anna') })
      .thenThrows(FourEyesViolation, /^anna submitted this and may not also reject it/);
  });

  it('when a passport that is only submitted is approved, it must be verified first', () =>
    given(inReview)
      .when(approve())
      .thenThrows(IllegalTransition, /while the passport is submitted/));

  it('when a first version is rejected, the passport is rejected', () =>
    given([...inReview, verified])
      .when(reject)
      .thenState({ status: 'rejected', reason: 'not eligible', approvedVersion: null }));

  it('when a passport never approved is rejected, PassportRejected.v2 ends it', () =>
    given([...inReview, verified])
      .when(reject)
      .then([{ type: 'PassportRejected.v2', data: { version: 1, reason: 'not eligible', rejectedAt: T, rejectedBy: 'liga' } }]));

  it('when a passport never approved is rejected while only submitted, PassportRejected.v2 ends it too', () =>
    given(inReview)
      .when(reject)
      .then([{ type: 'PassportRejected.v2', data: { version: 1, reason: 'not eligible', rejectedAt: T, rejectedBy: 'liga' } }]));

  it('when an amendment is rejected, PassportAmendmentRejected.v1 names the rejected version, not PassportRejected.v2', () =>
    given([...approvedHistory, amendmentStarted, submitted(2), verified])
      .when(reject)
      .then([{ type: 'PassportAmendmentRejected.v1', data: { version: 2, reason: 'not eligible', rejectedAt: T, rejectedBy: 'liga' } }]));

  it('when an approved passport is amended, a draft with the reason follows, and the approved version stays in force', () =>
    given(approvedHistory).when(amend).thenState({ status: 'draft', amendmentReason: 'procurement results', approvedVersion: 1 }));

  it('when an amendment is submitted, it is version 2 and remembers its reason', () =>
    given([...approvedHistory, amendmentStarted])
      .when(submit)
      .thenState({ versions: [expect.anything(), expect.objectContaining({ version: 2, amendmentReason: 'procurement results' })] }));

  it('when an amendment is rejected, the passport is approved again at the version in force', () =>
    given([...approvedHistory, amendmentStarted, submitted(2)])
      .when(reject)
      .thenState({ status: 'approved', approvedVersion: 1, amendmentReason: null }));

  it("when an amendment that changed a section is rejected, the approved version's sections are in force again", () => {
    const changedFinancing = { ...sections.financing!, totalCents: sections.financing!.totalCents + 100 };
    const amended: PassportEvent = {
      type: 'PassportSectionUpdated.v1',
      data: { section: 'financing', value: changedFinancing, updatedAt: T },
    };
    const history = [...approvedHistory, amendmentStarted, amended, submitted(2)];
    const amendedState = history.reduce(passportDecider.evolve, passportDecider.initialState);
    expect(amendedState).toMatchObject({ status: 'submitted', sections: { financing: changedFinancing } });
    given(history)
      .when(reject)
      .thenState({
        status: 'approved',
        approvedVersion: 1,
        sections: { ...sections, recipient: eAdrese.recipient },
        versions: [
          expect.objectContaining({ version: 1 }),
          expect.objectContaining({ version: 2, sections: expect.objectContaining({ financing: changedFinancing }) }),
        ],
      });
  });

  it('when an amendment is approved, the new version comes into force', () =>
    given([...approvedHistory, amendmentStarted, submitted(2), verified])
      .when(approve())
      .then([{ type: 'PassportApproved.v1', data: { version: 2, approvedAt: T, approvedBy: 'liga' } }]));

  it('when a draft passport is amended, it is an illegal transition (only approved ones are)', () =>
    given([drafted])
      .when(amend)
      .thenThrows(IllegalTransition, /while the passport is draft/));

  it('when a passport is withdrawn, it is withdrawn with the reason; a withdrawn or rejected one cannot be withdrawn again', () => {
    given(approvedHistory).when(withdraw).thenState({ status: 'withdrawn', reason: 'project cancelled' });
    given([drafted, { type: 'PassportWithdrawn.v1', data: { reason: 'x', withdrawnAt: T, withdrawnBy: 'anna' } }])
      .when(withdraw)
      .thenThrows(IllegalTransition, /withdrawn/);
    given([...inReview, rejected(1)])
      .when(withdraw)
      .thenThrows(IllegalTransition, /rejected/);
  });
});

describe('passport event schemas', () => {
  it('when the seed passport goes through its whole lifecycle, every event decided parses with its registered schema', async () => {
    const { createEventRegistry } = await import('../../src/domain/events.js');
    const registry = createEventRegistry();
    let state = passportDecider.initialState;
    const steps: PassportCommand[] = [
      draft,
      { type: 'UpdateSections', data: { sections: Object.fromEntries(SECTIONS.map((n) => [n, sections[n]])) }, context: as('anna') },
      submit,
      verify(),
      approve(),
      amend,
      submit,
      verify(),
      approve(),
    ];
    const types: string[] = [];
    for (const command of steps) {
      for (const event of passportDecider.decide(command, state)) {
        expect(registry.parseForAppend({ ...event, metadata: buildMetadata() })).toEqual(event.data);
        types.push(event.type);
        state = passportDecider.evolve(state, event);
      }
    }
    expect(state).toMatchObject({ status: 'approved', approvedVersion: 2 });
    expect(new Set(types).size).toBe(6);
  });

  it('when a new passport and an amendment are rejected, PassportRejected.v2 and PassportAmendmentRejected.v1 parse with their schemas', async () => {
    const { createEventRegistry } = await import('../../src/domain/events.js');
    const registry = createEventRegistry();
    const decided = [
      ...passportDecider.decide(reject, [...inReview, verified].reduce(passportDecider.evolve, passportDecider.initialState)),
      ...passportDecider.decide(
        reject,
        [...approvedHistory, amendmentStarted, submitted(2)].reduce(passportDecider.evolve, passportDecider.initialState),
      ),
    ];
    expect(decided.map((e) => e.type)).toEqual(['PassportRejected.v2', 'PassportAmendmentRejected.v1']);
    for (const event of decided) expect(registry.parseForAppend({ ...event, metadata: buildMetadata() })).toEqual(event.data);
  });

  it('when a stored PassportRejected.v1 is read, it is an amendment rejection after an approval and a rejection of the passport otherwise', async () => {
    const { createEventRegistry } = await import('../../src/domain/events.js');
    const registry = createEventRegistry();
    const data = { version: 2, reason: 'not eligible', rejectedAt: T, rejectedBy: 'liga' };
    expect(registry.isContextual('PassportRejected.v1')).toBe(true);
    expect(
      registry.parseStored('PassportRejected.v1', data, { earlierTypes: new Set(['PassportDrafted.v1', 'PassportApproved.v1']) }),
    ).toEqual({ type: 'PassportAmendmentRejected.v1', data });
    expect(
      registry.parseStored('PassportRejected.v1', data, { earlierTypes: new Set(['PassportDrafted.v1', 'PassportSubmitted.v1']) }),
    ).toEqual({
      type: 'PassportRejected.v2',
      data,
    });
  });

  it('when a retired PassportRejected.v1 is about to be appended, the registry refuses it', async () => {
    const { createEventRegistry } = await import('../../src/domain/events.js');
    const { UnknownEventType } = await import('../../src/eventstore/errors.js');
    const legacy = {
      type: 'PassportRejected.v1',
      data: { version: 1, reason: 'x', rejectedAt: T, rejectedBy: 'liga' },
      metadata: buildMetadata(),
    };
    expect(() => createEventRegistry().parseForAppend(legacy as never)).toThrow(UnknownEventType);
  });
});
