import { UnknownMessage, type Command, type Decider } from '../decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../errors.js';
import { assertFourEyesRule, fourEyesRule } from '../four-eyes.js';
import type { BilingualName } from '../fund/events.js';
import { checkConsistency, type ConsistencyWarning, type InvestmentFacts } from './checks.js';
import { SECTION_NAMES, type PassportSections, type ProgrammeRef, type Recipient, type ReturnComment } from './content.js';
import { passportEvents, retiredPassportEvents, type PassportEvent, type SectionUpdate } from './events.js';
import { defineStreamType } from '../stream.js';

/** A version as submitted: what the officer verified and the approver approved. */
export interface SubmittedVersion {
  version: number;
  sections: PassportSections;
  warnings: ConsistencyWarning[];
  submittedAt: string;
  submittedBy: string;
  /** Why this version was made, for amendments after approval. */
  amendmentReason: string | null;
}

interface Common {
  projectId: string;
  title: BilingualName;
  programme: ProgrammeRef;
  /** The working content (the draft, or the version under review). */
  sections: PassportSections & { recipient: Recipient };
  versions: SubmittedVersion[];
  /** The version in force, once one has been approved. */
  approvedVersion: number | null;
  /** Set while an amendment of an approved passport is being prepared or reviewed. */
  amendmentReason: string | null;
  /** The officer's comments when the passport was last returned. */
  comments: ReturnComment[];
}

/** The project passport (projekta pase) lifecycle. */
export type Passport =
  | { status: 'none' }
  | (Common & { status: 'draft' })
  | (Common & { status: 'submitted'; submittedBy: string })
  | (Common & { status: 'verified'; submittedBy: string; verifiedBy: string })
  | (Common & { status: 'approved' })
  | (Common & { status: 'rejected'; reason: string })
  | (Common & { status: 'withdrawn'; reason: string });

export type PassportCommand =
  | Command<'DraftPassport', { projectId: string; title: BilingualName; programme: ProgrammeRef; recipient: Recipient }>
  | Command<'UpdateSections', { sections: PassportSections }>
  | Command<'SubmitPassport', { investment?: InvestmentFacts }>
  | Command<'ReturnPassport', { comments: ReturnComment[] }>
  | Command<'VerifyPassport', { note?: string }>
  | Command<'ApprovePassport', Record<string, never>>
  | Command<'RejectPassport', { reason: string }>
  | Command<'StartAmendment', { reason: string }>
  | Command<'WithdrawPassport', { reason: string }>;

export const initialState: Passport = { status: 'none' };

type Submitted = Extract<Passport, { status: 'submitted' }>;
type Verified = Extract<Passport, { status: 'verified' }>;

/** Four-eyes (četru acu princips) of the passport's review: who took the steps each decision checks. */
export const passportFourEyes = {
  /** The officer verifies what someone else submitted. */
  verify: fourEyesRule<Submitted>('verify', (p) => ({ submitted: p.submittedBy })),
  /** The approver neither submitted nor verified the version. */
  approve: fourEyesRule<Verified>('approve', (p) => ({ submitted: p.submittedBy, verified: p.verifiedBy })),
  /** The approver's decision, either way: neither the submitter nor the verifier takes it. */
  reject: fourEyesRule<Submitted | Verified>('reject', (p) => ({
    submitted: p.submittedBy,
    verified: p.status === 'verified' ? p.verifiedBy : undefined,
  })),
};

