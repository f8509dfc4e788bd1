import {
  contributionTo,
  emptyLedgerContext,
  ledgerMovements,
  rememberLedger,
  type BudgetFigure,
  type Movement,
} from '../../projections/budget-execution/projection.js';
import {
  budgetExecution,
  FIGURE_FIELD,
  type BudgetExecutionQuery,
  type ExecutionMeasures,
} from '../../projections/budget-execution/queries.js';
import { councilFacts } from '../../projections/council-report/projection.js';
import {
  eventsInWindow,
  portfolio,
  portfolioProjects,
  portfolioStanding,
  streamsActiveInWindow,
  type PassportFact,
  type PortfolioStanding,
} from '../../projections/council-report/queries.js';
import {
  budgetByFund,
  budgetQueryAt,
  portfolioTotals,
  windowInstants,
  type ReportWindow,
} from '../../projections/council-report/report.js';
import { contributorsAmong, indicatorValues, PROGRESS_FIGURES, type ProgressFigure } from '../../projections/progress/evaluate.js';
import { historyEntryOf, type HistoryRow } from '../../projections/progress/projection.js';
import { progressAsOf, progressInput } from '../../projections/progress/queries.js';
import { projectListScope } from '../auth/scope.js';
import type { FundingSource } from '../domain/budget/content.js';
import { budgetStream, budgetStreamId } from '../domain/budget/decider.js';
import type { BudgetEvent } from '../domain/budget/events.js';
import { NotFound, ValidationFailed, type FieldIssue } from '../domain/errors.js';
import { indicatorStream, indicatorStreamId } from '../domain/indicator/decider.js';
import type { IndicatorEvent } from '../domain/indicator/events.js';
import { valuesAsOf } from '../domain/indicator/status.js';
import { passportStream, passportStreamId } from '../domain/passport/decider.js';
import type { AnyEvent } from '../domain/stream-types.js';
import type { StoredEvent } from '../eventstore/port.js';
import { comparePositions, formatPosition } from '../eventstore/position.js';
import type { Caller } from './caller.js';
import { readOwn } from './command.js';
import type { Deps } from './deps.js';
import type { Indicators } from './indicators.js';
import { visibleProject } from './passports.js';

/** Which read model a figure comes from. */
export type FigureKind = 'budget_execution' | 'progress' | 'council_report';

/** The totals of the council report that can be explained event by event. */
export type CouncilFigure =
  | 'projects'
  | 'approvedProjects'
  | 'approvedCents'
  | 'totalEvents'
  | 'planned'
  | 'contracted'
  | 'claimed'
  | 'verified'
  | 'paid'
  | 'corrected'
  | 'remaining';

/** What a figure is of: the filters of the figure's own endpoint that select it. */
export interface FigureScope {
  projectId?: string;
  indicatorId?: string;
  /** The programme's fund (RRF, ERDF, …). */
  fund?: string;
  programme?: string;
  period?: string;
  investment?: string;
  /** Funding source: an EU fund, the state budget (STATE) or own funds (OWN). */
  source?: FundingSource;
  /** The council report's window, both days included. */
  from?: string;
  to?: string;
}

/** The figure explained, as its own endpoint shows it. */
export interface ExplainedFigure {
  kind: FigureKind;
  name: string;
  scope: FigureScope;
  /** Where the figure's own endpoint shows it, e.g. `GET /budget-execution?projectId=… → bySource[source=RRF].paidCents`. */
  shownAt: string;
  /** The figure as its read model answers it (0 where the answer leaves it out). */
  value: number;
  /** `EUR cents`, an indicator's unit, `projects` or `events`. */
  unit: string;
}

/** One event behind a figure and what it adds to it. */
export interface FigureContribution {
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  /** @format date-time */
  recordedAt: string;
  /** Global position, `"<txid>.<seq>"`. */
  position: string;
  actor: string;
  role: string;
  organisation: string;
  /** Signed: what this event changed the figure by (cents are integers; indicator values may be decimal). */
  contribution: number;
  /** What the event was and why it counts this much. */
  note: string;
}

