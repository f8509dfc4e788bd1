import type { MikroORM } from '@mikro-orm/postgresql';
import type { FundingSource } from '../../src/domain/budget/content.js';
import { figureCents, type BudgetFigure, type Measure } from './projection.js';

/** What to select; every filter is optional. */
export interface BudgetExecutionQuery {
  /** Only events recorded up to this instant count; absent: now (read from the running totals). */
  asOf?: Date;
  /** The programme's fund (RRF, ERDF, …), as on the passport's programme reference. */
  fund?: string;
  programme?: string;
  period?: string;
  /** Investment or measure code; unique only within (fund, programme, period). */
  investment?: string;
  projectId?: string;
}

/** Budget execution (budžeta izpilde) in euro cents. */
export interface ExecutionMeasures {
  /** The budget: passport total plus requested VAT, as the fund shares when opened. */
  plannedCents: number;
  /** Registered supplier contracts. */
  contractedCents: number;
  /** Claim items requested in payment claims (advances are not expenditure and are not counted). */
  claimedCents: number;
  /** Found eligible by the officers' verification of claimed invoices. */
  verifiedEligibleCents: number;
  /** Paid on claims, advances included. */
  paidCents: number;
  /** Financial corrections booked on the budget. */
  correctedCents: number;
  /** planned − (verified eligible − corrected): what is still available for eligible expenditure. */
  remainingCents: number;
}

/** The measures of one funding source (fund share) of a project, investment or of all. */
export interface SourceExecution extends ExecutionMeasures {
  /** Funding source: an EU fund, the state budget (STATE) or own funds (OWN). */
  source: FundingSource;
}

/** One project's budget execution. */
export interface ProjectExecution extends ExecutionMeasures {
  projectId: string;
  /** The programme reference of the budget (from the approved passport). */
  fund: string;
  programme: string;
  period: string;
  investment: string;
  /** Registration number of the recipient. */
  recipientOrg: string;
  /** When the budget was opened (recorded). */
  openedAt: string;
  /** Split by funding source; the sources add up to the project's figures. */
  bySource: SourceExecution[];
}

/** The selected projects of one investment (or measure), keyed by (fund, programme, period, code). */
export interface InvestmentExecution extends ExecutionMeasures {
  fund: string;
  programme: string;
  period: string;
  investment: string;
  projects: number;
  bySource: SourceExecution[];
}

/** Budget execution of the selected projects and its roll-ups. */
export interface BudgetExecution {
  /** The instant the figures are for. */
  asOf: string;
  projects: ProjectExecution[];
  investments: InvestmentExecution[];
  /** Every selected project by funding source. */
  bySource: SourceExecution[];
  total: ExecutionMeasures;
}

const COLUMN: Record<Measure, keyof Omit<ExecutionMeasures, 'remainingCents'>> = {
  planned: 'plannedCents',
  contracted: 'contractedCents',
  claimed: 'claimedCents',
  verified: 'verifiedEligibleCents',
  paid: 'paidCents',
  corrected: 'correctedCents',
};
const SOURCES: readonly FundingSource[] = ['RRF', 'ERDF', 'STATE', 'OWN'];

/** Where each figure (projection.ts `BUDGET_FIGURES`) appears in an answer. */
export const FIGURE_FIELD: Readonly<Record<BudgetFigure, keyof ExecutionMeasures>> = { ...COLUMN, remaining: 'remainingCents' };

interface BudgetRow {
  project_id: string;
  fund: string;
  programme: string;
  period: string;
  investment: string;
  recipient_org: string;
  opened_at: Date | string;
}

/**
 * Budget execution per project, investment and funding source, as the system knew it at
 * `q.asOf` (default now). `scope` (a beneficiary's organisation) keeps only projects where it is
 * the recipient or a partner (partners from the project list read model). Projects are ordered
 * by programme reference, then id; investments and sources by key.
 */
