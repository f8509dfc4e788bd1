import type { FundingSource } from '../../domain/budget/content.js';
import { councilScopeIssues, type CouncilFigure, type Explanation } from '../../application/explain.js';
import { Readable } from 'node:stream';
import { Get, Produces, Query, Request, Response, Route, Security, Tags, ValidateError } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { CouncilReport, ReportDetail, ReportWindow } from '../../../projections/council-report/report.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { Problem } from '../problem.js';
import { councilReportCsv } from '../views/council-report-csv.js';
import { councilReportHtml } from '../views/council-report-html.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Both ends are real dates, `from` not after `to`, `to` not in the future; else 422 naming the field. */
export function parseWindow(from: string, to: string, now = new Date()): ReportWindow {
  const refuse = (field: 'from' | 'to', value: string, message: string): never => {
    throw new ValidateError({ [field]: { message, value } }, message);
  };
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!DATE.test(value) || Number.isNaN(Date.parse(value)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
      refuse(field, value, `${value} is not a date (YYYY-MM-DD)`);
    }
  }
  if (to > now.toISOString().slice(0, 10)) refuse('to', to, `${to} is in the future; the report is known only up to today`);
  if (from > to) refuse('from', from, `from (${from}) is after to (${to})`);
  return { from, to };
}

@Route('reports')
@Tags('Reports')
export class ReportsController extends ApiController {
  /**
   * The supervisory council's report for the days `from`–`to` (UTC, both included): portfolio,
   * progress to target as of the end of `to`, what changed in the window, overdue and at-risk
   * indicators, and the audit sections. `format=csv` is one flat table (a `section` column
   * per row); `format=html` a printable A4 page with inline SVG charts.
   * @param from first day, YYYY-MM-DD
   * @param to last day, YYYY-MM-DD, not in the future
   * @param detail `investment` (default): the progress table, roll-up and status changes stop at
   * investment level; project indicators count in the totals and transitions and are listed
   * when overdue or at risk. `project`: every project indicator and project roll-up node too.
   * @summary Council report for a reporting window
   */
  @Get('council')
  @Security('jwt', ['council', 'auditor', 'admin', 'officer', 'approver'])
  @Produces('application/json')
  @Produces('text/csv')
  @Produces('text/html')
  @Response<Problem>(422, 'from or to unparseable, to in the future, or from after to')
  public async getCouncilReport(
    @Request() req: ExRequest,
    @Query() from: string,
    @Query() to: string,
    @Query() format: 'json' | 'csv' | 'html' = 'json',
    @Query() detail: ReportDetail = 'investment',
  ): Promise<CouncilReport | Readable> {
    const report = await this.app.reporting.councilReport(callerOf(req), parseWindow(from, to), detail);
    if (format === 'json') return report;
    const name = `council-report-${report.window.from}-${report.window.to}`;
    this.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8');
    if (format === 'csv') this.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
    return Readable.from([format === 'csv' ? councilReportCsv(report) : councilReportHtml(report)]);
  }

  /**
   * The events behind one total of the council report for the days `from`–`to`: the portfolio's
   * (`projects`, `approvedProjects`, `approvedCents`; with `fund`, that fund's row), the events
   * recorded in the window (`totalEvents`), or budget execution's (`planned` … `remaining`; with
   * `fund` the programme fund's row, with `source` the funding source's), as of the end of `to`.
   * @param from first day, YYYY-MM-DD
   * @param to last day, YYYY-MM-DD, not in the future
   * @param figure the total to explain
   * @param fund a programme fund's row (portfolio and budget execution)
   * @param source a funding source's row (budget execution)
   * @summary Explain a council report total
   */
  @Get('council/explain')
  @Security('jwt', ['council', 'auditor', 'admin', 'officer', 'approver'])
  @Response<Problem>(422, 'Bad window, unknown figure, or a fund or source the figure is not split by')
  public async explainCouncilReport(
    @Query() from: string,
    @Query() to: string,
    @Query() figure: CouncilFigure,
    @Query() fund?: string,
    @Query() source?: FundingSource,
  ): Promise<Explanation> {
    const window = parseWindow(from, to);
    const issues = councilScopeIssues({ figure, fund, source });
    if (issues.length) {
      const fields = Object.fromEntries(issues.map((i) => [i.field, { message: i.message, value: i.field === 'fund' ? fund : source }]));
      throw new ValidateError(fields, issues.map((i) => i.message).join('; '));
    }
    return this.app.explain.councilReport(window, { figure, fund, source });
  }
}