/** A figure and the events that make it up, in global order; `total` (their sum) equals `figure.value`. */
export interface Explanation {
  figure: ExplainedFigure;
  /** The instant the figure is for: only events recorded by then count. */
  asOf: string;
  contributions: FigureContribution[];
  /** The sum of the contributions, computed exactly. */
  total: number;
}

const COUNCIL_FIGURES: Readonly<Record<CouncilFigure, { section: 'portfolio' | 'changes' | 'budget'; unit: string }>> = {
  projects: { section: 'portfolio', unit: 'projects' },
  approvedProjects: { section: 'portfolio', unit: 'projects' },
  approvedCents: { section: 'portfolio', unit: 'EUR cents' },
  totalEvents: { section: 'changes', unit: 'events' },
  planned: { section: 'budget', unit: 'EUR cents' },
  contracted: { section: 'budget', unit: 'EUR cents' },
  claimed: { section: 'budget', unit: 'EUR cents' },
  verified: { section: 'budget', unit: 'EUR cents' },
  paid: { section: 'budget', unit: 'EUR cents' },
  corrected: { section: 'budget', unit: 'EUR cents' },
  remaining: { section: 'budget', unit: 'EUR cents' },
};

/** What a council report total may be split by: `fund` (portfolio, budget execution) or `source` (budget execution), not both. */
export function councilScopeIssues(q: { figure: CouncilFigure; fund?: string; source?: FundingSource }): FieldIssue[] {
  const { section } = COUNCIL_FIGURES[q.figure];
  const issues: FieldIssue[] = [];
  if (q.fund !== undefined && section === 'changes') issues.push({ field: 'fund', message: `${q.figure} is not split by fund` });
  if (q.source !== undefined && section !== 'budget') {
    issues.push({ field: 'source', message: `${q.figure} is not split by funding source` });
  } else if (q.source !== undefined && q.fund !== undefined) {
    issues.push({ field: 'source', message: 'the report splits budget execution by fund or by funding source, not by both' });
  }
  return issues;
}

/** Each portfolio total of one project, from its standing after some of its events. */
const PORTFOLIO_FIGURES: Readonly<Record<'projects' | 'approvedProjects' | 'approvedCents', (s: PortfolioStanding) => number>> = {
  projects: (s) => (s.status === null ? 0 : 1),
  approvedProjects: (s) => (s.status === 'approved' ? 1 : 0),
  approvedCents: (s) => s.approvedCents,
};

/** An event that counts, before it is put in order. */
interface Counted {
  e: StoredEvent;
  contribution: Dec;
  note: string;
}

/**
 * "Explain this figure": the events behind one figure of budget execution, progress to target or
 * the council report, each with what it adds. The figure's value is read from its read model (the
 * number its own endpoint shows); the contributions are computed from the events in the store with
 * the projection's own per-event rule (ledgerMovements, historyEntryOf with indicatorValues,
 * councilFacts), so a difference between `total` and `figure.value` is a real fault, or a read model
 * not yet caught up. Who may see a figure is decided as for its own endpoint.
 */
export class Explain {
  constructor(
    private readonly deps: Deps,
    private readonly indicators: Indicators,
  ) {}

