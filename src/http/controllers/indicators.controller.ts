import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { progressAsOf } from '../../../projections/progress/queries.js';
import type { Handled } from '../../application/handle-command.js';
import { actOnIndicator, defineInvestmentIndicator, loadVisibleIndicator } from '../../application/indicators.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import type { Indicator } from '../../domain/indicator/decider.js';
import type { Evidence, Qualifier } from '../../domain/indicator/events.js';
import type { ProgrammeRef } from '../../domain/passport/content.js';
import type { AppContext } from '../context.js';
import { etag, type IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import { indicatorView, parseAsOf, type IndicatorView } from '../views/indicator.js';
import { toDefinition, type IndicatorDefinitionInput, type ProjectUuid } from './project-indicators.controller.js';

/** @format uuid */
type IndicatorId = string;

export interface InvestmentIndicatorRequest extends IndicatorDefinitionInput {
  /** The investment (RRF) or measure (cohesion) the indicator belongs to. */
  investment: ProgrammeRef;
  /** Projects whose indicators with the same code and unit are summed into this one. @maxItems 1000 */
  contributingProjects?: ProjectUuid[];
}

export interface ReportValueRequest {
  /** The value as of `asOfDate`; for a milestone 1 (reached) or 0 (not yet). @minimum 0 */
  value: number;
  /** The date the value describes: not in the future, not before the baseline. */
  asOfDate: string;
  /** Default `exact`. */
  qualifier?: Qualifier;
  /** Optional check: if given, it must be the indicator's unit (in Latvian or English). @maxLength 300 */
  unit?: string;
  /** @maxItems 50 */
  evidence?: Evidence[];
  /** The number of an earlier report this one corrects. @isInt @minimum 1 */
  corrects?: number;
  /** @maxLength 5000 */
  note?: string;
}

export interface ReviewNoteRequest {
  /** @maxLength 5000 */
  note?: string;
}

export interface RejectValueRequest {
  /** @minLength 1 @maxLength 5000 */
  reason: string;
}

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];

/** Indicators (rādītāji): milestones and targets with reported values and their verification. */
@Route('indicators')
@Tags('Indicators and progress')
@Response<Problem>(404, 'No such indicator, or not visible to you')
export class IndicatorsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Defines an indicator of an investment or measure. EU common indicator codes (RCO…, RCR…)
   * must be in the reference list and use its unit.
   * @example body { "investment": { "fund": "RRF", "programme": "ANM", "period": "2021-2026", "investment": "2.3.1.2.i" }, "code": "T2", "name": { "lv": "Atbalstītie uzņēmumi", "en": "Companies supported" }, "kind": "target", "unit": { "lv": "uzņēmumi", "en": "companies" }, "baseline": { "value": 0, "date": "2021-01-01" }, "target": { "value": 2521, "dueDate": "2026-06-30" } }
   */
  @Post()
  @Security('jwt', ['admin', 'officer'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(422, 'Invalid, unknown investment, or a contributing project not in it')
  public async define(
    @Body() body: InvestmentIndicatorRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<IndicatorView> {
    const { investment, contributingProjects = [], ...input } = body;
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req) };
    const result = await defineInvestmentIndicator(
      this.ctx.store,
      { indicatorId: randomUUID(), investment, ...toDefinition(input), contributingProjects },
      options,
    );
    this.setStatus(201);
    return this.respond(result);
  }

  /**
   * The indicator with every report, and its progress (verified value, value awaiting
   * verification, % of target, status) as the system knew it at `asOf`.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time; default now; not in the future
   */
  @Get('{indicatorId}')
  @Security('jwt', READERS)
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async get(@Path() indicatorId: IndicatorId, @Request() req: ExRequest, @Query() asOf?: string): Promise<IndicatorView> {
    const instant = parseAsOf(asOf);
    const { state, version } = await loadVisibleIndicator(this.ctx.store, req.user as AuthenticatedUser, indicatorId);
    const { indicators } = await progressAsOf(this.ctx.orm, { asOf: instant, indicatorId }, null);
    this.setHeader('ETag', etag(version));
    return indicatorView(state, version, indicators[0]);
  }

  /**
   * Reports a value as of a date; a correction is a new report naming the one it corrects.
   * The reporter is the caller; an officer other than the reporter verifies it.
   * @example body { "value": 1080, "asOfDate": "2024-06-30", "qualifier": "more_than", "unit": "companies", "evidence": [{ "documentId": "CFLA-2024-0630-17", "title": "Atbalstīto uzņēmumu saraksts 30.06.2024", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }] }
   */
  @Post('{indicatorId}/reports')
  @Security('jwt', ['beneficiary', 'officer'])
  @SuccessResponse(201, 'Reported')
  @Response<Problem>(409, 'The indicator sums its contributing projects')
  @Response<Problem>(422, 'Unit mismatch, as-of date in the future or before the baseline, or a milestone value other than 0/1')
  public async report(
    @Path() indicatorId: IndicatorId,
    @Body() body: ReportValueRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<IndicatorView> {
    const { qualifier = 'exact', evidence = [], ...rest } = body;
    const result = await this.act(indicatorId, req, { type: 'ReportValue', data: { ...rest, qualifier, evidence } });
    this.setStatus(201);
    return result;
  }

  /** Four-eyes: the officer verifying must not be the one who reported. */
  @Post('{indicatorId}/reports/{report}/verify')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not pending, or you reported it')
  public async verify(
    @Path() indicatorId: IndicatorId,
    @Path() report: number,
    @Body() body: ReviewNoteRequest,
    @Request() req: ExRequest,
  ): Promise<IndicatorView> {
    return this.act(indicatorId, req, { type: 'VerifyValue', data: { report, ...body } });
  }

  /** @example body { "reason": "Sarakstā iekļauti uzņēmumi, kas atbalstu saņēma pēc 30.06.2024" } */
  @Post('{indicatorId}/reports/{report}/reject')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not pending')
  public async reject(
    @Path() indicatorId: IndicatorId,
    @Path() report: number,
    @Body() body: RejectValueRequest,
    @Request() req: ExRequest,
  ): Promise<IndicatorView> {
    return this.act(indicatorId, req, { type: 'RejectValue', data: { report, reason: body.reason } });
  }

  private async act(indicatorId: string, req: ExRequest, command: Parameters<typeof actOnIndicator>[3]): Promise<IndicatorView> {
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req) };
    return this.respond(await actOnIndicator(this.ctx.store, req.user as AuthenticatedUser, indicatorId, command, options));
  }

  private respond({ state, version, replayed }: Handled<Indicator>): IndicatorView {
    if (state.status === 'none') throw new Error('an indicator command folded to nothing');
    this.setHeader('ETag', etag(version));
    this.setHeader('Location', `/indicators/${state.indicatorId}`);
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return indicatorView(state, version);
  }
}
