import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Path, Post, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { findAlert, listAlerts, type DuplicateAlertView } from '../../../projections/double-funding/queries.js';
import { handleCommand } from '../../application/handle-command.js';
import { duplicateAlertDecider, duplicateAlertStreamId, type DuplicateAlertCommand } from '../../domain/dupalert/decider.js';
import type { DuplicateRule } from '../../domain/dupalert/events.js';
import { NotFound } from '../../domain/errors.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import type { Problem } from '../problem.js';
import { requestMetadata } from '../request-metadata.js';
import { raiseFinding } from '../../application/findings.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import type { Severity } from '../../domain/finding/events.js';
import type { Cents } from '../../domain/values.js';
import { parseAsOf } from '../views/indicator.js';
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

/** Double-funding alerts (dubultfinansējuma brīdinājumi) over every project, fund and period. */
@Route('double-funding/alerts')
@Tags('Double funding')
export class DoubleFundingController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * The officers' report, strongest rule first; with `asOf`, as it stood then (facts and
   * decisions recorded up to that instant).
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time with a zone; default now; not in the future
   */
  @Get()
  @Security('jwt', ['officer', 'approver', 'auditor', 'admin'])
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async list(
    @Query() rule?: DuplicateRule,
    @Query() projectId?: ProjectId,
    @Query() status?: 'open' | 'confirmed' | 'dismissed',
    /** Supplier registration number. */
    @Query() supplier?: string,
    @Query() asOf?: string,
  ): Promise<DuplicateAlertView[]> {
    const instant = asOf === undefined ? undefined : parseAsOf(asOf);
    const filter = {
      ...(rule ? { rule } : {}),
      ...(projectId ? { projectId } : {}),
      ...(status ? { status } : {}),
      ...(supplier ? { supplier } : {}),
      ...(instant ? { asOf: instant } : {}),
    };
    return listAlerts(this.ctx.pool, filter, this.ctx.config.DUPCHECK_NEAR_DAYS);
  }

  /**
   * Confirms the alert: the cost was financed twice. Recorded as an event with the reason.
   * With `finding`, an audit finding is raised on each project involved (src/application/findings.ts).
   * @example body { "reason": "Rēķins deklarēts arī ERAF projektā 1.1.2.2/1/24/I/003", "finding": { "severity": "high" } }
   */
  @Post('{alertId}/confirm')
  @Security('jwt', ['officer'])
  @Response<Problem>(404, 'No such alert')
  @Response<Problem>(409, 'Already decided')
  public async confirm(
    @Path() alertId: string,
    @Body() body: ConfirmAlertRequest,
    @Request() req: ExRequest,
  ): Promise<DuplicateAlertDecisionView> {
    const alert = await this.decide(alertId, 'ConfirmDuplicateAlert', body.reason, req);
    const findingIds: string[] = [];
    for (const projectId of body.finding ? alert.projectIds : []) {
      const findingId = randomUUID();
      const invoiceLevel = alert.rule === 'same_invoice' || alert.rule === 'over_allocation' || alert.rule === 'near_duplicate';
      await raiseFinding(
        this.ctx.store,
        req.user as AuthenticatedUser,
        {
          findingId,
          projectId,
          concerns: { invoiceRef: invoiceLevel ? alert.key.slice(0, 200) : null, claimRef: null, indicatorId: null },
          category: 'double_funding',
          severity: body.finding!.severity,
          amountAtRiskCents: alert.amountAtRiskCents,
          euShareCents: body.finding!.euShareCents ?? alert.amountAtRiskCents,
          description: `Double-funding alert ${alert.rule} ${alertId} confirmed: ${body.reason}`,
        },
        { metadata: requestMetadata(req) },
      );
      findingIds.push(findingId);
    }
    return { ...alert, findingIds };
  }

  /**
   * Dismisses the alert with the reason, e.g. a legal pro-rata split.
   * @example body { "reason": "Divas atsevišķas piegādes; pavadzīmes pārbaudītas" }
   */
  @Post('{alertId}/dismiss')
  @Security('jwt', ['officer'])
  @Response<Problem>(404, 'No such alert')
  @Response<Problem>(409, 'Already decided')
  public async dismiss(
    @Path() alertId: string,
    @Body() body: ReasonRequest,
    @Request() req: ExRequest,
  ): Promise<DuplicateAlertDecisionView> {
    return { ...(await this.decide(alertId, 'DismissDuplicateAlert', body.reason, req)), findingIds: [] };
  }

  private async decide(alertId: string, type: DuplicateAlertCommand['type'], reason: string, req: ExRequest): Promise<DuplicateAlertView> {
    const alert = await findAlert(this.ctx.pool, alertId, this.ctx.config.DUPCHECK_NEAR_DAYS);
    if (!alert) throw new NotFound('Double-funding alert', alertId);
    const metadata = requestMetadata(req);
    const data = { alertId, rule: alert.rule, projectIds: alert.projectIds, amountAtRiskCents: alert.amountAtRiskCents, reason };
    const { state } = await handleCommand(
      this.ctx.store,
      duplicateAlertDecider,
      duplicateAlertStreamId(alertId),
      { type, data, context: { now: new Date(), actor: metadata.actor, subject: alertId } },
      { metadata },
    );
    return { ...alert, status: state.status, reason: state.status === 'open' ? null : state.reason };
  }
}