  /**
   * A figure of `GET /budget-execution` with the same filters: the project's with `projectId`,
   * else the total of every project selected (an investment's with fund, programme, period and
   * code); with `source`, that funding source's row.
   */
  async budgetExecution(
    caller: Caller,
    q: Omit<BudgetExecutionQuery, 'asOf'> & { figure: BudgetFigure; source?: FundingSource; asOf?: Date },
  ): Promise<Explanation> {
    const { figure, source, asOf, ...filters } = q;
    if (filters.projectId !== undefined) await visibleProject(this.deps, caller.user, filters.projectId);
    const answer = await budgetExecution(this.deps.orm, { ...filters, ...(asOf ? { asOf } : {}) }, projectListScope(caller.user));
    if (filters.projectId !== undefined && answer.projects.length === 0) {
      throw new NotFound('Budget', asOf ? `${filters.projectId} as of ${asOf.toISOString()}` : filters.projectId);
    }
    const field = FIGURE_FIELD[figure];
    const row = source === undefined ? answer.total : answer.bySource.find((s) => s.source === source);
    const counted = await this.budgetContributions(
      answer.projects.map((p) => p.projectId),
      figure,
      source,
      asOf,
    );
    const selected = Object.entries(defined({ ...filters, asOf: asOf?.toISOString() })).map(([k, v]) => `${k}=${String(v)}`);
    const endpoint = `GET /budget-execution${selected.length ? `?${selected.join('&')}` : ''}`;
    return explanation(
      {
        kind: 'budget_execution',
        name: figure,
        scope: defined({ ...filters, source }),
        shownAt: `${endpoint} → ${source === undefined ? 'total' : `bySource[source=${source}]`}.${field}`,
        value: row?.[field] ?? 0,
        unit: 'EUR cents',
      },
      answer.asOf,
      counted,
    );
  }

  /** A value of an indicator's line of progress to target (`GET /indicators/{id}`'s `progress`, a line of `GET /progress`). */
  async progress(caller: Caller, indicatorId: string, q: { figure: ProgressFigure; asOf: Date }): Promise<Explanation> {
    await this.indicators.visible(caller.user, indicatorId);
    const { indicators } = await progressAsOf(this.deps.orm, { asOf: q.asOf, indicatorId }, null);
    const line = indicators.find((x) => x.indicatorId === indicatorId);
    const input = await progressInput(this.deps.orm, { asOf: q.asOf, indicatorId }, null);
    const row = input?.rows.find((r) => r.indicatorId === indicatorId);
    if (!line || !input || !row) throw new NotFound('Indicator', `${indicatorId} as of ${q.asOf.toISOString()}`);
    const rule = PROGRESS_FIGURES[q.figure];

    // The indicator's own stream (its definition sets the target) and, for a sum, its parts' streams.
    const contributorsOf = contributorsAmong(input.rows);
    const parts = row.contributingProjects.length ? contributorsOf(row) : [];
    const partOf = new Map(parts.map((p) => [p.indicatorId, p]));
    const streams = [indicatorId, ...parts.map((p) => p.indicatorId)];
    const events = (await Promise.all(streams.map((id) => readOwn(this.deps.store, indicatorStream, indicatorStreamId(id)))))
      .flat()
      .filter((e) => e.recordedAt.getTime() <= q.asOf.getTime())
      .sort((a, b) => comparePositions(a.position, b.position));

    // The figure after each event, by the read model's own rule; each event counts for the change it made.
    const history = new Map<string, HistoryRow[]>();
    let targetValue: number | null = null;
    const figureNow = (): Dec => {
      const values = indicatorValues(row, contributorsOf, (id) => valuesAsOf(history.get(id) ?? [], q.asOf));
      return dec(rule.ofValues(values, { targetValue }) ?? 0);
    };
    const unit = row.unitEn ?? 'reached (1) or not yet (0)';
    const counted: Counted[] = [];
    let before = figureNow();
    for (const e of events) {
      if (e.type === 'IndicatorDefined.v1') {
        if (e.streamId === indicatorStreamId(indicatorId)) targetValue = e.data.target.value;
      } else {
        const entry = historyEntryOf(e);
        const entries = history.get(entry.indicatorId) ?? [];
        if (entries.length === 0) history.set(entry.indicatorId, entries);
        entries.push(entry);
      }
      const after = figureNow();
      const change = minus(after, before);
      if (change.digits !== 0n) {
        const part = partOf.get(e.streamId.slice('indicator-'.length));
        const where = part ? `project ${part.projectId}, indicator ${part.code}: ` : '';
        counted.push({ e, contribution: change, note: `${where}${indicatorNote(e, unit)}; ${q.figure} ${num(before)} → ${num(after)}` });
      }
      before = after;
    }
    return explanation(
      {
        kind: 'progress',
        name: q.figure,
        scope: { indicatorId, ...(row.projectId ? { projectId: row.projectId } : {}) },
        shownAt: `GET /indicators/${indicatorId}?asOf=${q.asOf.toISOString()} → progress.${q.figure}.value`,
        value: rule.ofLine(line) ?? 0,
        unit,
      },
      q.asOf.toISOString(),
      counted,
    );
  }

