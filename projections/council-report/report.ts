import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { budgetExecution, type ExecutionMeasures, type InvestmentExecution, type SourceExecution } from '../budget-execution/queries.js';
import { queryAlerts, type DuplicateAlertView } from '../double-funding/queries.js';
import { listFindings, type FindingKey } from '../findings/queries.js';
import type { BilingualName } from '../../src/domain/fund/events.js';
import { PROGRESS_STATUSES, type ProgressStatus } from '../../src/domain/indicator/status.js';
import { evaluate, inTableOrder, progressTable, type IndicatorProgress, type RollupNode, type StatusCounts } from '../progress/evaluate.js';
import { progressInput, restrictTo } from '../progress/queries.js';
import {
  eventsInWindow,
  portfolio,
  projectStatusChanges,
  type EventCount,
  type ProjectStatusChange,
  type ProjectsByFund,
  type ProjectsByStatus,
} from './queries.js';

/** An audit finding not yet closed (revīzijas konstatējums), from the findings read model. */
export interface OpenFinding {
  findingId: string;
  projectId: string;
  category: string;
  severity: string;
  status: string;
  amountAtRiskCents: number;
  /** EU share above EUR 10,000: reported onwards as an irregularity. */
  reportable: boolean;
  /** Deadline of the corrective action, `YYYY-MM-DD`, if one is set. */
  deadline?: string;
  /** The deadline has passed at the end of the window. */
  actionOverdue: boolean;
  raisedAt: string;
}

/** A section filled from another read model, as it stands when the report is made. */
export interface ReportSection<T> {
  items: T[];
}

/** An indicator whose status differs between the window's start and its end. */
export interface IndicatorStatusChange {
  indicatorId: string;
  code: string;
  name: BilingualName;
  investment: string;
  projectId?: string;
  /** Status at the start of the window; `not_defined` when the indicator did not exist yet. */
  from: ProgressStatus | 'not_defined';
  to: ProgressStatus;
}

/** Budget execution of one programme fund (all its projects). */
export interface FundExecution extends ExecutionMeasures {
  fund: string;
  projects: number;
}

/** Budget execution (budžeta izpilde) as the system knew it at the end of the window. */
export interface BudgetExecutionSection {
  asOf: string;
  byFund: FundExecution[];
  investments: InvestmentExecution[];
  /** By funding source: EU funds, state budget, own funds. */
  bySource: SourceExecution[];
  total: ExecutionMeasures;
}

/** How many indicators of a level moved from one status to another in the window. */
export interface IndicatorStatusTransition {
  level: 'investment' | 'project';
  /** `not_defined` when the indicators did not exist at the window's start. */
  from: ProgressStatus | 'not_defined';
  to: ProgressStatus;
  indicators: number;
}

/**
 * How far down the report's lists go. `investment` (the default): the progress table, the
 * roll-up and the list of status changes stop at investment level — the targets the money
 * depends on — while project indicators appear in the counts, in the transitions and, when
 * overdue or at risk, in those lists. `project` adds every project indicator and project
 * roll-up node (for 10,000 projects that is tens of megabytes; GET /progress filters them by investment or project).
 */
export type ReportDetail = 'investment' | 'project';

/** The supervisory council's report (uzraudzības padomes ziņojums) for a window of days. */
export interface CouncilReport {
  /** Both days included (UTC). */
  window: { from: string; to: string };
  generatedAt: string;
  /** Projects by status and fund, and the money approved (approved passports' totals), as they stood at the end of `to`. */
  portfolio: {
    byStatus: ProjectsByStatus[];
    byFund: ProjectsByFund[];
    totals: { projects: number; approvedProjects: number; approvedCents: number };
  };
  /** Progress to target as the system knew it at the end of `to`. */
  progress: {
    asOf: string;
    detail: ReportDetail;
    /** Over every indicator, whatever the detail. */
    statusCounts: StatusCounts;
    indicators: IndicatorProgress[];
    rollup: RollupNode[];
  };
  /** What happened in the window. */
  changes: {
    /** Events recorded in the window, by stream type and event type. */
    events: EventCount[];
    totalEvents: number;
    /** Projects whose status differs between the window's start and end, one line each. */
    projectStatusChanges: ProjectStatusChange[];
    /** Indicators at the report's detail level whose status changed. */
    indicatorStatusChanges: IndicatorStatusChange[];
    /** Every indicator's change of status, counted by level, from and to. */
    indicatorStatusTransitions: IndicatorStatusTransition[];
  };
  /** Indicators due and not met at the end of the window, at every level. */
  overdue: IndicatorProgress[];
  /** Indicators whose needed pace is above their recent pace, at every level. */
  atRisk: IndicatorProgress[];
  /** Planned, contracted, claimed, verified eligible, paid, corrected and remaining money per fund, investment and funding source. */
  budgetExecution: BudgetExecutionSection;
  /** Audit findings raised and not closed at the end of the window (their status as it stands now); not available without the read model. */
  openAuditFindings: ReportSection<OpenFinding>;
  /** Double-funding alerts no officer has decided yet (dubultfinansējuma brīdinājumi), as they stand now. */
  doubleFundingAlerts: ReportSection<DuplicateAlertView>;
}

