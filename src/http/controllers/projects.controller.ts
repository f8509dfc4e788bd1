import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { listProjects } from '../../../projections/projects/queries.js';
import { handleCommand } from '../../application/handle-command.js';
import { investmentFacts } from '../../application/investment-facts.js';
import type { AuthenticatedUser } from '../../auth/principal.js';
import { projectListScope } from '../../auth/scope.js';
import { ValidationFailed } from '../../domain/errors.js';
import type { BilingualName } from '../../domain/fund/events.js';
import type { ProgrammeRef, Recipient } from '../../domain/passport/content.js';
import { passportDecider, passportStreamId } from '../../domain/passport/decider.js';
import type { AppContext } from '../context.js';
import { etag, type IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import { passportView, type PassportView } from '../views/passport.js';

export interface DraftPassportRequest {
  title: BilingualName;
  programme: ProgrammeRef;
  /** Section 1.1: must be the caller's own organisation. */
  recipient: Recipient;
}

export interface ProjectSummary {
  projectId: string;
  title: BilingualName;
  programme: ProgrammeRef;
  recipient: { name: string; registrationNumber: string };
  partners: string[];
  status: string;
  submittedVersion: number;
  approvedVersion: number | null;
  /** Total financing of the working version, euro cents. */
  totalCents: number | null;
  warnings: number;
  updatedAt: string;
}

export interface ProjectPage {
  items: ProjectSummary[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

@Route('projects')
@Tags('Project passports')
export class ProjectsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Drafts the passport of a new project for the caller's organisation.
   * @example body { "title": { "lv": "Vienotā saziņas platforma", "en": "Unified communication platform" }, "programme": { "fund": "RRF", "programme": "ANM", "period": "2021-2026", "investment": "2.1.2.1.i" }, "recipient": { "name": "Valsts reģionālās attīstības aģentūra", "registrationNumber": "90000012345", "directAdministration": true } }
   */
  @Post()
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Drafted')
  @Response<Problem>(422, 'Invalid, not your organisation, or unknown investment')
  public async draft(
    @Body() body: DraftPassportRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<PassportView> {
    const metadata = requestMetadata(req);
    if (body.recipient.registrationNumber !== metadata.organisation) {
      throw new ValidationFailed([
        { field: 'recipient.registrationNumber', message: `must be your organisation (${metadata.organisation})` },
      ]);
    }
    const projectId = randomUUID();
    await investmentFacts(this.ctx.store, this.ctx.orm, body.programme, projectId);
    const result = await handleCommand(
      this.ctx.store,
      passportDecider,
      passportStreamId(projectId),
      { type: 'DraftPassport', data: { projectId, ...body }, context: { now: new Date(), actor: metadata.actor, subject: projectId } },
      { metadata, idempotency: idempotencyFor(req) },
    );
    if (result.state.status === 'none') throw new Error('a drafted passport folded to nothing');
    this.setStatus(201);
    this.setHeader('Location', `/projects/${result.state.projectId}/passport`);
    this.setHeader('ETag', etag(result.version));
    if (result.replayed) this.setHeader('Idempotent-Replayed', 'true');
    return passportView(result.state, result.version);
  }

  /**
   * Projects, filtered and cursor-paged; a beneficiary sees only its organisation's.
   * @param organisation projects where this organisation is the recipient or a partner
   * @isInt limit @minimum limit 1 @maximum limit 500
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  public async list(
    @Request() req: ExRequest,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() period?: string,
    @Query() investment?: string,
    @Query() organisation?: string,
    @Query() status?: 'draft' | 'submitted' | 'verified' | 'approved' | 'rejected' | 'withdrawn',
    @Query() after?: string,
    @Query() limit = 100,
  ): Promise<ProjectPage> {
    const scope = projectListScope(req.user as AuthenticatedUser);
    const rows = await listProjects(
      this.ctx.orm,
      { fund, programme, period, investment, organisation, status, after, limit: limit + 1 },
      scope,
    );
    const items = rows.slice(0, limit).map((r) => ({
      projectId: r.projectId,
      title: { lv: r.titleLv, en: r.titleEn },
      programme: { fund: r.fund, programme: r.programme, period: r.period, investment: r.investment },
      recipient: { name: r.recipientName, registrationNumber: r.recipientOrg },
      partners: r.partnerOrgs,
      status: r.status,
      submittedVersion: r.submittedVersion,
      approvedVersion: r.approvedVersion,
      totalCents: r.totalCents === null ? null : Number(r.totalCents),
      warnings: r.warnings,
      updatedAt: r.updatedAt.toISOString(),
    }));
    return rows.length > limit ? { items, next: items.at(-1)!.projectId } : { items };
  }
}