  /**
   * A total of the council report for a window: the portfolio's (as of the window's end; with
   * `fund`, that fund's row), the events recorded in the window, or budget execution's (as of the
   * window's end; with `fund` the programme fund's row, with `source` the funding source's).
   */
  async councilReport(window: ReportWindow, q: { figure: CouncilFigure; fund?: string; source?: FundingSource }): Promise<Explanation> {
    const now = this.deps.clock();
    const { end } = windowInstants(window, now);
    const { section, unit } = COUNCIL_FIGURES[q.figure];
    const issues = councilScopeIssues(q);
    if (issues.length) throw new ValidationFailed(issues);
    const scope = defined({ from: window.from, to: window.to, fund: q.fund, source: q.source });
    const endpoint = `GET /reports/council?from=${window.from}&to=${window.to}`;

    if (section === 'portfolio') {
      const figure = q.figure as 'projects' | 'approvedProjects' | 'approvedCents';
      const folio = await portfolio(this.deps.orm, end);
      const row = q.fund === undefined ? portfolioTotals(folio.byFund) : folio.byFund.find((f) => f.fund === q.fund);
      const counted: Counted[] = [];
      for (const { projectId } of await portfolioProjects(this.deps.orm, end, q.fund)) {
        const events = (await readOwn(this.deps.store, passportStream, passportStreamId(projectId))).filter(
          (e) => e.recordedAt.getTime() <= end.getTime(),
        );
        const facts: PassportFact[] = [];
        let before = 0;
        for (const e of events) {
          const { status, totalCents } = councilFacts(e);
          facts.push({ version: e.version, type: e.type, status, totalCents });
          const standing = portfolioStanding(facts);
          const after = PORTFOLIO_FIGURES[figure](standing);
          if (after !== before) {
            const status = standing.status ?? 'none';
            const setAt = standing.totalSetAt === undefined ? '' : ` (financing of version ${standing.totalSetAt})`;
            const money = figure === 'approvedCents' ? `; approved total ${eur(before)} → ${eur(after)}${setAt}` : '';
            counted.push({ e, contribution: dec(after - before), note: `project ${projectId}: ${e.type}, status ${status}${money}` });
          }
          before = after;
        }
      }
      return explanation(
        {
          kind: 'council_report',
          name: q.figure,
          scope,
          shownAt: `${endpoint} → portfolio.${q.fund === undefined ? 'totals' : `byFund[fund=${q.fund}]`}.${figure}`,
          value: row?.[figure] ?? 0,
          unit,
        },
        end.toISOString(),
        counted,
      );
    }

    if (section === 'changes') {
      const value = (await eventsInWindow(this.deps.orm, window.from, window.to)).reduce((n, e) => n + e.events, 0);
      const counted: Counted[] = [];
      for (const streamId of await streamsActiveInWindow(this.deps.orm, window.from, window.to)) {
        const events: StoredEvent<AnyEvent>[] = await this.deps.store.readStream(streamId);
        for (const e of events) {
          const { day } = councilFacts(e);
          if (day >= window.from && day <= window.to) counted.push({ e, contribution: dec(1), note: `recorded on ${day}` });
        }
      }
      return explanation(
        { kind: 'council_report', name: q.figure, scope, shownAt: `${endpoint} → changes.totalEvents`, value, unit },
        end.toISOString(),
        counted,
      );
    }

    const figure = q.figure as BudgetFigure;
    const field = FIGURE_FIELD[figure];
    const budgetQuery = budgetQueryAt(end, now);
    const money = await budgetExecution(this.deps.orm, budgetQuery, null);
    const row: ExecutionMeasures | undefined =
      q.fund !== undefined
        ? budgetByFund(money.investments).find((f) => f.fund === q.fund)
        : q.source !== undefined
          ? money.bySource.find((s) => s.source === q.source)
          : money.total;
    const projects = money.projects.filter((p) => q.fund === undefined || p.fund === q.fund).map((p) => p.projectId);
    const where = q.fund !== undefined ? `byFund[fund=${q.fund}]` : q.source !== undefined ? `bySource[source=${q.source}]` : 'total';
    return explanation(
      {
        kind: 'council_report',
        name: q.figure,
        scope,
        shownAt: `${endpoint} → budgetExecution.${where}.${field}`,
        value: row?.[field] ?? 0,
        unit,
      },
      end.toISOString(),
      await this.budgetContributions(projects, figure, q.source, budgetQuery.asOf),
    );
  }

