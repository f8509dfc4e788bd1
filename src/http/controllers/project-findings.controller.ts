import { Body, Header, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { FindingCategory, Severity } from '../../domain/finding/events.js';
import type { Cents, ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { findingView, type FindingView } from '../views/finding.js';

/**
 * @format uuid
 * @pattern ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
 */
type IndicatorUuid = string;

/** What the finding is about besides the project. Invoices and claims are the beneficiary's own references. */
export interface FindingConcernsInput {
  /** @minLength 1 @maxLength 200 */
  invoiceRef?: string;
  /** @minLength 1 @maxLength 200 */
  claimRef?: string;
  /** One of the project's indicators. */
  indicatorId?: IndicatorUuid;
}

export interface RaiseFindingRequest {
  category: FindingCategory;
  severity: Severity;
  /** Amount at risk (finanšu ietekme), euro cents. */
  amountAtRiskCents: Cents;
  /** The EU funds' share of the amount at risk; above 1,000,000 (EUR 10,000) the finding is a reportable irregularity. */
  euShareCents: Cents;
  concerns?: FindingConcernsInput;
  /** @minLength 1 @maxLength 20000 */
  description: string;
}

@Route('projects/{projectId}/findings')
@Tags('Audit findings')
@Response<Problem>(404, 'No such project (or indicator), or not visible to you')
export class ProjectFindingsController extends ApiController {
  /**
   * Raises an audit finding (revīzijas konstatējums) on a project.
   * @summary Raise an audit finding
   * @example body { "category": "procurement_breach", "severity": "high", "amountAtRiskCents": 2500000, "euShareCents": 2125000, "concerns": { "invoiceRef": "PVN-2024/117" }, "description": "Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma" }
   */
  @Post()
  @Security('jwt', ['auditor', 'officer'])
  @SuccessResponse(201, 'Raised')
  @Response<Problem>(
    422,
    'Invalid: money not integer cents, EU share above the amount at risk, unknown category, an indicator of another project, or the Idempotency-Key was used for another request',
  )
  public async raiseFinding(
    @Path() projectId: ProjectId,
    @Body() body: RaiseFindingRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<FindingView> {
    const { concerns = {}, ...rest } = body;
    const concerned = {
      invoiceRef: concerns.invoiceRef ?? null,
      claimRef: concerns.claimRef ?? null,
      indicatorId: concerns.indicatorId ?? null,
    };
    const outcome = await this.app.findings.raise(callerOf(req), { projectId, ...rest, concerns: concerned });
    return this.written(outcome, findingView, { location: `/findings/${outcome.state.findingId}` });
  }
}
