import { Body, Get, Header, Path, Post, Put, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { ProgrammeEntry } from '../../../projections/programme-structure/entity.js';
import { mapPage, type Page } from '../../application/page.js';
import type { DefinedProgramme } from '../../application/programmes.js';
import type { BilingualName, FundCode } from '../../domain/fund/events.js';
import type { Period, ProgrammeCode } from '../../domain/programme/events.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';

export interface DefineProgrammeRequest {
  code: ProgrammeCode;
  period: Period;
  /** The fund that finances the programme; it must be registered and active. */
  fund: FundCode;
  name: BilingualName;
}

export interface AmendProgrammeRequest {
  fund: FundCode;
  name: BilingualName;
  /** Why the programme changes (kept in the history). @minLength 1 @maxLength 2000 */
  reason: string;
}

export interface RetireReferenceRequest {
  /** @minLength 1 @maxLength 2000 */
  reason: string;
}

export interface ProgrammeSummary {
  code: string;
  period: string;
  fund: string;
  name: BilingualName;
  status: 'active' | 'retired';
  /** Stream version; also the ETag of the programme. */
  version: number;
}

export interface ProgrammeView extends ProgrammeSummary {
  definedAt: string;
  amendedAt?: string;
  retiredAt?: string;
}

const programmeView = (state: DefinedProgramme, version: number): ProgrammeView => ({
  code: state.code,
  period: state.period,
  fund: state.fund,
  name: state.name,
  status: state.status,
  definedAt: state.definedAt,
  ...(state.amendedAt ? { amendedAt: state.amendedAt } : {}),
  ...(state.status === 'retired' ? { retiredAt: state.retiredAt } : {}),
  version,
});

const programmeSummary = (r: ProgrammeEntry): ProgrammeSummary => ({
  code: r.programme,
  period: r.period,
  fund: r.fund,
  name: { lv: r.nameLv, en: r.nameEn },
  status: r.status,
  version: r.version,
});

/** A fund's programme for a period: the RRF plan 2021–2026, the cohesion programme 2021–2027, … */
@Route('programmes')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
@Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
export class ProgrammesController extends ApiController {
  /**
   * Defines a programme for a period.
   * @example body { "code": "ANM", "period": "2021-2026", "fund": "RRF", "name": { "lv": "Latvijas Atveseļošanas un noturības mehānisma plāns", "en": "Latvian Recovery and Resilience Plan" } }
   * @summary Define a programme
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(409, 'Already defined')
  public async defineProgramme(
    @Body() body: DefineProgrammeRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    const outcome = await this.app.programmes.define(callerOf(req), body);
    return this.written(outcome, programmeView, { location: `/programmes/${body.code}/${body.period}` });
  }

  /**
   * Every programme, optionally of one fund; served from the programme-structure read model.
   * @summary List programmes
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  public async listProgrammes(
    @Request() req: ExRequest,
    @Query() fund?: FundCode,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<ProgrammeSummary>> {
    return mapPage(await this.app.programmes.list(callerOf(req), fund, { cursor, limit }), programmeSummary);
  }

  /**
   * The programme as defined and last amended, with its ETag (the stream version) for If-Match.
   * @summary Read a programme
   */
  @Get('{programme}/{period}')
  @SuccessResponse<StreamStateHeaders>(200, 'The current state; ETag is its stream version')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown programme')
  public async getProgramme(@Path() programme: ProgrammeCode, @Path() period: Period): Promise<ProgrammeView> {
    return this.shown(await this.app.programmes.get({ code: programme, period }), programmeView);
  }

  /**
   * Amends the programme (a new version with a reason); If-Match with the ETag you read is required (428 without it).
   * @example body { "fund": "RRF", "name": { "lv": "Latvijas Atveseļošanas un noturības mehānisma plāns", "en": "Latvia's Recovery and Resilience Plan" }, "reason": "English name as in the Council implementing decision" }
   * @summary Amend a programme
   */
  @Put('{programme}/{period}')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(428, 'If-Match missing')
  public async amendProgramme(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: AmendProgrammeRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    return this.written(await this.app.programmes.amend(callerOf(req), { code: programme, period }, body), programmeView);
  }

  /**
   * Retires the programme: it stays readable and in history, but no new nodes or projects can name it.
   * @example body { "reason": "programming period closed" }
   * @summary Retire a programme
   */
  @Post('{programme}/{period}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retireProgramme(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: RetireReferenceRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    return this.written(await this.app.programmes.retire(callerOf(req), { code: programme, period }, body.reason), programmeView);
  }
}
