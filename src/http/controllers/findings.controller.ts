import { Body, Controller, Get, Header, Path, Post, Query, Request, Response, Route, Security, Tags, ValidateError } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { listFindings } from '../../../projections/findings/queries.js';
import { actOnFinding, correctFinding, loadVisibleFinding, type FindingAction } from '../../application/findings.js';
import type { Handled } from '../../application/handle-command.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import type { FundShare } from '../../domain/budget/content.js';
import { projectListScope } from '../../auth/scope.js';
import type { Finding, FindingStatus } from '../../domain/finding/decider.js';
import type { FindingCategory, FollowUpOutcome, Severity } from '../../domain/finding/events.js';
import type { Cents, IsoDate } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import { etag, versionFromTag, type IdempotencyKey, type VersionTag } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import { findingSummary, findingView, todayUtc, type FindingPage, type FindingView } from '../views/finding.js';
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
export class FindingsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Findings in the order raised, filtered and cursor-paged; a beneficiary sees only those on its organisation's projects.
   * @param reportable only reportable irregularities (true) or only the others (false)
   * @param overdueOn only findings whose corrective action is overdue on this date: deadline before it, not closed
   * @isInt limit @minimum limit 1 @maximum limit 500
   */
  @Get()
  @Security('jwt', READERS)
  public async list(
    @Request() req: ExRequest,
    @Query() projectId?: ProjectUuid,
    @Query() status?: FindingStatus,
    @Query() category?: FindingCategory,
    @Query() severity?: Severity,
    @Query() reportable?: boolean,
    @Query() overdueOn?: IsoDate,
    @Query() after?: FindingId,
    @Query() limit = 100,
  ): Promise<FindingPage> {
    if (overdueOn !== undefined) assertCalendarDate('overdueOn', overdueOn);
    const scope = projectListScope(req.user as AuthenticatedUser);
    const rows = await listFindings(
      this.ctx.orm,
      { projectId, status, category, severity, reportable, overdueOn, after, limit: limit + 1 },
      scope,
    );
    const items = rows.slice(0, limit).map((r) => findingSummary(r, overdueOn ?? todayUtc()));
    return rows.length > limit ? { items, next: items.at(-1)!.findingId } : { items };
  }

  @Get('{findingId}')
  @Security('jwt', READERS)
  public async get(@Path() findingId: FindingId, @Request() req: ExRequest): Promise<FindingView> {
    const { state, version } = await loadVisibleFinding(this.ctx.store, req.user as AuthenticatedUser, findingId);
    this.setHeader('ETag', etag(version));
    return findingView(state, version);
  }

  /**
   * The beneficiary's response, once, by the project's recipient or a partner.
   * @example body { "response": "Grozījumi bija nepieciešami neparedzētu darbu dēļ; pievienojam būvuzrauga atzinumu" }
   */
  @Post('{findingId}/response')
  @Security('jwt', ['beneficiary'])
  @Response<Problem>(409, 'Already responded, or closed')
  public async respond(
    @Path() findingId: FindingId,
    @Body() body: FindingResponseRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    const organisation = (req.user as AuthenticatedUser).organisation;
    return this.act(findingId, req, { type: 'RespondToFinding', data: { response: body.response, organisation } }, ifMatch);
  }

  /**
   * Sets (or revises) the corrective action and its deadline.
   * @example body { "action": "Atgūt neattiecināmās izmaksas un pārskatīt iepirkuma procedūru", "deadline": "2030-06-30" }
   */
  @Post('{findingId}/corrective-action')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'Closed')
  @Response<Problem>(422, 'Deadline in the past')
  public async correctiveAction(
    @Path() findingId: FindingId,
    @Body() body: CorrectiveActionRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    return this.act(findingId, req, { type: 'SetCorrectiveAction', data: body }, ifMatch);
  }

  /**
   * Records how far the corrective action was carried out.
   * @example body { "outcome": "partially_implemented", "note": "Atgūta puse no neattiecināmajām izmaksām" }
   */
  @Post('{findingId}/follow-up')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'No corrective action to follow up, or closed')
  public async followUp(
    @Path() findingId: FindingId,
    @Body() body: FollowUpRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    return this.act(findingId, req, { type: 'RecordFollowUp', data: body }, ifMatch);
  }

  /**
   * Closes the finding; needs a follow-up recorded after the (latest) corrective action.
   * @example body { "conclusion": "Korektīvā darbība īstenota, izmaksas atgūtas" }
   */
  @Post('{findingId}/close')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'Already closed')
  @Response<Problem>(422, 'No follow-up after the corrective action')
  public async close(
    @Path() findingId: FindingId,
    @Body() body: CloseFindingRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    return this.act(findingId, req, { type: 'CloseFinding', data: body }, ifMatch);
  }

  /**
   * Applies a financial correction (finanšu korekcija): booked on the project's budget
   * (FinancialCorrectionBooked, naming this finding) and recorded on the finding with the
   * budget correction's id. A retry after a failure between the two books nothing twice.
   * @example body { "amountCents": 625000, "costLine": "4.3", "reason": "25 % korekcija par iepirkuma pārkāpumu" }
   */
  @Post('{findingId}/financial-correction')
  @Security('jwt', AUDITORS)
  @Response<Problem>(409, 'Closed, or the project has no open budget')
  @Response<Problem>(422, 'Zero amount, more than verified eligible on the line minus earlier corrections, or no such cost line')
  public async financialCorrection(
    @Path() findingId: FindingId,
    @Body() body: FinancialCorrectionRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req), ifMatch: versionFromTag(ifMatch) };
    return respondWithFinding(this, await correctFinding(this.ctx.store, req.user as AuthenticatedUser, findingId, body, options));
  }

  private async act(findingId: string, req: ExRequest, action: FindingAction, ifMatch: VersionTag | undefined): Promise<FindingView> {
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req), ifMatch: versionFromTag(ifMatch) };
    return respondWithFinding(this, await actOnFinding(this.ctx.store, req.user as AuthenticatedUser, findingId, action, options));
  }
}

/** 2025-02-30 has the shape of a date but is none: 422 naming the parameter, not a database error. */
function assertCalendarDate(name: string, value: string): void {
  const day = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
    throw new ValidateError({ [name]: { message: `${value} is not a calendar date`, value } }, `${value} is not a calendar date`);
  }
}

/** ETag, Location and the replay marker, then the finding as the command left it. */
export function respondWithFinding(controller: Controller, { state, version, replayed }: Handled<Finding>): FindingView {
  if (state.status === 'none') throw new Error('a finding command folded to nothing');
  controller.setHeader('ETag', etag(version));
  controller.setHeader('Location', `/findings/${state.findingId}`);
  if (replayed) controller.setHeader('Idempotent-Replayed', 'true');
  return findingView(state, version);
}
