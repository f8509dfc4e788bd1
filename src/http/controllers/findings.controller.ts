import {
  Body,
  Get,
  Header,
  Path,
  Post,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
  ValidateError,
} from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { mapPage } from '../../application/page.js';
import type { FundShare } from '../../domain/budget/content.js';
import type { FindingCategory, FindingStatus, FollowUpOutcome, Severity } from '../../domain/finding/events.js';
import type { Cents, IsoDate } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
import { asOfRead } from '../views/as-of.js';
import {
  findingSummary,
  findingSummaryOf,
  findingView,
  todayUtc,
  type FindingAsOfView,
  type FindingsPage,
  type FindingView,
} from '../views/finding.js';
import type { ProjectUuid } from './project-indicators.controller.js';

/**
 * @format uuid
 * @pattern ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
 */
type FindingId = string;

export interface FindingResponseRequest {
  /** The beneficiary's view of the finding (finansējuma saņēmēja viedoklis). @minLength 1 @maxLength 20000 */
  response: string;
}
export interface CorrectiveActionRequest {
  /** @minLength 1 @maxLength 20000 */
  action: string;
  /** Not in the past; the action is overdue from the day after while the finding is not closed. */
  deadline: IsoDate;
}
export interface FollowUpRequest {
  outcome: FollowUpOutcome;
  /** @minLength 1 @maxLength 20000 */
  note: string;
}
export interface CloseFindingRequest {
  /** @minLength 1 @maxLength 20000 */
  conclusion: string;
}
export interface FinancialCorrectionRequest {
  /** At least 1 cent; at most what was verified eligible on the cost line minus earlier corrections. */
  amountCents: Cents;
  /** The passport cost line charged, e.g. `4.3`. @pattern ^\d+(\.\d+)*$ */
  costLine: string;
  /** @minLength 1 @maxLength 20000 */
  reason: string;
  /** Split between the budget's funds, adding up to the amount; default pro-rata to the budget's fund shares. */
  funds?: FundShare[];
  /** The payment claim of the budget it concerns, if any. @format uuid */
  claimId?: string;
  /** The invoice of the budget it concerns, if any (on the same cost line). @format uuid */
  invoiceId?: string;
}

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];
const AUDITORS = ['auditor', 'officer'];

/** Audit findings: the beneficiary's response, corrective action, follow-up, closure and financial correction. */
@Route('findings')
@Tags('Audit findings')
@Response<Problem>(404, 'No such finding, or not visible to you')
@Response<Problem>(412, 'If-Match is stale')
@Response<Problem>(422, 'Invalid input naming the fields, or the Idempotency-Key was used for another request')
export class FindingsController extends ApiController {
  /**
   * Findings in the order raised, filtered and cursor-paged; a beneficiary sees only those on its organisation's projects.
   * Without `asOf` the list is the findings read model (kept up to date from the log within moments).
   * With `asOf` every finding is folded from its own stream's events recorded at or before that
   * instant, and the filters apply to that state: a finding raised later is absent, one closed
   * later shows as it stood then, so what was recorded later cannot change the answer. Which
   * findings exist is taken from the read model (findings are never removed), so a finding raised
   * in the very last moments before `asOf` is listed once the read model has caught up. Cursors
   * are valid with and without `asOf` (keep `asOf` the same while paging).
   * @param reportable only reportable irregularities (true) or only the others (false)
   * @param overdueOn only findings whose corrective action is overdue on this date: deadline before it, not closed (with `asOf`: closed by then)
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or a date-time with a zone; default now; not in the future (422 naming `asOf`). Only events recorded at or before it count, so what was recorded later cannot change the answer.
   * @summary List audit findings
   */
  @Get()
  @Security('jwt', READERS)
  public async listFindings(
    @Request() req: ExRequest,
    @Query() projectId?: ProjectUuid,
    @Query() status?: FindingStatus,
    @Query() category?: FindingCategory,
    @Query() severity?: Severity,
    @Query() reportable?: boolean,
    @Query() overdueOn?: IsoDate,
    @Query() asOf?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<FindingsPage> {
    if (overdueOn !== undefined) assertCalendarDate('overdueOn', overdueOn);
    const { instant, cut } = asOfRead(asOf);
    const filter = { projectId, status, category, severity, reportable, overdueOn };
    if (cut === undefined) {
      const page = await this.app.findings.list(callerOf(req), filter, { cursor, limit });
      return mapPage(page, (r) => findingSummary(r, overdueOn ?? todayUtc()));
    }
    const page = await this.app.findings.listAsOf(callerOf(req), filter, { cursor, limit }, cut);
    return { ...mapPage(page, (f) => findingSummaryOf(f.state, overdueOn ?? todayUtc(instant))), asOf: instant.toISOString() };
  }

  /**
   * The finding with its response, corrective action, follow-ups and financial corrections as it
   * stood at `asOf` (default now; `overdue` as of that day), and its ETag (the stream version as
   * of then) for If-Match (a past version's If-Match answers 412 once something was recorded
   * after it). Who may read it is as without `asOf`: a beneficiary only findings on its organisation's projects.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or a date-time with a zone; default now; not in the future (422 naming `asOf`). Only events recorded at or before it count, so what was recorded later cannot change the answer.
   * @summary Read an audit finding
   */
  @Get('{findingId}')
  @SuccessResponse<StreamStateHeaders>(200, 'The state as of asOf (default now); ETag is its stream version then')
  @Response<Problem>(404, 'No such finding, not visible to you, or nothing recorded by asOf')
  @Security('jwt', READERS)
  public async getFinding(@Path() findingId: FindingId, @Request() req: ExRequest, @Query() asOf?: string): Promise<FindingAsOfView> {
    const { instant, cut } = asOfRead(asOf);
    const found = await this.app.findings.get(callerOf(req), findingId, cut);
    return this.shown(found, (state, version) => ({ ...findingView(state, version, todayUtc(instant)), asOf: instant.toISOString() }));
  }

  /**
   * The beneficiary's response, once, by the project's recipient or a partner.
   * @example body { "response": "Grozījumi bija nepieciešami neparedzētu darbu dēļ; pievienojam būvuzrauga atzinumu" }
   * @summary Respond to a finding
   */
  @Post('{findingId}/response')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Already responded, or closed')
  public async respondToFinding(
    @Path() findingId: FindingId,
    @Body() body: FindingResponseRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    const caller = callerOf(req);
    const data = { response: body.response, organisation: caller.user.organisation };
    return this.written(
      await this.app.findings.act(caller, findingId, (context) => ({ type: 'RespondToFinding', data, context })),
      findingView,
    );
  }

  /**
   * Sets (or revises) the corrective action and its deadline.
   * @example body { "action": "Atgūt neattiecināmās izmaksas un pārskatīt iepirkuma procedūru", "deadline": "2030-06-30" }
   * @summary Set a corrective action
   */
  @Post('{findingId}/corrective-action')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'Closed')
  public async setCorrectiveAction(
    @Path() findingId: FindingId,
    @Body() body: CorrectiveActionRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    const outcome = await this.app.findings.act(callerOf(req), findingId, (context) => ({
      type: 'SetCorrectiveAction',
      data: body,
      context,
    }));
    return this.written(outcome, findingView);
  }

