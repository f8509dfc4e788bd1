import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { listAlerts, type DuplicateAlertView } from '../double-funding/queries.js';
import { listFindings } from '../findings/queries.js';
import type { BilingualName } from '../../src/domain/fund/events.js';
import { PROGRESS_STATUSES, type ProgressStatus } from '../../src/domain/indicator/status.js';
import { evaluate, type IndicatorProgress, type RollupNode, type StatusCounts } from '../progress/evaluate.js';
import { progressInput, restrictTo } from '../progress/queries.js';
import { eventsInWindow, portfolio, projectStatusChanges, type EventCount, type ProjectStatusChange, type ProjectsByFund, type ProjectsByStatus } from './queries.js';

/** A section whose read model does not exist yet: said so, never filled with made-up rows. */
export interface SectionNotYetAvailable {
  available: false;
  reason: string;
}

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
export interface AvailableSection<T> {
  available: true;
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

/** The supervisory council's report (uzraudzības padomes ziņojums) for a window of days. */
export interface CouncilReport {
  /** Both days included (UTC). */
  window: { from: string; to: string };
  generatedAt: string;
  /** Projects by status and fund, and the money approved (approved passports' totals), as the project list stands now. */
  portfolio: {
    byStatus: ProjectsByStatus[];
    byFund: ProjectsByFund[];
    totals: { projects: number; approvedProjects: number; approvedCents: number };
  };
  /** Progress to target as the system knew it at the end of `to`. */
  progress: {
    asOf: string;
    statusCounts: StatusCounts;
    indicators: IndicatorProgress[];
    rollup: RollupNode[];
  };
  /** What happened in the window. */
  changes: {
    /** Events recorded in the window, by stream type and event type. */
    events: EventCount[];
    totalEvents: number;
    projectStatusChanges: ProjectStatusChange[];
    indicatorStatusChanges: IndicatorStatusChange[];
  };
  /** Indicators due and not met at the end of the window (from the progress table). */
  overdue: IndicatorProgress[];
  /** Indicators whose needed pace is above their recent pace. */
  atRisk: IndicatorProgress[];
  /** Audit findings not closed, as the findings read model stands now; not available without it. */
  openAuditFindings: AvailableSection<OpenFinding> | SectionNotYetAvailable;
  /** Double-funding alerts no officer has decided yet (dubultfinansējuma brīdinājumi), as they stand now. */
  doubleFundingAlerts: AvailableSection<DuplicateAlertView> | SectionNotYetAvailable;
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

/** Where the audit sections come from; a section without its source says it is not available. */
export interface ReportSources {
  orm: MikroORM;
  /** The double-funding rules run over their read model (see projections/double-funding). */
  doubleFunding?: { pool: pg.Pool; nearDays: number };
}

/** Assembles the report; statuses come from the progress read model's own evaluation. */
export async function councilReport(sources: ReportSources, w: ReportWindow, now = new Date()): Promise<CouncilReport> {
  const { orm } = sources;
  const { start, end } = windowInstants(w, now);
  const [folio, events, projectChanges, input, findings, alerts] = await Promise.all([
    portfolio(orm),
    eventsInWindow(orm, w.from, w.to),
    projectStatusChanges(orm, start, end),
    progressInput(orm, { asOf: end }, null),
    openFindings(orm, w.to),
    sources.doubleFunding ? listAlerts(sources.doubleFunding.pool, { status: 'open' }, sources.doubleFunding.nearDays) : null,
  ]);
  const atEnd = input ? evaluate(input) : { indicators: [], rollup: [] };
  // The same input seen from just before the window: what the council was last told.
  const before = input ? evaluate(restrictTo(input, new Date(start.getTime() - 1))).indicators : [];
  const statusBefore = new Map(before.map((x) => [x.indicatorId, x.status]));
  const statusCounts = Object.fromEntries(PROGRESS_STATUSES.map((s) => [s, 0])) as unknown as StatusCounts;
  for (const x of atEnd.indicators) statusCounts[x.status] += 1;
  const indicatorChanges: IndicatorStatusChange[] = atEnd.indicators
    .filter((x) => statusBefore.get(x.indicatorId) !== x.status)
    .map((x) => ({
      indicatorId: x.indicatorId,
      code: x.code,
      name: x.name,
      investment: x.investment,
      ...(x.projectId ? { projectId: x.projectId } : {}),
      from: statusBefore.get(x.indicatorId) ?? 'not_defined',
      to: x.status,
    }));
  const totals = folio.byFund.reduce(
    (t, f) => ({ projects: t.projects + f.projects, approvedProjects: t.approvedProjects + f.approvedProjects, approvedCents: t.approvedCents + f.approvedCents }),
    { projects: 0, approvedProjects: 0, approvedCents: 0 },
  );
  const pending = (what: string): SectionNotYetAvailable => ({ available: false, reason: `not yet available: the ${what} read model does not exist yet` });
  return {
    window: { from: w.from, to: w.to },
    generatedAt: now.toISOString(),
    portfolio: { ...folio, totals },
    progress: { asOf: end.toISOString(), statusCounts, indicators: atEnd.indicators, rollup: atEnd.rollup },
    changes: {
      events,
      totalEvents: events.reduce((n, e) => n + e.events, 0),
      projectStatusChanges: projectChanges,
      indicatorStatusChanges: indicatorChanges,
    },
    overdue: atEnd.indicators.filter((x) => x.status === 'overdue'),
    atRisk: atEnd.indicators.filter((x) => x.status === 'at_risk'),
    openAuditFindings: { available: true, items: findings },
    doubleFundingAlerts: alerts ? { available: true, items: alerts } : pending('double-funding alerts'),
  };
}

/** Every finding not closed, oldest first, paged through the findings query. */
async function openFindings(orm: MikroORM, lastDay: string): Promise<OpenFinding[]> {
  const open: OpenFinding[] = [];
  for (let after: string | undefined; ; ) {
    const page = await listFindings(orm, { limit: 1000, ...(after ? { after } : {}) }, null);
    for (const f of page.filter((x) => x.status !== 'closed')) {
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
    after = page.at(-1)!.findingId;
  }
}
