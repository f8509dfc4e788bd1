import { Body, Get, Header, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { RegisteredFund } from '../../application/funds.js';
import type { BilingualName, FundCode, FundKind } from '../../domain/fund/events.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';

export interface RegisterFundRequest {
  code: FundCode;
  name: BilingualName;
  kind: FundKind;
}

export interface RenameFundRequest {
  name: BilingualName;
  /** Why the name changes (kept in the history). @minLength 1 @maxLength 2000 */
  reason: string;
}

export interface RetireFundRequest {
  /** @minLength 1 @maxLength 2000 */
  reason: string;
}

export interface FundView {
  code: string;
  name: BilingualName;
  kind: FundKind;
  status: 'active' | 'retired';
  registeredAt: string;
  retiredAt?: string;
  /** Stream version; also the ETag. */
  version: number;
}

const fundView = (state: RegisteredFund, version: number): FundView => ({
  code: state.code,
  name: state.name,
  kind: state.kind,
  status: state.status,
  registeredAt: state.registeredAt,
  ...(state.status === 'retired' ? { retiredAt: state.retiredAt } : {}),
  version,
});

/** Reference data: everyone reads it, only admins maintain it. */
@Route('funds')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
@Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
export class FundsController extends ApiController {
  /**
   * Registers a fund, e.g. RRF (ANM) or ERDF (ERAF).
   * @example body { "code": "RRF", "name": { "lv": "Atveseļošanas un noturības mehānisms", "en": "Recovery and Resilience Facility" }, "kind": "eu" }
   * @summary Register a fund
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Registered')
  @Response<Problem>(409, 'Already registered')
  public async registerFund(
    @Body() body: RegisterFundRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    const outcome = await this.app.funds.register(callerOf(req), body);
    return this.written(outcome, fundView, { location: `/funds/${encodeURIComponent(body.code)}` });
  }

  /**
   * The fund as registered and last renamed, with its ETag for If-Match.
   * @summary Read a fund
   */
  @Get('{code}')
  @SuccessResponse<StreamStateHeaders>(200, 'The current state; ETag is its stream version')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown fund')
  public async getFund(@Path() code: string): Promise<FundView> {
    return this.shown(await this.app.funds.get(code), fundView);
  }

  /**
   * Renames a fund; If-Match with the ETag you read is required (428 without it).
   * @summary Rename a fund
   * @example body { "name": { "lv": "Atveseļošanas un noturības mehānisms", "en": "Recovery and Resilience Facility" }, "reason": "Nosaukums saskaņots ar Regulu (ES) 2021/241" }
   */
  @Put('{code}/name')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown fund')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(428, 'If-Match missing')
  public async renameFund(
    @Path() code: string,
    @Body() body: RenameFundRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    return this.written(await this.app.funds.rename(callerOf(req), code, body), fundView);
  }

  /**
   * Retires the fund: it stays readable and in history, but no new programme or budget share can name it.
   * @example body { "reason": "programming period closed" }
   * @summary Retire a fund
   */
  @Post('{code}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown fund')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retireFund(
    @Path() code: string,
    @Body() body: RetireFundRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    return this.written(await this.app.funds.retire(callerOf(req), code, body.reason), fundView);
  }
}
