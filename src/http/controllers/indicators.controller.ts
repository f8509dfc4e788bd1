import type { ProgressFigure } from '../../../projections/progress/evaluate.js';
import type { Explanation } from '../../application/explain.js';
import { Body, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { DefinedIndicator } from '../../application/indicators.js';
import type { Evidence, Qualifier } from '../../domain/indicator/events.js';
import type { ProgrammeRef } from '../../domain/passport/content.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
import { asOfRead, parseAsOf } from '../views/as-of.js';
import { indicatorView, type IndicatorAsOfView, type IndicatorView } from '../views/indicator.js';
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
const location = (state: DefinedIndicator) => ({ location: `/indicators/${state.indicatorId}` });

/** Indicators (rādītāji): milestones and targets with reported values and their verification. */
@Route('indicators')
@Tags('Indicators and progress')
@Response<Problem>(404, 'No such indicator, or not visible to you')
@Response<Problem>(412, 'If-Match is stale')
@Response<Problem>(422, 'Invalid input naming the fields, or the Idempotency-Key was used for another request')
export class IndicatorsController extends ApiController {
  /**
   * Defines an indicator of an investment or measure. EU common indicator codes (RCO…, RCR…)
   * must be in the reference list and use its unit.
   * @example body { "investment": { "fund": "RRF", "programme": "ANM", "period": "2021-2026", "investment": "2.3.1.2.i" }, "code": "T2", "name": { "lv": "Atbalstītie uzņēmumi", "en": "Companies supported" }, "kind": "target", "unit": { "lv": "uzņēmumi", "en": "companies" }, "baseline": { "value": 0, "date": "2021-01-01" }, "target": { "value": 2521, "dueDate": "2026-06-30" } }
   * @summary Define an investment or measure indicator
   */
  @Post()
  @Security('jwt', ['admin', 'officer'])
  @SuccessResponse(201, 'Defined')
  public async defineIndicator(
    @Body() body: InvestmentIndicatorRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<IndicatorView> {
    const { investment, contributingProjects = [], ...input } = body;
    const outcome = await this.app.indicators.defineForInvestment(callerOf(req), investment, {
      ...toDefinition(input),
      contributingProjects,
    });
    return this.written(outcome, indicatorView, location(outcome.state));
  }

  /**
   * The indicator with every report and its review, and its progress (verified value, value
   * awaiting verification, % of target, status), as the system knew them at `asOf` (default
   * now); the ETag is the stream version as of then, for If-Match (a past version's If-Match
   * answers 412 once something was recorded after it). Who may read it is as without `asOf`.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or a date-time with a zone; default now; not in the future (422 naming `asOf`). Only events recorded at or before it count, so what was recorded later cannot change the answer.
   * @summary Read an indicator
   */
  @Get('{indicatorId}')
  @SuccessResponse<StreamStateHeaders>(200, 'The state as of asOf (default now); ETag is its stream version then')
  @Response<Problem>(404, 'No such indicator, not visible to you, or nothing recorded by asOf')
  @Security('jwt', READERS)
  public async getIndicator(
    @Path() indicatorId: IndicatorId,
    @Request() req: ExRequest,
    @Query() asOf?: string,
  ): Promise<IndicatorAsOfView> {
    const { instant, cut } = asOfRead(asOf);
    const found = await this.app.indicators.get(callerOf(req), indicatorId, cut);
    return this.shown(found, (state, version) => ({ ...indicatorView(state, version, found.progress), asOf: instant.toISOString() }));
  }

  /**
   * Reports a value as of a date; a correction is a new report naming the one it corrects.
   * The reporter is the caller; an officer other than the reporter verifies it.
   * @example body { "value": 1080, "asOfDate": "2024-06-30", "qualifier": "more_than", "unit": "companies", "evidence": [{ "documentId": "CFLA-2024-0630-17", "title": "Atbalstīto uzņēmumu saraksts 30.06.2024", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }] }
   * @summary Report an indicator value
   */
  @Post('{indicatorId}/reports')
  @Security('jwt', ['beneficiary', 'officer'])
  @SuccessResponse(201, 'Reported')
  @Response<Problem>(409, 'The indicator is the sum of its contributing projects')
  public async reportIndicatorValue(
    @Path() indicatorId: IndicatorId,
    @Body() body: ReportValueRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<IndicatorView> {
    const { qualifier = 'exact', evidence = [], ...rest } = body;
    const outcome = await this.app.indicators.report(callerOf(req), indicatorId, { ...rest, qualifier, evidence });
    return this.written(outcome, indicatorView, location(outcome.state));
  }

  /**
   * Four-eyes: the officer verifying must not be the one who reported (403).
   * @summary Verify a reported indicator value
   * @example body { "note": "Pārbaudīts pēc e-adrešu informācijas sistēmas lietotāju reģistra izraksta" }
   */
  @Post('{indicatorId}/reports/{report}/verify')
  @Security('jwt', ['officer'])
  @Response<Problem>(403, 'You reported it (four-eyes)')
  @Response<Problem>(409, 'Not pending')
  public async verifyIndicatorValue(
    @Path() indicatorId: IndicatorId,
    @Path() report: number,
    @Body() body: ReviewNoteRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<IndicatorView> {
    return this.written(await this.app.indicators.verify(callerOf(req), indicatorId, report, body.note), indicatorView);
  }

  /**
   * Rejects a reported value with a reason; the beneficiary may report a corrected value.
   * @example body { "reason": "Sarakstā iekļauti uzņēmumi, kas atbalstu saņēma pēc 30.06.2024" }
   * @summary Reject a reported indicator value
   */
  @Post('{indicatorId}/reports/{report}/reject')
  @Security('jwt', ['officer'])
  @Response<Problem>(409, 'Not pending')
  public async rejectIndicatorValue(
    @Path() indicatorId: IndicatorId,
    @Path() report: number,
    @Body() body: RejectValueRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<IndicatorView> {
    return this.written(await this.app.indicators.reject(callerOf(req), indicatorId, report, body.reason), indicatorView);
  }

  /**
   * The events behind one value of the indicator's progress (`GET /indicators/{indicatorId}`'s
   * `progress`, its line of `GET /progress`) as of `asOf`: each report, verification or
   * rejection with the change it made to the value; for an investment indicator summed from its
   * projects, their indicators' events. A beneficiary sees only its own projects' indicators.
   * @param figure `verified` (the verified value), `reported` (the value awaiting verification) or `target`
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time; default now; not in the future
   * @summary Explain a progress value
   */
  @Get('{indicatorId}/progress/explain')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'No such indicator (by asOf), or not visible to you')
  @Response<Problem>(422, 'Unknown figure, or asOf unparseable or in the future')
  public async explainProgress(
    @Path() indicatorId: IndicatorId,
    @Request() req: ExRequest,
    @Query() figure: ProgressFigure,
    @Query() asOf?: string,
  ): Promise<Explanation> {
    return this.app.explain.progress(callerOf(req), indicatorId, { figure, asOf: parseAsOf(asOf) });
  }
}