export async function budgetExecution(
  orm: MikroORM,
  q: BudgetExecutionQuery,
  scope: { partyOrganisation: string } | null,
): Promise<BudgetExecution> {
  const db = orm.em.fork().getConnection();
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.asOf) {
    where.push('opened_at <= ?');
    params.push(q.asOf);
  }
  for (const key of ['fund', 'programme', 'period', 'investment'] as const) {
    if (q[key] !== undefined) {
      where.push(`${key} = ?`);
      params.push(q[key]);
    }
  }
  if (q.projectId !== undefined) {
    where.push('project_id = ?::uuid');
    params.push(q.projectId);
  }
  if (scope) {
    where.push('project_id in (select project_id from projects where recipient_org = ? or ? = any(partner_orgs))');
    params.push(scope.partyOrganisation, scope.partyOrganisation);
  }
  const budgets = await db.execute<BudgetRow[]>(
    `select project_id, fund, programme, period, investment, recipient_org, opened_at from be_budgets
      ${where.length ? `where ${where.join(' and ')}` : ''} order by fund, programme, period, investment, project_id`,
    params,
  );
  const ids = `{${budgets.map((b) => b.project_id).join(',')}}`;
  const sums =
    budgets.length === 0
      ? []
      : q.asOf
        ? await db.execute<{ project_id: string; measure: Measure; source: FundingSource; cents: string }[]>(
            `select project_id, measure, source, sum(cents) as cents from be_ledger
          where project_id = any(?::uuid[]) and recorded_at <= ? group by project_id, measure, source`,
            [ids, q.asOf],
          )
        : await db.execute<{ project_id: string; measure: Measure; source: FundingSource; cents: string }[]>(
            `select project_id, measure, source, cents from be_totals where project_id = any(?::uuid[])`,
            [ids],
          );

  const bySourceOf = new Map<string, Map<FundingSource, Omit<ExecutionMeasures, 'remainingCents'>>>();
  for (const s of sums) {
    const perSource = bySourceOf.get(s.project_id) ?? new Map<FundingSource, Omit<ExecutionMeasures, 'remainingCents'>>();
    const m = perSource.get(s.source) ?? zero();
    m[COLUMN[s.measure]] += Number(s.cents);
    perSource.set(s.source, m);
    bySourceOf.set(s.project_id, perSource);
  }
  const projects: ProjectExecution[] = budgets.map((b) => {
    const bySource = sourcesOf([...(bySourceOf.get(b.project_id)?.entries() ?? [])].map(([source, m]) => ({ source, ...m })));
    return {
      projectId: b.project_id,
      fund: b.fund,
      programme: b.programme,
      period: b.period,
      investment: b.investment,
      recipientOrg: b.recipient_org,
      openedAt: new Date(b.opened_at).toISOString(),
      ...total(bySource),
      bySource,
    };
  });
  const investments = new Map<string, ProjectExecution[]>();
  for (const p of projects) {
    const key = JSON.stringify([p.fund, p.programme, p.period, p.investment]);
    investments.set(key, [...(investments.get(key) ?? []), p]);
  }
  const allSources = sourcesOf(projects.flatMap((p) => p.bySource));
  return {
    asOf: (q.asOf ?? new Date()).toISOString(),
    projects,
    investments: [...investments.values()].map((ps) => {
      const bySource = sourcesOf(ps.flatMap((p) => p.bySource));
      const { fund, programme, period, investment } = ps[0]!;
      return { fund, programme, period, investment, projects: ps.length, ...total(bySource), bySource };
    }),
    bySource: allSources,
    total: total(allSources),
  };
}

const zero = (): Omit<ExecutionMeasures, 'remainingCents'> => ({
  plannedCents: 0,
  contractedCents: 0,
  claimedCents: 0,
  verifiedEligibleCents: 0,
  paidCents: 0,
  correctedCents: 0,
});

const withRemaining = <T extends Omit<ExecutionMeasures, 'remainingCents'>>(m: T): T & { remainingCents: number } => ({
  ...m,
  remainingCents: figureCents('remaining', (measure) => m[COLUMN[measure]]),
});

/** Sums rows of the same source, in the fixed source order. */
function sourcesOf(rows: readonly (Omit<ExecutionMeasures, 'remainingCents'> & { source: FundingSource })[]): SourceExecution[] {
  return SOURCES.flatMap((source) => {
    const mine = rows.filter((r) => r.source === source);
    return mine.length ? [{ source, ...withRemaining(add(mine)) }] : [];
  });
}

function total(rows: readonly Omit<ExecutionMeasures, 'remainingCents'>[]): ExecutionMeasures {
  return withRemaining(add(rows));
}

function add(rows: readonly Omit<ExecutionMeasures, 'remainingCents'>[]): Omit<ExecutionMeasures, 'remainingCents'> {
  const sum = zero();
  for (const r of rows) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r[k];
  return sum;
}
