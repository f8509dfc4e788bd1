import { Body, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { AlertSort, AlertStatus, DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import type { Alert, AlertQueuePage } from '../../application/double-funding.js';
import type { DuplicateRule } from '../../domain/dupalert/events.js';
import type { Severity } from '../../domain/finding/events.js';
import type { Cents, ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/as-of.js';
import type { ReasonRequest } from './passports.controller.js';

export interface ConfirmAlertRequest extends ReasonRequest {
  /** When given, an audit finding (category double_funding) is raised on each project involved. */
  finding?: {
    severity: Severity;
    /** EU money within the amount at risk; the whole amount when left out. */
    euShareCents?: Cents;
  };
}
export interface DuplicateAlertDecisionView extends DuplicateAlertView {
  /** Audit findings raised with the confirmation. */
  findingIds: string[];
}

const alertView =
  (a: Alert, findingIds: string[] = []) =>
  (): DuplicateAlertDecisionView => ({ ...a.alert, findingIds });

/** Double-funding alerts (dubultfinansējuma brīdinājumi) over every project, fund and period. */
@Route('double-funding/alerts')
@Tags('Double funding')
export class DoubleFundingController extends ApiController {
  /**
   * The officers' queue of double-funding alerts over every project, fund and period: one row per
   * alert, kept by a read model as invoices, claims, verifications and decisions arrive (a second
   * or so behind them at most). Filters combine (all must hold); `counts` gives how many alerts
   * match the other filters by status (whatever `status` says) and by rule (whatever `rule` says).
   * Sorted strongest rule first (`rule`, the default), largest amount at risk first (`amount`) or
   * most recently first seen first (`newest`), ties by alert id; cursor-paged. With `asOf`, the
   * queue as it stood then, computed from the facts and decisions recorded up to that instant
   * (seconds over the whole portfolio; fast with `projectId` or `supplier`).
   * @param supplier supplier registration number, among the alert's invoices
   * @param organisation recipient organisation (registration number) of one of the alert's projects
   * @param fund a fund of one of the alert's projects, e.g. RRF or ERDF
   * @param programme a programme of one of the alert's projects
   * @param investment an investment (or measure) of one of the alert's projects, e.g. 2.1.1.1.i.
   * @param minAmountCents amount at risk at least this (euro cents)
   * @param maxAmountCents amount at risk at most this (euro cents)
   * @param seenFrom first seen at or after this instant (ISO 8601 date-time)
   * @param seenBefore first seen before this instant (ISO 8601 date-time)
   * @param sort `rule` (default), `amount` or `newest`
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time with a zone; default now; not in the future
   * @summary The double-funding alert queue
   */
  @Get()
  @Security('jwt', ['officer', 'approver', 'auditor', 'admin'])
  @Response<Problem>(400, 'The cursor is not one of this list in this sort')
  @Response<Problem>(422, 'A filter or the sort is not valid, or asOf is unparseable or in the future; the field is named')
  public async listAlerts(
    @Query() status?: AlertStatus,
    @Query() rule?: DuplicateRule,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() investment?: string,
    @Query() organisation?: string,
    @Query() projectId?: ProjectId,
    @Query() supplier?: string,
    @Query() minAmountCents?: Cents,
    @Query() maxAmountCents?: Cents,
    @Query() seenFrom?: Date,
    @Query() seenBefore?: Date,
    @Query() sort: AlertSort = 'rule',
    @Query() asOf?: string,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<AlertQueuePage> {
    const instant = asOf === undefined ? undefined : parseAsOf(asOf);
    const filter = { status, rule, fund, programme, investment, organisation, projectId, supplier };
    const ranges = { minAmountCents, maxAmountCents, seenFrom, seenBefore };
    return this.app.doubleFunding.list({ ...filter, ...ranges }, sort, instant, { cursor, limit });
  }

  /**
   * One alert with the officers' decision; its ETag is the version of the decision's stream (0 while undecided).
   * @summary Read a double-funding alert
   */
  @Get('{alertId}')
  @SuccessResponse<StreamStateHeaders>(200, 'The current state; ETag is its stream version')
  @Security('jwt', ['officer', 'approver', 'auditor', 'admin'])
  @Response<Problem>(404, 'No such alert')
  public async getAlert(@Path() alertId: string): Promise<DuplicateAlertDecisionView> {
    const found = await this.app.doubleFunding.get(alertId);
    return this.shown(found, alertView(found));
  }

  /**
   * Confirms the alert: the cost was financed twice. Recorded as an event with the reason.
   * With `finding`, an audit finding is raised on each project involved; the findings are part of
   * the decision, so a retry or a restart raises them exactly once.
   * @example body { "reason": "Rēķins deklarēts arī ERAF projektā 1.1.2.2/1/24/I/003", "finding": { "severity": "high" } }
   * @summary Confirm a double-funding alert
   */
  @Post('{alertId}/confirm')
  @Security('jwt', ['officer'])
  @Response<Problem>(404, 'No such alert')
  @Response<Problem>(409, 'Already decided otherwise')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
  public async confirmAlert(
    @Path() alertId: string,
    @Body() body: ConfirmAlertRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<DuplicateAlertDecisionView> {
    const confirmed = await this.app.doubleFunding.confirm(callerOf(req), alertId, body);
    return this.written(confirmed, alertView(confirmed, confirmed.findingIds));
  }

  /**
   * Dismisses the alert with the reason, e.g. a legal pro-rata split.
   * @example body { "reason": "Divas atsevišķas piegādes; pavadzīmes pārbaudītas" }
   * @summary Dismiss a double-funding alert
   */
  @Post('{alertId}/dismiss')
  @Security('jwt', ['officer'])
  @Response<Problem>(404, 'No such alert')
  @Response<Problem>(409, 'Already decided otherwise')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
  public async dismissAlert(
    @Path() alertId: string,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<DuplicateAlertDecisionView> {
    const dismissed = await this.app.doubleFunding.dismiss(callerOf(req), alertId, body.reason);
    return this.written(dismissed, alertView(dismissed));
  }
}