  /** Each budget event of the projects, with what its ledger movements add to the figure (of one source or all). */
  private async budgetContributions(
    projectIds: readonly string[],
    figure: BudgetFigure,
    source: FundingSource | undefined,
    asOf: Date | undefined,
  ): Promise<Counted[]> {
    const counted: Counted[] = [];
    for (const projectId of projectIds) {
      // The whole stream is folded, so an event's split sees what came before it, as the projection's did.
      const known = emptyLedgerContext();
      for (const e of await readOwn(this.deps.store, budgetStream, budgetStreamId(projectId))) {
        const movements = ledgerMovements(e, known);
        rememberLedger(known, e, movements);
        if (asOf && e.recordedAt.getTime() > asOf.getTime()) continue;
        const cents = contributionTo(figure, movements, source);
        if (cents !== 0) counted.push({ e, contribution: dec(cents), note: `project ${projectId}: ${budgetNote(e, movements, source)}` });
      }
    }
    return counted;
  }
}

function explanation(figure: ExplainedFigure, asOf: string, counted: Counted[]): Explanation {
  const ordered = [...counted].sort((a, b) => comparePositions(a.e.position, b.e.position));
  return {
    figure,
    asOf,
    contributions: ordered.map(({ e, contribution, note }) => ({
      eventId: e.id,
      streamId: e.streamId,
      version: e.version,
      type: e.type,
      recordedAt: e.recordedAt.toISOString(),
      position: formatPosition(e.position),
      actor: e.metadata.actor,
      role: e.metadata.role,
      organisation: e.metadata.organisation,
      contribution: num(contribution),
      note,
    })),
    total: num(ordered.reduce((sum, c) => plus(sum, c.contribution), dec(0))),
  };
}

const MEASURE_NAMES: Record<Movement['measure'], string> = {
  planned: 'planned',
  contracted: 'contracted',
  claimed: 'claimed',
  verified: 'verified eligible',
  paid: 'paid',
  corrected: 'corrected',
};

