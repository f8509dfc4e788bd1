import { Body, Controller, Get, Header, Patch, Path, Post, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { handleCommand, load } from '../../application/handle-command.js';
import { investmentFacts } from '../../application/investment-facts.js';
import { diff, type FieldChange } from '../../domain/diff.js';
import { NotFound } from '../../domain/errors.js';
import type { PassportSections } from '../../domain/passport/content.js';
import { passportDecider, passportStreamId, type PassportCommand, type ReturnComment } from '../../domain/passport/decider.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import { etag, versionFromTag, type IdempotencyKey, type VersionTag } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import { passportView, visiblePassport, type PassportView } from '../views/passport.js';

export interface ReasonRequest {
  /** @minLength 1 @maxLength 5000 */
  reason: string;
}
export interface VerifyRequest {
  /** @maxLength 5000 */
  note?: string;
}
export interface ReturnRequest {
  /** @minItems 1 */
  comments: ReturnComment[];
}
export interface SubmittedVersionView {
  version: number;
  submittedAt: string;
  submittedBy: string;
  amendmentReason: string | null;
  sections: PassportSections;
}

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];

@Route('projects/{projectId}/passport')
@Tags('Project passports')
@Response<Problem>(404, 'No such project, or not visible to you')
export class PassportsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  @Get()
  @Security('jwt', READERS)
  public async get(@Path() projectId: ProjectId, @Request() req: ExRequest): Promise<PassportView> {
    const { state, version } = await load(this.ctx.store, passportDecider, passportStreamId(projectId));
    this.setHeader('ETag', etag(version));
    return passportView(visiblePassport(req, projectId, state), version);
  }

  /** Replaces the sections given (any of 1–8) in a draft, all at once; one event per section. */
  @Patch()
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not a draft')
  @Response<Problem>(412, 'If-Match is stale')
  public async update(
    @Path() projectId: ProjectId,
    @Body() body: PassportSections,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'UpdateSections', data: { sections: body } }, ifMatch);
  }

  /** Submits the draft: runs the consistency checks and stores their warnings with the version. */
  @Post('submit')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not a draft')
  public async submit(
    @Path() projectId: ProjectId,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<PassportView> {
    const { state } = await load(this.ctx.store, passportDecider, passportStreamId(projectId));
    const passport = visiblePassport(req, projectId, state);
    const investment = await investmentFacts(this.ctx.store, this.ctx.orm, passport.programme, projectId);
    return this.run(projectId, req, { type: 'SubmitPassport', data: { investment } }, ifMatch);
  }

  @Post('verify')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not submitted, or you submitted it')
  public async verify(
    @Path() projectId: ProjectId,
    @Body() body: VerifyRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'VerifyPassport', data: body }, ifMatch);
  }

  /**
   * Returns a submitted or verified passport to the beneficiary with comments.
   * @example body { "comments": [{ "section": "objective", "text": "3.3.1: +80 % neatbilst pieaugumam 169 297" }] }
   */
  @Post('return')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not under review')
  public async return(
    @Path() projectId: ProjectId,
    @Body() body: ReturnRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'ReturnPassport', data: body }, ifMatch);
  }

  /** Four-eyes: the approver must be neither the submitter nor the verifier. */
  @Post('approve')
  @Security('jwt', ['approver'])
  @Response<Problem>(409, 'Not verified, or four-eyes violated')
  public async approve(
    @Path() projectId: ProjectId,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'ApprovePassport', data: {} }, ifMatch);
  }

  /** @example body { "reason": "Darbības nav attiecināmas uz investīciju 2.1.2.1.i" } */
  @Post('reject')
  @Security('jwt', ['approver'])
  @Response<Problem>(409, 'Not under review')
  public async reject(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'RejectPassport', data: body }, ifMatch);
  }

  /**
   * Starts an amendment of an approved passport: a new version, approved again before it is in force.
   * @example body { "reason": "Iepirkuma rezultāti: izmaksu pārdale starp 4.3. un 4.4. pozīciju" }
   */
  @Post('amend')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not approved')
  public async amend(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'StartAmendment', data: body }, ifMatch);
  }

  /** @example body { "reason": "Projekta īstenošana pārtraukta" } */
  @Post('withdraw')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Already withdrawn or rejected')
  public async withdraw(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
  ): Promise<PassportView> {
    return this.run(projectId, req, { type: 'WithdrawPassport', data: body }, ifMatch);
  }

  /** Every submitted version with its full content. */
  @Get('versions/{version}')
  @Security('jwt', READERS)
  public async version(@Path() projectId: ProjectId, @Path() version: number, @Request() req: ExRequest): Promise<SubmittedVersionView> {
    const { state } = await load(this.ctx.store, passportDecider, passportStreamId(projectId));
    const found = visiblePassport(req, projectId, state).versions.find((v) => v.version === version);
    if (!found) throw new NotFound(`Version ${version} of project`, projectId);
    const { warnings: _warnings, ...view } = found;
    return view;
  }

  /** Field-level difference between two submitted versions (path, before, after). */
  @Get('versions/{a}/diff/{b}')
  @Security('jwt', READERS)
  public async diff(@Path() projectId: ProjectId, @Path() a: number, @Path() b: number, @Request() req: ExRequest): Promise<FieldChange[]> {
    const [from, to] = await Promise.all([this.version(projectId, a, req), this.version(projectId, b, req)]);
    return diff(from.sections, to.sections);
  }

  private async run(
    projectId: string,
    req: ExRequest,
    command: Pick<PassportCommand, 'type' | 'data'>,
    ifMatch: VersionTag | undefined,
  ): Promise<PassportView> {
    const metadata = requestMetadata(req);
    const streamId = passportStreamId(projectId);
    const result = await handleCommand(
      this.ctx.store,
      passportDecider,
      streamId,
      { ...command, context: { now: new Date(), actor: metadata.actor, subject: projectId } } as PassportCommand,
      {
        metadata,
        ifMatch: versionFromTag(ifMatch),
        idempotency: idempotencyFor(req),
        authorize: (state) => void (state.status === 'none' ? undefined : visiblePassport(req, projectId, state)),
      },
    );
    this.setHeader('ETag', etag(result.version));
    if (result.replayed) this.setHeader('Idempotent-Replayed', 'true');
    return passportView(visiblePassport(req, projectId, result.state), result.version);
  }
}