export interface ReportWindow {
  /** First day, `YYYY-MM-DD`. */
  from: string;
  /** Last day, `YYYY-MM-DD`. */
  to: string;
}

/** Start of the first day and end of the last (UTC); the end is capped at `now`. */
export function windowInstants(w: ReportWindow, now: Date): { start: Date; end: Date } {
  const end = new Date(`${w.to}T23:59:59.999Z`);
  return { start: new Date(`${w.from}T00:00:00.000Z`), end: end > now ? now : end };
}

/** The budget execution the report shows: a window ending now reads the running totals; an earlier end sums the ledger up to it. */
export function budgetQueryAt(end: Date, now: Date): { asOf?: Date } {
  return end.getTime() >= now.getTime() ? {} : { asOf: end };
}

/** Where the report's sections come from. */
export interface ReportSources {
  orm: MikroORM;
  /** The double-funding rules run over their read model (see projections/double-funding). */
  doubleFunding: { pool: pg.Pool };
}

/** Assembles the report; statuses come from the progress read model's own evaluation. */
export async function councilReport(
  sources: ReportSources,
  w: ReportWindow,
  now = new Date(),
  detail: ReportDetail = 'investment',
): Promise<CouncilReport> {
  const { orm } = sources;
  const { start, end } = windowInstants(w, now);
  const [folio, events, projectChanges, [input, inputBefore], findings, alerts, money] = await Promise.all([
    portfolio(orm, end),
    eventsInWindow(orm, w.from, w.to),
    projectStatusChanges(orm, start, end),
    // At the end, and as the system stood just before the window: what the council was last told.
    progressInput(orm, { asOf: end }, null).then(async (i) => [i, i && (await restrictTo(orm, i, new Date(start.getTime() - 1)))] as const),
    openFindings(orm, w.to, end),
    // The alerts read model, as the officers' queue reads it: every open alert, strongest rule first.
    queryAlerts(sources.doubleFunding.pool, { filter: { status: 'open' }, sort: 'rule', limit: null }),
    budgetExecution(orm, budgetQueryAt(end, now), null),
  ]);
  const atEnd = input ? evaluate(input, { projectNodes: detail === 'project' }) : { indicators: [], rollup: [] };
  const before = inputBefore ? progressTable(inputBefore) : [];
  const statusBefore = new Map(before.map((x) => [x.indicatorId, x.status]));
  const statusCounts: StatusCounts = { achieved: 0, on_track: 0, at_risk: 0, overdue: 0, not_started: 0 };
  const shown = (x: { level: string }) => detail === 'project' || x.level !== 'project';
  const transitions = new Map<string, IndicatorStatusTransition>();
  for (const x of atEnd.indicators) {
    statusCounts[x.status] += 1;
    const from = statusBefore.get(x.indicatorId) ?? 'not_defined';
    if (from === x.status) continue;
    const key = `${x.level} ${from} ${x.status}`;
    const t = transitions.get(key) ?? { level: x.level, from, to: x.status, indicators: 0 };
    transitions.set(key, t);
    t.indicators += 1;
  }
  // Only the lines the report lists are put in table order (for 50,000 indicators, far fewer).
  const listed = inTableOrder(atEnd.indicators.filter((x) => shown(x) || x.status === 'overdue' || x.status === 'at_risk'));
  const table = listed.filter(shown);
  const indicatorChanges: IndicatorStatusChange[] = [];
  for (const x of table) {
    const from = statusBefore.get(x.indicatorId) ?? 'not_defined';
    if (from === x.status) continue;
    indicatorChanges.push({
      indicatorId: x.indicatorId,
      code: x.code,
      name: x.name,
      investment: x.investment,
      ...(x.projectId ? { projectId: x.projectId } : {}),
      from,
      to: x.status,
    });
  }
  const order = ['not_defined', ...PROGRESS_STATUSES];
  const indicatorTransitions = [...transitions.values()].sort(
    (a, b) => a.level.localeCompare(b.level) || order.indexOf(a.from) - order.indexOf(b.from) || order.indexOf(a.to) - order.indexOf(b.to),
  );
  const totals = portfolioTotals(folio.byFund);
  return {
    window: { from: w.from, to: w.to },
    generatedAt: now.toISOString(),
    portfolio: { ...folio, totals },
    progress: { asOf: end.toISOString(), detail, statusCounts, indicators: table, rollup: atEnd.rollup },
    changes: {
      events,
      totalEvents: events.reduce((n, e) => n + e.events, 0),
      projectStatusChanges: projectChanges,
      indicatorStatusChanges: indicatorChanges,
      indicatorStatusTransitions: indicatorTransitions,
    },
    overdue: listed.filter((x) => x.status === 'overdue'),
    atRisk: listed.filter((x) => x.status === 'at_risk'),
    budgetExecution: {
      asOf: money.asOf,
      byFund: budgetByFund(money.investments),
      investments: money.investments,
      bySource: money.bySource,
      total: money.total,
    },
    openAuditFindings: { items: findings },
    doubleFundingAlerts: { items: alerts },
  };
}

