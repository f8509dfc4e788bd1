import { randomUUID } from 'node:crypto';
import { Body, Controller, Header, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { raiseFinding } from '../../application/findings.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import type { FindingCategory, Severity } from '../../domain/finding/events.js';
import type { Cents, ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import type { IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import type { FindingView } from '../views/finding.js';
import { respondWithFinding } from './findings.controller.js';

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
export class ProjectFindingsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Raises an audit finding (revīzijas konstatējums) on a project.
   * @example body { "category": "procurement_breach", "severity": "high", "amountAtRiskCents": 2500000, "euShareCents": 2125000, "concerns": { "invoiceRef": "PVN-2024/117" }, "description": "Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma" }
   */
  @Post()
  @Security('jwt', ['auditor', 'officer'])
  @SuccessResponse(201, 'Raised')
  @Response<Problem>(
    422,
    'Invalid: money not integer cents, EU share above the amount at risk, unknown category, an indicator of another project',
  )
  public async raise(
    @Path() projectId: ProjectId,
    @Body() body: RaiseFindingRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<FindingView> {
    const { concerns = {}, ...rest } = body;
    const input = {
      findingId: randomUUID(),
      projectId,
      ...rest,
      concerns: { invoiceRef: concerns.invoiceRef ?? null, claimRef: concerns.claimRef ?? null, indicatorId: concerns.indicatorId ?? null },
    };
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req) };
    const result = await raiseFinding(this.ctx.store, req.user as AuthenticatedUser, input, options);
    this.setStatus(201);
    return respondWithFinding(this, result);
  }
}