/** What a budget event was, and the movements it made (of the source asked for), in cents. */
function budgetNote(e: StoredEvent<BudgetEvent>, movements: readonly Movement[], source: FundingSource | undefined): string {
  const what = (() => {
    switch (e.type) {
      case 'BudgetOpened.v1':
        return `budget opened from passport version ${e.data.passportVersion}, ${eur(e.data.shares.reduce((n, p) => n + p.cents, 0))} in its fund shares`;
      case 'SupplierContractRegistered.v1':
        return `supplier contract with ${e.data.supplierRegNo} (${e.data.procurementId}), ${eur(e.data.amountCents)}, pro-rata to the fund shares`;
      case 'InvoiceSubmitted.v1':
        return `invoice ${e.data.number}`;
      case 'PaymentClaimSubmitted.v1':
        return `${e.data.kind} claim ${e.data.claimId}, ${e.data.items.length} item(s), pro-rata to each invoice's allocations`;
      case 'InvoiceVerified.v1':
        return `verification of invoice ${e.data.invoiceId} in claim ${e.data.claimId}: ${eur(e.data.eligibleCents)} eligible, ${eur(e.data.ineligibleCents)} ineligible, pro-rata to the invoice's allocations`;
      case 'ClaimPaid.v1':
        return `payment of claim ${e.data.claimId} on ${e.data.paidOn}, ${eur(e.data.amountCents)}, pro-rata to the claim's verified eligible split`;
      case 'FinancialCorrectionBooked.v1': {
        const by = e.data.source.kind === 'finding' ? `finding ${e.data.source.findingId}` : 'officer';
        return `financial correction (${by}) on cost line ${e.data.costLine}, ${eur(e.data.amountCents)} as booked per fund: ${e.data.reason}`;
      }
      default: {
        const exhaustive: never = e;
        return (exhaustive as { type: string }).type;
      }
    }
  })();
  const parts = movements
    .filter((m) => m.cents !== 0 && (source === undefined || m.source === source))
    .map((m) => `${MEASURE_NAMES[m.measure]} ${m.source} ${m.cents}`);
  return `${what}; ${parts.join(', ')} (cents)`;
}

function indicatorNote(e: StoredEvent<IndicatorEvent>, unit: string): string {
  switch (e.type) {
    case 'IndicatorDefined.v1':
      return `defined, target ${e.data.target.value ?? 'reached (1)'} by ${e.data.target.dueDate}`;
    case 'IndicatorValueReported.v1': {
      const d = e.data;
      const corrects = d.corrects === null ? '' : `, correcting report ${d.corrects}`;
      return `report ${d.report}: ${d.value} ${unit} as of ${d.asOfDate} (${d.qualifier})${corrects}`;
    }
    case 'IndicatorValueVerified.v1':
      return `report ${e.data.report} verified by ${e.data.verifiedBy}`;
    case 'IndicatorValueRejected.v1':
      return `report ${e.data.report} rejected by ${e.data.rejectedBy}: ${e.data.reason}`;
    default: {
      const exhaustive: never = e;
      return (exhaustive as { type: string }).type;
    }
  }
}

/** EUR with two decimals from cents, e.g. `EUR 1,000.00`. */
function eur(cents: number): string {
  const sign = cents < 0 ? '−' : '';
  const abs = Math.abs(cents);
  return `${sign}EUR ${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/*
 * Exact decimal arithmetic on numbers as written (their shortest decimal form), so the sum of
 * an indicator's changes is its value exactly, where binary floating point would drift.
 */

/** digits × 10^−scale. */
interface Dec {
  digits: bigint;
  scale: number;
}

function dec(n: number): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) throw new Error(`not a finite number: ${n}`);
  const fraction = m[3] ?? '';
  let digits = BigInt(m[2]! + fraction);
  let scale = fraction.length - Number(m[4] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: m[1] ? -digits : digits, scale };
}

function plus(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { digits: a.digits * 10n ** BigInt(scale - a.scale) + b.digits * 10n ** BigInt(scale - b.scale), scale };
}

const minus = (a: Dec, b: Dec): Dec => plus(a, { digits: -b.digits, scale: b.scale });

function num(d: Dec): number {
  const negative = d.digits < 0n;
  const text = (negative ? -d.digits : d.digits).toString().padStart(d.scale + 1, '0');
  const written = d.scale === 0 ? text : `${text.slice(0, -d.scale)}.${text.slice(-d.scale)}`;
  return Number(`${negative ? '-' : ''}${written}`);
}