/** The portfolio's totals over every fund. */
export function portfolioTotals(byFund: readonly ProjectsByFund[]): CouncilReport['portfolio']['totals'] {
  return byFund.reduce(
    (t, f) => ({
      projects: t.projects + f.projects,
      approvedProjects: t.approvedProjects + f.approvedProjects,
      approvedCents: t.approvedCents + f.approvedCents,
    }),
    { projects: 0, approvedProjects: 0, approvedCents: 0 },
  );
}

/** Investments' figures summed per programme fund. */
export function budgetByFund(investments: readonly InvestmentExecution[]): FundExecution[] {
  const funds = new Map<string, FundExecution>();
  for (const i of investments) {
    const f = funds.get(i.fund) ?? {
      fund: i.fund,
      projects: 0,
      plannedCents: 0,
      contractedCents: 0,
      claimedCents: 0,
      verifiedEligibleCents: 0,
      paidCents: 0,
      correctedCents: 0,
      remainingCents: 0,
    };
    funds.set(i.fund, f);
    f.projects += i.projects;
    for (const k of MEASURES) f[k] += i[k];
  }
  return [...funds.values()].sort((a, b) => (a.fund < b.fund ? -1 : a.fund > b.fund ? 1 : 0));
}

const MEASURES = [
  'plannedCents',
  'contractedCents',
  'claimedCents',
  'verifiedEligibleCents',
  'paidCents',
  'correctedCents',
  'remainingCents',
] as const satisfies readonly (keyof ExecutionMeasures)[];

/** Every finding raised and not yet closed at the window's end, oldest first (status as it stands now). */
async function openFindings(orm: MikroORM, lastDay: string, end: Date): Promise<OpenFinding[]> {
  const open: OpenFinding[] = [];
  const openAtEnd = (f: { raisedAt: Date; closedAt: Date | null }) => f.raisedAt <= end && (f.closedAt === null || f.closedAt > end);
  for (let after: FindingKey | undefined; ;) {
    const page = await listFindings(orm, { limit: 1000, ...(after ? { after } : {}) }, null);
    for (const f of page.filter(openAtEnd)) {
      open.push({
        findingId: f.findingId,
        projectId: f.projectId,
        category: f.category,
        severity: f.severity,
        status: f.status,
        amountAtRiskCents: Number(f.amountAtRiskCents),
        reportable: f.reportable,
        ...(f.deadline ? { deadline: f.deadline } : {}),
        actionOverdue: f.deadline !== null && f.deadline < lastDay,
        raisedAt: f.raisedAt.toISOString(),
      });
    }
    if (page.length < 1000) return open;
    const last = page.at(-1)!;
    after = { raisedAt: last.raisedAt.toISOString(), findingId: last.findingId };
  }
}
