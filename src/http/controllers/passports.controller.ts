import { Body, Get, Header, Patch, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { Page } from '../../application/page.js';
import type { FieldChange } from '../../domain/diff.js';
import type { PassportSections, ReturnComment } from '../../domain/passport/content.js';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
import { asOfRead } from '../views/as-of.js';
import { passportView, type PassportAsOfView, type PassportView } from '../views/passport.js';

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

/** The project passport (projekta pase): its sections and lifecycle; four-eyes on verification and approval. */
@Route('projects/{projectId}/passport')
@Tags('Project passports')
@Response<Problem>(404, 'No such project, or not visible to you')
@Response<Problem>(412, 'If-Match is stale')
@Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
export class PassportsController extends ApiController {
  /**
   * The passport's working version with its state, sections and the approved version in force,
   * as it stood at `asOf` (default now); the ETag is the stream version as of then, for If-Match
   * (a past version's If-Match answers 412 once something was recorded after it). Who may read
   * it is as without `asOf`: a beneficiary only its own organisation's projects.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or a date-time with a zone; default now; not in the future (422 naming `asOf`). Only events recorded at or before it count, so what was recorded later cannot change the answer.
   * @summary Read a project passport
   */
  @Get()
  @SuccessResponse<StreamStateHeaders>(200, 'The state as of asOf (default now); ETag is its stream version then')
  @Response<Problem>(404, 'No such project, not visible to you, or nothing recorded by asOf')
  @Security('jwt', READERS)
  public async getPassport(@Path() projectId: ProjectId, @Request() req: ExRequest, @Query() asOf?: string): Promise<PassportAsOfView> {
    const { instant, cut } = asOfRead(asOf);
    const found = await this.app.passports.get(callerOf(req), projectId, cut);
    return this.shown(found, (state, version) => ({ ...passportView(state, version), asOf: instant.toISOString() }));
  }

  /**
   * Replaces the sections given (any of 1–8) in a draft, all at once; one event per section.
   * If-Match is required: without it a concurrent edit could be overwritten unseen (428).
   * @summary Fill passport sections
   * @example body { "costBenefit": { "analysis": "Sociālekonomiskie ieguvumi aprēķināti ar eksperta metodi: iestādes ietaupa pusstundu darba laika uz vienu pakalpojumu.", "savingsCents": 0 }, "partners": [{ "name": "Vides aizsardzības un reģionālās attīstības ministrija", "registrationNumber": "90000021773" }] }
   */
  @Patch()
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not a draft')
  @Response<Problem>(428, 'If-Match missing')
  public async updatePassport(
    @Path() projectId: ProjectId,
    @Body() body: PassportSections,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.updateSections(callerOf(req), projectId, body), passportView);
  }

  /**
   * Submits the draft: runs the consistency checks and stores their warnings with the version.
   * @summary Submit a passport
   */
  @Post('submit')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not a draft')
  public async submitPassport(
    @Path() projectId: ProjectId,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.submit(callerOf(req), projectId), passportView);
  }

  /**
   * Four-eyes: the officer verifying must not be the one who submitted it (403).
   * @summary Verify a passport
   * @example body { "note": "Izmaksu pozīcijas 4.3 un 4.4 atbilst investīcijas 2.1.2.1.i. nosacījumiem" }
   */
  @Post('verify')
  @Security('jwt', ['officer'])
  @Response<Problem>(403, 'You submitted it (four-eyes)')
  @Response<Problem>(409, 'Not submitted')
  public async verifyPassport(
    @Path() projectId: ProjectId,
    @Body() body: VerifyRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.verify(callerOf(req), projectId, body), passportView);
  }

  /**
   * Returns a submitted or verified passport to the beneficiary with comments.
   * @example body { "comments": [{ "section": "objective", "text": "3.3.1: +80 % neatbilst pieaugumam 169 297" }] }
   * @summary Return a passport for changes
   */
  @Post('return')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not under review')
  public async returnPassport(
    @Path() projectId: ProjectId,
    @Body() body: ReturnRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.return(callerOf(req), projectId, body.comments), passportView);
  }

  /**
   * Four-eyes: the approver must be neither the submitter nor the verifier (403).
   * @summary Approve a passport
   */
  @Post('approve')
  @Security('jwt', ['approver'])
  @Response<Problem>(403, 'You submitted or verified it (four-eyes)')
  @Response<Problem>(409, 'Not verified')
  public async approvePassport(
    @Path() projectId: ProjectId,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.approve(callerOf(req), projectId), passportView);
  }

  /**
   * Rejects the passport under review. A new passport is rejected for good; a rejected
   * amendment leaves the approved version in force.
   * @example body { "reason": "Darbības nav attiecināmas uz investīciju 2.1.2.1.i" }
   * @summary Reject a passport or amendment
   */
  @Post('reject')
  @Security('jwt', ['approver'])
  @Response<Problem>(409, 'Not under review')
  public async rejectPassport(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.reject(callerOf(req), projectId, body.reason), passportView);
  }

  /**
   * Starts an amendment of an approved passport: a new version, approved again before it is in force.
   * @example body { "reason": "Iepirkuma rezultāti: izmaksu pārdale starp 4.3. un 4.4. pozīciju" }
   * @summary Start a passport amendment
   */
  @Post('amend')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Not approved')
  public async amendPassport(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.startAmendment(callerOf(req), projectId, body.reason), passportView);
  }

  /**
   * The beneficiary withdraws a draft or a passport under review, with a reason; it cannot be submitted again.
   * @example body { "reason": "Projekta īstenošana pārtraukta" }
   * @summary Withdraw a passport
   */
  @Post('withdraw')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Already withdrawn or rejected')
  public async withdrawPassport(
    @Path() projectId: ProjectId,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    return this.written(await this.app.passports.withdraw(callerOf(req), projectId, body.reason), passportView);
  }

  /**
   * A submitted version with its full content.
   * @summary Read a passport version
   */
  @Get('versions/{version}')
  @Security('jwt', READERS)
  public async getPassportVersion(
    @Path() projectId: ProjectId,
    @Path() version: number,
    @Request() req: ExRequest,
  ): Promise<SubmittedVersionView> {
    const { warnings: _warnings, ...view } = await this.app.passports.version(callerOf(req), projectId, version);
    return view;
  }

  /**
   * Field-level difference between two submitted versions (path, before, after).
   * @summary Compare two passport versions
   */
  @Get('versions/{a}/diff/{b}')
  @Security('jwt', READERS)
  public async diffPassportVersions(
    @Path() projectId: ProjectId,
    @Path() a: number,
    @Path() b: number,
    @Request() req: ExRequest,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<FieldChange>> {
    return this.app.passports.diff(callerOf(req), projectId, a, b, { cursor, limit });
  }
}
