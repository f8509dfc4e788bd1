import { Body, Controller, Get, Header, Path, Post, Put, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { handleCommand, load, type Loaded } from '../../application/handle-command.js';
import { NotFound } from '../../domain/errors.js';
import { fundDecider, fundStreamId, type Fund, type FundCommand } from '../../domain/fund/decider.js';
import type { BilingualName, FundCode, FundKind } from '../../domain/fund/events.js';
import type { AppContext } from '../context.js';
import { etag, versionFromTag, type IdempotencyKey, type VersionTag } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';

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

/** Reference data: everyone reads it, only admins maintain it. */
@Route('funds')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
export class FundsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Registers a fund, e.g. RRF (ANM) or ERDF (ERAF).
   * @example body { "code": "RRF", "name": { "lv": "Atveseļošanas un noturības mehānisms", "en": "Recovery and Resilience Facility" }, "kind": "eu" }
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Registered')
  @Response<Problem>(409, 'Already registered')
  @Response<Problem>(422, 'Invalid request or idempotency key reused')
  public async register(
    @Body() body: RegisterFundRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    const result = await handleCommand(
      this.ctx.store,
      fundDecider,
      fundStreamId(body.code),
      { type: 'RegisterFund', data: body, context: { now: new Date(), actor: requestMetadata(req).actor } },
      { metadata: requestMetadata(req), idempotency: idempotencyFor(req) },
    );
    this.setStatus(201);
    this.setHeader('Location', `/funds/${encodeURIComponent(body.code)}`);
    return this.respond(result, result.replayed);
  }

  @Get('{code}')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown fund')
  public async get(@Path() code: string): Promise<FundView> {
    return this.respond(await load(this.ctx.store, fundDecider, fundStreamId(code)), false, code);
  }

  /** Renames a fund; send the ETag you read as If-Match. */
  @Put('{code}/name')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown fund')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  public async rename(
    @Path() code: string,
    @Body() body: RenameFundRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    return this.change(code, req, ifMatch, { type: 'RenameFund', data: body });
  }

  @Post('{code}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown fund')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retire(
    @Path() code: string,
    @Body() body: RetireFundRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FundView> {
    return this.change(code, req, ifMatch, { type: 'RetireFund', data: body });
  }

  private async change(
    code: string,
    req: ExRequest,
    ifMatch: VersionTag | undefined,
    command: { type: 'RenameFund'; data: RenameFundRequest } | { type: 'RetireFund'; data: RetireFundRequest },
  ): Promise<FundView> {
    const metadata = requestMetadata(req);
    const result = await handleCommand(
      this.ctx.store,
      fundDecider,
      fundStreamId(code),
      { type: command.type, data: { ...command.data, code }, context: { now: new Date(), actor: metadata.actor } } as FundCommand,
      { metadata, ifMatch: versionFromTag(ifMatch), idempotency: idempotencyFor(req) },
    );
    return this.respond(result, result.replayed);
  }

  private respond({ state, version }: Loaded<Fund>, replayed: boolean, code = ''): FundView {
    if (state.status === 'unregistered') throw new NotFound('Fund', code);
    this.setHeader('ETag', etag(version));
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return {
      code: state.code,
      name: state.name,
      kind: state.kind,
      status: state.status,
      registeredAt: state.registeredAt,
      ...(state.status === 'retired' ? { retiredAt: state.retiredAt } : {}),
      version,
    };
  }
}