  /**
   * Records how far the corrective action was carried out.
   * @example body { "outcome": "partially_implemented", "note": "Atgūta puse no neattiecināmajām izmaksām" }
   * @summary Record a follow-up
   */
  @Post('{findingId}/follow-up')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'No corrective action to follow up, or closed')
  public async recordFollowUp(
    @Path() findingId: FindingId,
    @Body() body: FollowUpRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    const outcome = await this.app.findings.act(callerOf(req), findingId, (context) => ({ type: 'RecordFollowUp', data: body, context }));
    return this.written(outcome, findingView);
  }

  /**
   * Closes the finding; needs a follow-up recorded after the (latest) corrective action.
   * Four-eyes: not by whoever raised the finding or recorded that follow-up (403).
   * @example body { "conclusion": "Korektīvā darbība īstenota, izmaksas atgūtas" }
   * @summary Close a finding
   */
  @Post('{findingId}/close')
  @Security('jwt', AUDITORS)
  @Response<Problem>(403, 'You raised the finding or recorded the follow-up (four-eyes)')
  @Response<Problem>(409, 'Already closed')
  public async closeFinding(
    @Path() findingId: FindingId,
    @Body() body: CloseFindingRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    const outcome = await this.app.findings.act(callerOf(req), findingId, (context) => ({ type: 'CloseFinding', data: body, context }));
    return this.written(outcome, findingView);
  }

  /**
   * Applies a financial correction (finanšu korekcija): booked on the project's budget
   * (FinancialCorrectionBooked, naming this finding) and recorded on the finding with the
   * budget correction's id; a retry with the same Idempotency-Key completes it and books nothing
   * twice. Four-eyes: not by whoever raised the finding (403).
   * @example body { "amountCents": 625000, "costLine": "4.3", "reason": "25 % korekcija par iepirkuma pārkāpumu" }
   * @summary Apply a financial correction
   */
  @Post('{findingId}/financial-correction')
  @Security('jwt', AUDITORS)
  @Response<Problem>(403, 'You raised the finding (four-eyes)')
  @Response<Problem>(409, 'Closed, or the project has no open budget')
  public async applyFinancialCorrection(
    @Path() findingId: FindingId,
    @Body() body: FinancialCorrectionRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    return this.written(await this.app.findings.financialCorrection(callerOf(req), findingId, body), findingView);
  }
}

/** 2025-02-30 has the shape of a date but is none: 422 naming the parameter, not a database error. */
function assertCalendarDate(name: string, value: string): void {
  const day = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
    throw new ValidateError({ [name]: { message: `${value} is not a calendar date`, value } }, `${value} is not a calendar date`);
  }
}
