import type { IndicatorProgress } from '../../../projections/progress/evaluate.js';
import type { ExecutionMeasures } from '../../../projections/budget-execution/queries.js';
import type { CouncilReport } from '../../../projections/council-report/report.js';
import { toCsv } from '../../application/csv.js';

/**
 * The council report as one flat CSV table (RFC 4180, CRLF, header first). Every row names
 * its `section`; each section fills only the columns it needs, the rest stay empty:
 *
 * | section | columns used |
 * |---|---|
 * | `window` | date_from, date_to, as_of |
 * | `portfolio_status` | status, count |
 * | `portfolio_fund` | fund, count (projects), approved_count, amount_cents (approved) |
 * | `progress`, `overdue`, `at_risk` | indicator columns: indicator_id, fund, investment, project_id, code, name, kind, unit, target, due_date, verified, percent_of_target, status |
 * | `event_count` | stream_type, event_type, count |
 * | `project_status_change` | project_id, name (title), fund, investment, previous_status (at the start), status (at the end), count (steps), event_type, actor, recorded_at (of the last step) |
 * | `indicator_status_change` | indicator_id, code, name, investment, project_id, previous_status, status |
 * | `indicator_status_transition` | level, previous_status, status, count (indicators) |
 * | `budget_execution` | level (`fund`, `investment`, `source` or `total`), fund, investment, category (funding source), count (projects), planned_cents … remaining_cents |
 * | `audit_finding` | item_id (finding), project_id, category, severity, status, amount_cents (at risk), due_date (action deadline), previous_status (`action_overdue` or empty), recorded_at (raised), count (1 if reportable onwards, else 0) |
 * | `double_funding_alert` | item_id (alert), category (rule), project_id (space-separated), status, amount_cents (at risk), note (what it is about) |
 *
 * Amounts are euro cents, names English, numbers plain (no thousands separators).
 */
export const COUNCIL_CSV_COLUMNS = [
  'section',
  'date_from',
  'date_to',
  'as_of',
  'fund',
  'investment',
  'project_id',
  'indicator_id',
  'code',
  'name',
  'kind',
  'unit',
  'target',
  'due_date',
  'verified',
  'percent_of_target',
  'previous_status',
  'status',
  'stream_type',
  'event_type',
  'count',
  'approved_count',
  'amount_cents',
  'actor',
  'recorded_at',
  'item_id',
  'category',
  'severity',
  'note',
  'level',
  'planned_cents',
  'contracted_cents',
  'claimed_cents',
  'verified_eligible_cents',
  'paid_cents',
  'corrected_cents',
  'remaining_cents',
] as const;

type Column = (typeof COUNCIL_CSV_COLUMNS)[number];
type Row = Partial<Record<Column, string | number | undefined>>;

const measures = (m: ExecutionMeasures): Row => ({
  planned_cents: m.plannedCents,
  contracted_cents: m.contractedCents,
  claimed_cents: m.claimedCents,
  verified_eligible_cents: m.verifiedEligibleCents,
  paid_cents: m.paidCents,
  corrected_cents: m.correctedCents,
  remaining_cents: m.remainingCents,
});

const indicatorRow = (section: string, x: IndicatorProgress): Row => ({
  section,
  indicator_id: x.indicatorId,
  fund: x.fund,
  investment: x.investment,
  project_id: x.projectId,
  code: x.code,
  name: x.name.en,
  kind: x.kind,
  unit: x.unit?.en,
  target: x.target.value,
  due_date: x.target.dueDate,
  verified: x.verified?.value,
  percent_of_target: x.percentOfTarget,
  status: x.status,
});

export function councilReportRows(r: CouncilReport): Row[] {
  const c = r.changes;
  return [
    { section: 'window', date_from: r.window.from, date_to: r.window.to, as_of: r.progress.asOf },
    ...r.portfolio.byStatus.map((s) => ({ section: 'portfolio_status', status: s.status, count: s.projects })),
    ...r.portfolio.byFund.map((f) => ({
      section: 'portfolio_fund',
      fund: f.fund,
      count: f.projects,
      approved_count: f.approvedProjects,
      amount_cents: f.approvedCents,
    })),
    ...r.progress.indicators.map((x) => indicatorRow('progress', x)),
    ...c.events.map((e) => ({ section: 'event_count', stream_type: e.streamType, event_type: e.eventType, count: e.events })),
    ...c.projectStatusChanges.map((p) => ({
      section: 'project_status_change',
      project_id: p.projectId,
      name: p.title,
      fund: p.fund,
      investment: p.investment,
      previous_status: p.from,
      status: p.to,
      count: p.steps,
      event_type: p.event,
      actor: p.actor,
      recorded_at: p.recordedAt,
    })),
    ...c.indicatorStatusChanges.map((x) => ({
      section: 'indicator_status_change',
      indicator_id: x.indicatorId,
      code: x.code,
      name: x.name.en,
      investment: x.investment,
      project_id: x.projectId,
      previous_status: x.from,
      status: x.to,
    })),
    ...c.indicatorStatusTransitions.map((t) => ({
      section: 'indicator_status_transition',
      level: t.level,
      previous_status: t.from,
      status: t.to,
      count: t.indicators,
    })),
    ...r.overdue.map((x) => indicatorRow('overdue', x)),
    ...r.atRisk.map((x) => indicatorRow('at_risk', x)),
    ...r.budgetExecution.byFund.map((f) => ({
      section: 'budget_execution',
      level: 'fund',
      fund: f.fund,
      count: f.projects,
      ...measures(f),
    })),
    ...r.budgetExecution.investments.map((i) => ({
      section: 'budget_execution',
      level: 'investment',
      fund: i.fund,
      investment: i.investment,
      count: i.projects,
      ...measures(i),
    })),
    ...r.budgetExecution.bySource.map((x) => ({ section: 'budget_execution', level: 'source', category: x.source, ...measures(x) })),
    { section: 'budget_execution', level: 'total', ...measures(r.budgetExecution.total) },
    ...r.openAuditFindings.items.map((f) => ({
      section: 'audit_finding',
      item_id: f.findingId,
      project_id: f.projectId,
      category: f.category,
      severity: f.severity,
      status: f.status,
      amount_cents: f.amountAtRiskCents,
      due_date: f.deadline,
      previous_status: f.actionOverdue ? 'action_overdue' : undefined,
      recorded_at: f.raisedAt,
      count: f.reportable ? 1 : 0,
    })),
    ...r.doubleFundingAlerts.items.map((a) => ({
      section: 'double_funding_alert',
      item_id: a.alertId,
      category: a.rule,
      project_id: a.projectIds.join(' '),
      status: a.status,
      amount_cents: a.amountAtRiskCents,
      note: a.key,
    })),
  ];
}

export function councilReportCsv(r: CouncilReport): string {
  return toCsv(COUNCIL_CSV_COLUMNS, councilReportRows(r));
}
