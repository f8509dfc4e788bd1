import { Body, Get, Header, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { ProjectRow } from '../../../projections/projects/entity.js';
import { mapPage, type Page } from '../../application/page.js';
import type { DraftPassportInput } from '../../application/passports.js';
import type { BilingualName } from '../../domain/fund/events.js';
import type { ProgrammeRef } from '../../domain/passport/content.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { passportView, type PassportView } from '../views/passport.js';

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

const projectSummary = (r: ProjectRow): ProjectSummary => ({
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
});

@Route('projects')
@Tags('Project passports')
export class ProjectsController extends ApiController {
  /**
   * Drafts the passport of a new project for the caller's organisation.
   * @example body { "title": { "lv": "Vienotā saziņas platforma", "en": "Unified communication platform" }, "programme": { "fund": "RRF", "programme": "ANM", "period": "2021-2026", "investment": "2.1.2.1.i" }, "recipient": { "name": "Valsts reģionālās attīstības aģentūra", "registrationNumber": "90001733697", "directAdministration": true } }
   * @summary Draft a project passport
   */
  @Post()
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Drafted')
  @Response<Problem>(422, 'Invalid, not your organisation, unknown investment, or the Idempotency-Key was used for another request')
  public async draftPassport(
    @Body() body: DraftPassportInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<PassportView> {
    const outcome = await this.app.passports.draft(callerOf(req), body);
    return this.written(outcome, passportView, { location: `/projects/${outcome.state.projectId}/passport` });
  }

  /**
   * Projects, filtered and cursor-paged; a beneficiary sees only its organisation's.
   * @param organisation projects where this organisation is the recipient or a partner
   * @summary List projects
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  public async listProjects(
    @Request() req: ExRequest,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() period?: string,
    @Query() investment?: string,
    @Query() organisation?: string,
    @Query() status?: 'draft' | 'submitted' | 'verified' | 'approved' | 'rejected' | 'withdrawn',
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<ProjectSummary>> {
    const filter = { fund, programme, period, investment, organisation, status };
    return mapPage(await this.app.reporting.projects(callerOf(req), filter, { cursor, limit }), projectSummary);
  }
}
