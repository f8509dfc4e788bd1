import { Readable } from 'node:stream';
import { Get, NoSecurity, Produces, Response, Route, Tags } from '@tsoa/runtime';
import type { Problem } from '../problem.js';
import type { Operation } from '../../application/open-data.js';
import { ApiController } from '../api-controller.js';
import { toCsv } from '../../application/csv.js';

const euro = (cents: number) => (cents / 100).toFixed(2);

/** One operation as a row of the published list. */
const operationRow = (o: Operation) => ({
  beneficiary_name: o.beneficiaryName,
  beneficiary_id: o.beneficiaryId,
  operation_name: o.operationName,
  operation_name_lv: o.operationNameLv,
  purpose: o.purpose,
  start_date: o.startDate,
  end_date: o.endDate,
  total_cost_eur: euro(o.totalCostCents),
  eu_cofinancing_rate_percent: o.euCofinancingRatePercent,
  location_postcode: o.postcode,
  location_country: o.country,
  intervention_field: o.interventionField,
  fund: o.fund,
  programme: o.programme,
  period: o.period,
  measure: o.investment,
  project_id: o.projectId,
});

/** Amounts in EUR with a decimal point and no grouping, dates `YYYY-MM-DD`, UTF-8, RFC 4180. */
const OPERATION_COLUMNS = [
  'beneficiary_name',
  'beneficiary_id',
  'operation_name',
  'operation_name_lv',
  'purpose',
  'start_date',
  'end_date',
  'total_cost_eur',
  'eu_cofinancing_rate_percent',
  'location_postcode',
  'location_country',
  'intervention_field',
  'fund',
  'programme',
  'period',
  'measure',
  'project_id',
] as const;
const RECIPIENT_COLUMNS = ['rank', 'recipient_name', 'recipient_id', 'projects', 'rrf_amount_eur'] as const;

/**
 * Open data: public by nature (CPR Art. 49, RRF Art. 22 require publication), so no token is
 * needed. Only approved passports appear; nothing of a draft or a rejected passport is shown.
 */
const TOO_MANY = 'More than OPEN_DATA_RATE_LIMIT requests a minute from your address (default 60); wait Retry-After seconds';

@Route('open-data')
@Tags('Open data')
export class OpenDataController extends ApiController {
  /**
   * The list of operations (CPR 2021/1060 Art. 49(3)), one row per approved project. Empty
   * columns are fields the passport does not hold: location postcode, intervention field,
   * and the co-financing rate outside RRF; the start date is the day of first approval.
   * @summary Open data: list of operations (CSV)
   */
  @Get('operations.csv')
  @NoSecurity()
  @Produces('text/csv')
  @Response<Problem>(429, TOO_MANY)
  public async getOpenDataOperations(): Promise<Readable> {
    return this.csv('operations.csv', toCsv(OPERATION_COLUMNS, (await this.app.reporting.operations()).map(operationRow)));
  }

  /**
   * The 100 final recipients receiving the most RRF funding (Reg. 2021/241 Art. 22(2)(d)), by approved passports' totals.
   * @summary Open data: top 100 RRF recipients (CSV)
   */
  @Get('rrf-top-recipients.csv')
  @NoSecurity()
  @Produces('text/csv')
  @Response<Problem>(429, TOO_MANY)
  public async getRrfTopRecipients(): Promise<Readable> {
    const rows = (await this.app.reporting.rrfTopRecipients()).map((r) => ({
      rank: r.rank,
      recipient_name: r.recipientName,
      recipient_id: r.recipientId,
      projects: r.projects,
      rrf_amount_eur: euro(r.amountCents),
    }));
    return this.csv('rrf-top-recipients.csv', toCsv(RECIPIENT_COLUMNS, rows));
  }

  private csv(filename: string, body: string): Readable {
    this.setHeader('Content-Type', 'text/csv; charset=utf-8');
    this.setHeader('Content-Disposition', `inline; filename="${filename}"`);
    return Readable.from([body]);
  }
}
