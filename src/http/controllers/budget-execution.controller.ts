import type { BudgetFigure } from '../../../projections/budget-execution/projection.js';
import type { Explanation } from '../../application/explain.js';
import type { FundingSource } from '../../domain/budget/content.js';
import { Get, Query, Request, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { BudgetExecution } from '../../../projections/budget-execution/queries.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { Problem } from '../problem.js';
import { parseAsOf } from '../views/as-of.js';
import type { ProjectUuid } from './project-indicators.controller.js';

@Route('budget-execution')
@Tags('Budgets and payment claims')
export class BudgetExecutionController extends ApiController {
  /**
   * Budget execution (budžeta izpilde) per project, per investment (fund, programme, period,
   * code) and per funding source: planned, contracted, claimed, verified eligible, paid,
   * corrected and remaining (planned − (verified eligible − corrected)), in cents, as the
   * system knew it at `asOf`. A beneficiary sees only its own organisation's projects.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time; default now; not in the future
   * @param fund the programme's fund, e.g. RRF
   * @param investment investment or measure code; unique only with fund, programme and period
   * @param projectId only this project
   * @summary Budget execution
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'The project is not visible to you')
  @Response<Problem>(422, 'asOf unparseable or in the future')
  public async getBudgetExecution(
    @Request() req: ExRequest,
    @Query() asOf?: string,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() period?: string,
    @Query() investment?: string,
    @Query() projectId?: ProjectUuid,
  ): Promise<BudgetExecution> {
    const instant = asOf === undefined ? undefined : parseAsOf(asOf);
    return this.app.reporting.budgetExecution(callerOf(req), { asOf: instant, fund, programme, period, investment, projectId });
  }

  /**
   * The events behind one figure of `GET /budget-execution` with the same filters: with
   * `projectId` the project's figure, else the total over every project selected; with `source`,
   * that funding source's row (`bySource`). Each event counts with its ledger movements: a
   * payment with its share of each source, a correction as booked, `remaining` with planned +,
   * verified eligible − and corrected +. A beneficiary sees only its own organisation's projects.
   * @param figure `planned`, `contracted`, `claimed`, `verified` (verified eligible), `paid`, `corrected` or `remaining`: the `…Cents` measure of that name
   * @param source the funding source (`bySource` row); default all
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or date-time; default now; not in the future
   * @param fund the programme's fund, e.g. RRF
   * @param investment investment or measure code; unique only with fund, programme and period
   * @param projectId only this project
   * @summary Explain a budget execution figure
   */
  @Get('explain')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'The project is not visible to you, or it has no budget (by asOf)')
  @Response<Problem>(422, 'Unknown figure or source, or asOf unparseable or in the future')
  public async explainBudgetExecution(
    @Request() req: ExRequest,
    @Query() figure: BudgetFigure,
    @Query() source?: FundingSource,
    @Query() asOf?: string,
    @Query() fund?: string,
    @Query() programme?: string,
    @Query() period?: string,
    @Query() investment?: string,
    @Query() projectId?: ProjectUuid,
  ): Promise<Explanation> {
    const instant = asOf === undefined ? undefined : parseAsOf(asOf);
    return this.app.explain.budgetExecution(callerOf(req), {
      figure,
      source,
      asOf: instant,
      fund,
      programme,
      period,
      investment,
      projectId,
    });
  }
}
