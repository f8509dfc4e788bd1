import {
  Body,
  Controller,
  Get,
  Header,
  Path,
  Post,
  Put,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { listProgrammes } from '../../../projections/programme-structure/queries.js';
import { load, type Handled } from '../../application/handle-command.js';
import { amendProgramme, defineProgramme, retireProgramme } from '../../application/programme-structure.js';
import { NotFound } from '../../domain/errors.js';
import type { BilingualName, FundCode } from '../../domain/fund/events.js';
import { programmeDecider, programmeLabel, programmeStreamId, type Programme } from '../../domain/programme/decider.js';
import type { Period, ProgrammeCode } from '../../domain/programme/events.js';
import type { AppContext } from '../context.js';
import { etag, versionFromTag, type IdempotencyKey, type VersionTag } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';

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

export interface ProgrammeList {
  items: ProgrammeSummary[];
}

export interface ProgrammeView extends ProgrammeSummary {
  definedAt: string;
  amendedAt?: string;
  retiredAt?: string;
}

/** A fund's programme for a period: the RRF plan 2021–2026, the cohesion programme 2021–2027, … */
@Route('programmes')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
export class ProgrammesController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Defines a programme for a period.
   * @example body { "code": "ANM", "period": "2021-2026", "fund": "RRF", "name": { "lv": "Latvijas Atveseļošanas un noturības mehānisma plāns", "en": "Latvian Recovery and Resilience Plan" } }
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(409, 'Already defined')
  @Response<Problem>(422, 'Invalid request, unknown or retired fund, or idempotency key reused')
  public async define(
    @Body() body: DefineProgrammeRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    const result = await defineProgramme(this.ctx.store, body, { metadata: requestMetadata(req), idempotency: idempotencyFor(req) });
    this.setStatus(201);
    this.setHeader('Location', `/programmes/${body.code}/${body.period}`);
    return this.respond(result);
  }

  /** Every programme, optionally of one fund; served from the programme-structure read model. */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  public async list(@Query() fund?: FundCode): Promise<ProgrammeList> {
    const rows = await listProgrammes(this.ctx.orm, fund ? { fund } : {});
    const items = rows.map((r) => ({
      code: r.programme,
      period: r.period,
      fund: r.fund,
      name: { lv: r.nameLv, en: r.nameEn },
      status: r.status,
      version: r.version,
    }));
    return { items };
  }

  @Get('{programme}/{period}')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown programme')
  public async get(@Path() programme: ProgrammeCode, @Path() period: Period): Promise<ProgrammeView> {
    const key = { code: programme, period };
    return this.respond(
      { ...(await load(this.ctx.store, programmeDecider, programmeStreamId(key))), replayed: false },
      programmeLabel(key),
    );
  }

  /**
   * Amends the programme (a new version with a reason); send the ETag you read as If-Match.
   * @example body { "fund": "RRF", "name": { "lv": "Latvijas Atveseļošanas un noturības mehānisma plāns", "en": "Latvia's Recovery and Resilience Plan" }, "reason": "English name as in the Council implementing decision" }
   */
  @Put('{programme}/{period}')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(422, 'Invalid request, unknown or retired fund')
  public async amend(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: AmendProgrammeRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    const options = { metadata: requestMetadata(req), ifMatch: versionFromTag(ifMatch), idempotency: idempotencyFor(req) };
    return this.respond(await amendProgramme(this.ctx.store, { code: programme, period }, body, options));
  }

  /** @example body { "reason": "programming period closed" } */
  @Post('{programme}/{period}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retire(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: RetireReferenceRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<ProgrammeView> {
    const options = { metadata: requestMetadata(req), ifMatch: versionFromTag(ifMatch), idempotency: idempotencyFor(req) };
    return this.respond(await retireProgramme(this.ctx.store, { code: programme, period }, body.reason, options));
  }

  private respond({ state, version, replayed }: Handled<Programme>, label = ''): ProgrammeView {
    if (state.status === 'none') throw new NotFound('Programme', label);
    this.setHeader('ETag', etag(version));
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return {
      code: state.code,
      period: state.period,
      fund: state.fund,
      name: state.name,
      status: state.status,
      definedAt: state.definedAt,
      ...(state.amendedAt ? { amendedAt: state.amendedAt } : {}),
      ...(state.status === 'retired' ? { retiredAt: state.retiredAt } : {}),
      version,
    };
  }
}