export function decide(command: PassportCommand, state: Passport): PassportEvent[] {
  const at = command.context.now.toISOString();
  const by = command.context.actor;
  if (command.type === 'DraftPassport') {
    if (state.status !== 'none')
      throw new IllegalTransition(command.type, state.status, `Project ${state.projectId} already has a passport`);
    return [{ type: 'PassportDrafted.v1', data: { ...command.data, draftedAt: at, draftedBy: by } }];
  }
  // Named as the project, as the API names it and as every read answers a missing one (src/auth/scope.ts `notFound`).
  if (state.status === 'none') throw new NotFound('Project', command.context.subject ?? '(unknown)');
  const refuse = (): never => {
    throw new IllegalTransition(command.type, state.status, `${command.type} is not allowed while the passport is ${state.status}`);
  };

  switch (command.type) {
    case 'UpdateSections': {
      if (state.status !== 'draft') return refuse();
      const { sections } = command.data;
      if (sections.recipient && sections.recipient.registrationNumber !== state.sections.recipient.registrationNumber) {
        throw new ValidationFailed([
          { field: 'recipient.registrationNumber', message: 'the recipient of a project cannot change; draft a new passport instead' },
        ]);
      }
      // One event per section given, appended together: an edit of several sections is atomic.
      return SECTION_NAMES.flatMap((section) => {
        const value = sections[section];
        // TypeScript cannot tie `value` to `section` across the union of section names; the schema checks it on append.
        return value === undefined
          ? []
          : [{ type: 'PassportSectionUpdated.v1' as const, data: { section, value, updatedAt: at } as SectionUpdate }];
      });
    }
    case 'SubmitPassport':
      if (state.status !== 'draft') return refuse();
      return [
        {
          type: 'PassportSubmitted.v1',
          data: {
            version: state.versions.length + 1,
            warnings: checkConsistency(state.sections, command.data.investment),
            submittedAt: at,
            submittedBy: by,
          },
        },
      ];
    case 'ReturnPassport':
      if (state.status !== 'submitted' && state.status !== 'verified') return refuse();
      return [{ type: 'PassportReturned.v1', data: { comments: command.data.comments, returnedAt: at, returnedBy: by } }];
    case 'VerifyPassport':
      if (state.status !== 'submitted') return refuse();
      assertFourEyesRule(passportFourEyes.verify, by, state);
      return [{ type: 'PassportVerified.v1', data: { ...command.data, verifiedAt: at, verifiedBy: by } }];
    case 'ApprovePassport':
      if (state.status !== 'verified') return refuse();
      assertFourEyesRule(passportFourEyes.approve, by, state);
      return [{ type: 'PassportApproved.v1', data: { version: state.versions.length, approvedAt: at, approvedBy: by } }];
    case 'RejectPassport': {
      if (state.status !== 'submitted' && state.status !== 'verified') return refuse();
      assertFourEyesRule(passportFourEyes.reject, by, state);
      const data = { version: state.versions.length, reason: command.data.reason, rejectedAt: at, rejectedBy: by };
      // Rejecting an amendment keeps the approved version in force; rejecting a new passport ends it.
      return [state.approvedVersion === null ? { type: 'PassportRejected.v2', data } : { type: 'PassportAmendmentRejected.v1', data }];
    }
    case 'StartAmendment':
      if (state.status !== 'approved') return refuse();
      return [{ type: 'PassportAmendmentStarted.v1', data: { reason: command.data.reason, startedAt: at, startedBy: by } }];
    case 'WithdrawPassport':
      if (state.status === 'withdrawn' || state.status === 'rejected') return refuse();
      return [{ type: 'PassportWithdrawn.v1', data: { reason: command.data.reason, withdrawnAt: at, withdrawnBy: by } }];
    default: {
      const exhaustive: never = command;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export function evolve(state: Passport, event: PassportEvent): Passport {
  if (event.type === 'PassportDrafted.v1') {
    const { projectId, title, programme, recipient } = event.data;
    return {
      status: 'draft',
      projectId,
      title,
      programme,
      sections: { recipient },
      versions: [],
      approvedVersion: null,
      amendmentReason: null,
      comments: [],
    };
  }
  if (state.status === 'none') return state;
  const { status: _status, ...common } = state as Common & { status: string };
  const base: Common = {
    projectId: common.projectId,
    title: common.title,
    programme: common.programme,
    sections: common.sections,
    versions: common.versions,
    approvedVersion: common.approvedVersion,
    amendmentReason: common.amendmentReason,
    comments: common.comments,
  };
  switch (event.type) {
    case 'PassportSectionUpdated.v1':
      return { ...base, status: 'draft', sections: { ...base.sections, [event.data.section]: event.data.value } };
    case 'PassportSubmitted.v1': {
      const version: SubmittedVersion = {
        version: event.data.version,
        sections: base.sections,
        warnings: event.data.warnings,
        submittedAt: event.data.submittedAt,
        submittedBy: event.data.submittedBy,
        amendmentReason: base.amendmentReason,
      };
      return { ...base, status: 'submitted', versions: [...base.versions, version], comments: [], submittedBy: event.data.submittedBy };
    }
    case 'PassportReturned.v1':
      return { ...base, status: 'draft', comments: event.data.comments };
    case 'PassportVerified.v1':
      return state.status === 'submitted'
        ? { ...base, status: 'verified', submittedBy: state.submittedBy, verifiedBy: event.data.verifiedBy }
        : state;
    case 'PassportApproved.v1':
      return { ...base, status: 'approved', approvedVersion: event.data.version, amendmentReason: null };
    case 'PassportRejected.v2':
      return { ...base, status: 'rejected', reason: event.data.reason };
    case 'PassportAmendmentRejected.v1': {
      const inForce = base.versions.find((v) => v.version === base.approvedVersion);
      return inForce
        ? { ...base, status: 'approved', sections: { ...inForce.sections, recipient: base.sections.recipient }, amendmentReason: null }
        : state;
    }
    case 'PassportAmendmentStarted.v1':
      return { ...base, status: 'draft', amendmentReason: event.data.reason };
    case 'PassportWithdrawn.v1':
      return { ...base, status: 'withdrawn', reason: event.data.reason };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

export const passportDecider: Decider<PassportCommand, PassportEvent, Passport> = { decide, evolve, initialState };

/** The project passport (projekta pase): one stream per project, `passport-<projectId>`. */
export const passportStream = defineStreamType({
  name: 'passport',
  decider: passportDecider,
  events: passportEvents,
  retired: retiredPassportEvents,
  projects: (state) =>
    state.status === 'none' ? [] : [{ projectId: state.projectId, organisation: state.sections.recipient.registrationNumber }],
  // Every command and read of a project loads its passport first (who may see it): kept in memory, short streams need no snapshots.
  // Bump the schema whenever evolve, the Passport type or an upcaster of passport events changes.
  snapshots: { schema: 'passport.1' },
});

export const passportStreamId = (projectId: string) => `passport-${projectId}`;
