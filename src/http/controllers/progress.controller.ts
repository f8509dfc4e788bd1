import { Get, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { IndicatorProgress, RollupNode } from '../../../projections/progress/evaluate.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/as-of.js';
import type { ProjectUuid } from './project-indicators.controller.js';

export interface ProgressReport {
  /** The instant the answer is for: only what was recorded up to then is counted. */
  asOf: string;
  indicators: IndicatorProgress[];
  /** Sums per project, investment, component and fund: quantities by code and unit, milestones as counts. */
  rollup: RollupNode[];
}

@Route('progress')
@Tags('Indicators and progress')
export class ProgressController extends ApiController {
  /**
   * Progress to target as of `asOf`: each indicator's verified and awaiting values, % of
   * target and status, and the roll-up. A beneficiary sees only its own projects' indicators.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time; default now; not in the future
   * @param projectId only this project's indicators
   * @summary Progress to target
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'The project is not visible to you')
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async getProgress(
    @Request() req: ExRequest,
    @Query() asOf?: string,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() period?: string,
    @Query() investment?: string,
    @Query() projectId?: ProjectUuid,
  ): Promise<ProgressReport> {
    const instant = parseAsOf(asOf);
    const { indicators, rollup } = await this.app.reporting.progress(callerOf(req), {
      asOf: instant,
      fund,
      programme,
      period,
      investment,
      projectId,
    });
    return { asOf: instant.toISOString(), indicators, rollup };
  }
}
