import type { MikroORM } from '@mikro-orm/postgresql';

/** Projects of one status. */
export interface ProjectsByStatus {
  status: string;
  projects: number;
}

/** Projects of one fund, and the money their approved passports grant. */
export interface ProjectsByFund {
  fund: string;
  projects: number;
  approvedProjects: number;
  /** Sum of the approved passports' total financing, euro cents. */
  approvedCents: number;
}

/**
 * Projects by status and by fund as they stood at `asOf`: each project's latest status change
 * recorded by then, and for an approved one the total of the passport version approved (an
 * amendment being drafted, or one rejected, leaves the approved total in force).
 */
export async function portfolio(orm: MikroORM, asOf: Date): Promise<{ byStatus: ProjectsByStatus[]; byFund: ProjectsByFund[] }> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ fund: string; status: string; n: string; cents: string | null }[]>(
      `with latest as (
         select distinct on (project_id) project_id, stream_version, status
           from project_status_changes where recorded_at <= ? order by project_id, stream_version desc),
       approved as (
         select l.project_id,
                (select m.total_cents from project_money m
                  where m.project_id = l.project_id
                    and m.stream_version < (select max(a.stream_version) from project_status_changes a
                                             where a.project_id = l.project_id and a.event_type = 'PassportApproved.v1' and a.stream_version <= l.stream_version)
                  order by m.stream_version desc limit 1) as cents
           from latest l where l.status = 'approved')
       select p.fund, l.status, count(*) as n, sum(a.cents) as cents
         from latest l join projects p using (project_id) left join approved a using (project_id)
        group by p.fund, l.status`,
      [asOf],
    );
  const statuses = new Map<string, number>();
  const funds = new Map<string, ProjectsByFund>();
  for (const r of rows) {
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + Number(r.n));
    const f = funds.get(r.fund) ?? { fund: r.fund, projects: 0, approvedProjects: 0, approvedCents: 0 };
    funds.set(r.fund, f);
    f.projects += Number(r.n);
    if (r.status === 'approved') {
      f.approvedProjects += Number(r.n);
      f.approvedCents += Number(r.cents ?? 0);
    }
  }
  const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
  return { byStatus: byKey(new Map([...statuses].map(([status, projects]) => [status, { status, projects }]))), byFund: byKey(funds) };
}

/** Events recorded in a window, counted by stream type and event type. */
export interface EventCount {
  streamType: string;
  eventType: string;
  events: number;
}

/** `from` and `to` are dates (UTC days, both included). */
export async function eventsInWindow(orm: MikroORM, from: string, to: string): Promise<EventCount[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ stream_type: string; event_type: string; n: string }[]>(
      `select stream_type, event_type, sum(events) as n from council_activity
        where day between ?::date and ?::date group by stream_type, event_type order by stream_type, event_type`,
      [from, to],
    );
  return rows.map((r) => ({ streamType: r.stream_type, eventType: r.event_type, events: Number(r.n) }));
}

/** A project whose status at the end of the window differs from its status at the start. */
export interface ProjectStatusChange {
  projectId: string;
  title: string;
  fund: string;
  investment: string;
  /** The status at the window's start; absent when the project was drafted in the window. */
  from?: string;
  /** The status at the window's end. */
  to: string;
  /** How many status changes the project went through in the window (the auditor history lists them). */
  steps: number;
  /** The last of them, e.g. `PassportApproved.v1`, who made it and when. */
  event: string;
  actor: string;
  recordedAt: string;
}

/** Each project's net change of status over the window, in the order of its last change. */
export async function projectStatusChanges(orm: MikroORM, fromInstant: Date, toInstant: Date): Promise<ProjectStatusChange[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<
      {
        project_id: string;
        title_en: string;
        fund: string;
        investment: string;
        before: string | null;
        status: string;
        steps: string;
        event_type: string;
        actor: string;
        recorded_at: Date;
      }[]
    >(
      `with w as (select * from project_status_changes where recorded_at between ? and ?),
            span as (select project_id, min(stream_version) as first, count(*) as steps from w group by project_id),
            last as (select distinct on (project_id) * from w order by project_id, stream_version desc),
            net as (select l.*, s.steps,
                           (select b.status from project_status_changes b where b.project_id = l.project_id and b.stream_version < s.first
                             order by b.stream_version desc limit 1) as before
                      from last l join span s using (project_id))
       select n.project_id, p.title_en, p.fund, p.investment, n.before, n.status, n.steps, n.event_type, n.actor, n.recorded_at
         from net n join projects p using (project_id)
        where n.before is distinct from n.status
        order by n.recorded_at, n.project_id`,
      [fromInstant, toInstant],
    );
  return rows.map((r) => ({
    projectId: r.project_id,
    title: r.title_en,
    fund: r.fund,
    investment: r.investment,
    ...(r.before !== null ? { from: r.before } : {}),
    to: r.status,
    steps: Number(r.steps),
    event: r.event_type,
    actor: r.actor,
    recordedAt: new Date(r.recorded_at).toISOString(),
  }));
}

/** A passport event as the portfolio reads it (projection.ts `councilFacts`). */
export interface PassportFact {
  version: number;
  type: string;
  status?: string;
  totalCents?: number;
}

/**
 * One project's place in the portfolio after the given passport events (in version order): its
 * latest status, and for an approved project the total of the version approved (the last total
 * set before the latest approval). The rule of `portfolio`'s SQL for one project, so an
 * explanation can tell what each event changed; the explanation tests hold the two equal.
 */
export function portfolioStanding(facts: readonly PassportFact[]): PortfolioStanding {
  const changes = facts.filter((f) => f.status !== undefined);
  const latest = changes.at(-1);
  if (!latest) return { status: null, approvedCents: 0 };
  if (latest.status !== 'approved') return { status: latest.status!, approvedCents: 0 };
  const approval = changes.filter((f) => f.type === 'PassportApproved.v1' && f.version <= latest.version).at(-1);
  const money = approval ? facts.filter((f) => f.totalCents !== undefined && f.version < approval.version).at(-1) : undefined;
  return { status: 'approved', approvedCents: money?.totalCents ?? 0, ...(money ? { totalSetAt: money.version } : {}) };
}

export interface PortfolioStanding {
  /** The latest status; null before the first. */
  status: string | null;
  /** An approved project's approved total, euro cents; 0 otherwise. */
  approvedCents: number;
  /** The stream version whose financing set the approved total. */
  totalSetAt?: number;
}

/** The projects the portfolio counts at `asOf` (a status recorded by then), with their fund, optionally of one fund. */
export async function portfolioProjects(orm: MikroORM, asOf: Date, fund?: string): Promise<{ projectId: string; fund: string }[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ project_id: string; fund: string }[]>(
      `select distinct c.project_id, p.fund from project_status_changes c join projects p using (project_id)
        where c.recorded_at <= ?${fund === undefined ? '' : ' and p.fund = ?'} order by c.project_id`,
      fund === undefined ? [asOf] : [asOf, fund],
    );
  return rows.map((r) => ({ projectId: r.project_id, fund: r.fund }));
}

/** The streams that received events in a window of days (`from`, `to`: dates, both included). */
export async function streamsActiveInWindow(orm: MikroORM, from: string, to: string): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ stream_id: string }[]>(
      `select distinct stream_id from council_activity where day between ?::date and ?::date order by stream_id`,
      [from, to],
    );
  return rows.map((r) => r.stream_id);
}
