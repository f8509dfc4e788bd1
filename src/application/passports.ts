import { randomUUID } from 'node:crypto';
import { visiblePassport, type Viewer } from '../auth/scope.js';
import { diff, type FieldChange } from '../domain/diff.js';
import { NotFound, ValidationFailed } from '../domain/errors.js';
import type { BilingualName } from '../domain/fund/events.js';
import type { PassportSections, ProgrammeRef, Recipient, ReturnComment } from '../domain/passport/content.js';
import {
  passportStream,
  passportStreamId,
  type Passport,
  type PassportCommand,
  type SubmittedVersion,
} from '../domain/passport/decider.js';
import type { CommandContext } from '../domain/decider.js';
import type { Caller } from './caller.js';
import { load, loadAsOf, notYetAt, on, type Loaded, type Outcome } from './command.js';
import { cursorCodec, cursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { investmentFacts } from './investment-facts.js';
import { mapPage, pageOf, type Page, type PageRequest } from './page.js';

const DIFF_CURSOR = cursorCodec('passport-diff', ['int']);

/** A passport that exists. */
export type ExistingPassport = Exclude<Passport, { status: 'none' }>;

export interface DraftPassportInput {
  title: BilingualName;
  programme: ProgrammeRef;
  /** Section 1.1: must be the caller's own organisation. */
  recipient: Recipient;
}

/**
 * The project's passport as the viewer may see it: 404 when it does not exist and, to a
 * beneficiary, when it belongs to another organisation. Every project-scoped command and query
 * starts here.
 */
export async function visibleProject(deps: Pick<Deps, 'store'>, viewer: Viewer, projectId: string): Promise<Loaded<ExistingPassport>> {
  const { state, version } = await load(deps.store, passportStream, passportStreamId(projectId));
  return { state: visiblePassport(viewer, projectId, state), version };
}

/**
 * Project passports (projekta pase): drafting, editing, submission, verification, approval
 * (four-eyes), amendment, rejection and withdrawal, each a command on the passport stream.
 */
export class Passports {
  constructor(private readonly deps: Deps) {}

  /** Drafts the passport of a new project for the caller's own organisation, on an existing investment or measure. */
  async draft(caller: Caller, input: DraftPassportInput): Promise<Outcome<ExistingPassport>> {
    if (input.recipient.registrationNumber !== caller.user.organisation) {
      throw new ValidationFailed([
        { field: 'recipient.registrationNumber', message: `must be your organisation (${caller.user.organisation})` },
      ]);
    }
    const projectId = randomUUID();
    await investmentFacts(this.deps, input.programme, projectId);
    const outcome = await on(this.deps, passportStream).execute(passportStreamId(projectId), caller, (context) => ({
      type: 'DraftPassport',
      data: { projectId, ...input },
      context,
    }));
    return existing(outcome);
  }

  /**
   * The passport as it stood at `asOf` (default: now, everything stored). Who may see it is
   * decided as for the current read; a passport with nothing recorded by `asOf` answers 404.
   */
  async get(caller: Caller, projectId: string, asOf?: Date): Promise<Loaded<ExistingPassport>> {
    const current = await visibleProject(this.deps, caller.user, projectId);
    if (asOf === undefined) return current;
    const { state, version } = await loadAsOf(this.deps.store, passportStream, passportStreamId(projectId), asOf);
    if (state.status === 'none') throw notYetAt('Project', projectId, asOf);
    return { state, version };
  }

  /** Replaces the sections given, all at once (one event per section, one append). */
  updateSections(caller: Caller, projectId: string, sections: PassportSections) {
    return this.act(caller, projectId, (context) => ({ type: 'UpdateSections', data: { sections }, context }));
  }

  /** Submits the draft; the consistency checks' warnings are stored with the version. */
  async submit(caller: Caller, projectId: string): Promise<Outcome<ExistingPassport>> {
    const { state } = await visibleProject(this.deps, caller.user, projectId);
    const investment = await investmentFacts(this.deps, state.programme, projectId);
    return this.act(caller, projectId, (context) => ({ type: 'SubmitPassport', data: { investment }, context }));
  }

  verify(caller: Caller, projectId: string, note: { note?: string }) {
    return this.act(caller, projectId, (context) => ({ type: 'VerifyPassport', data: note, context }));
  }

  return(caller: Caller, projectId: string, comments: ReturnComment[]) {
    return this.act(caller, projectId, (context) => ({ type: 'ReturnPassport', data: { comments }, context }));
  }

  approve(caller: Caller, projectId: string) {
    return this.act(caller, projectId, (context) => ({ type: 'ApprovePassport', data: {}, context }));
  }

  reject(caller: Caller, projectId: string, reason: string) {
    return this.act(caller, projectId, (context) => ({ type: 'RejectPassport', data: { reason }, context }));
  }

  startAmendment(caller: Caller, projectId: string, reason: string) {
    return this.act(caller, projectId, (context) => ({ type: 'StartAmendment', data: { reason }, context }));
  }

  withdraw(caller: Caller, projectId: string, reason: string) {
    return this.act(caller, projectId, (context) => ({ type: 'WithdrawPassport', data: { reason }, context }));
  }

  /** A submitted version with its full content. */
  async version(caller: Caller, projectId: string, version: number): Promise<SubmittedVersion> {
    const { state } = await visibleProject(this.deps, caller.user, projectId);
    const found = state.versions.find((v) => v.version === version);
    if (!found) throw new NotFound(`Version ${version} of project`, projectId);
    return found;
  }

  /**
   * Field-level difference between two submitted versions, paged. Submitted versions never
   * change, so neither does their difference: a change's place in it is its key.
   */
  async diff(caller: Caller, projectId: string, a: number, b: number, page: PageRequest): Promise<Page<FieldChange>> {
    const seal = cursorSeal(this.deps.config, caller.user);
    const after = page.cursor === undefined ? -1 : DIFF_CURSOR.decode(seal, page.cursor)[0];
    const [from, to] = await Promise.all([this.version(caller, projectId, a), this.version(caller, projectId, b)]);
    const changes = diff(from.sections, to.sections).map((change, index) => ({ change, index }));
    const rest = changes.filter((c) => c.index > after).slice(0, page.limit + 1);
    return mapPage(
      pageOf(rest, page.limit, (c) => DIFF_CURSOR.encode(seal, [c.index])),
      (c) => c.change,
    );
  }

  /** A command on a passport the caller may see (a missing one and another organisation's answer alike: 404). */
  private async act(
    caller: Caller,
    projectId: string,
    command: (context: CommandContext) => PassportCommand,
  ): Promise<Outcome<ExistingPassport>> {
    const outcome = await on(this.deps, passportStream).execute(passportStreamId(projectId), caller, command, {
      subject: projectId,
      authorize: (state) => visiblePassport(caller.user, projectId, state),
    });
    return existing(outcome);
  }
}

function existing(outcome: Outcome<Passport>): Outcome<ExistingPassport> {
  const { state } = outcome;
  if (state.status === 'none') throw new Error(`${outcome.streamId} folded to nothing after a command`);
  return { ...outcome, state };
}
