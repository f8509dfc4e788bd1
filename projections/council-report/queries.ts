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

/** Projects by status and by fund, from the project list read model (as it stands now). */
export async function portfolio(orm: MikroORM): Promise<{ byStatus: ProjectsByStatus[]; byFund: ProjectsByFund[] }> {
  const db = orm.em.fork().getConnection();
  const byStatus = await db.execute<{ status: string; n: string }[]>(`select status, count(*) as n from projects group by status order by status`);
  const byFund = await db.execute<{ fund: string; n: string; approved: string; cents: string }[]>(
    `select fund, count(*) as n, count(*) filter (where status = 'approved') as approved,
            coalesce(sum(total_cents) filter (where status = 'approved'), 0) as cents
       from projects group by fund order by fund`,
  );
  return {
    byStatus: byStatus.map((r) => ({ status: r.status, projects: Number(r.n) })),
    byFund: byFund.map((r) => ({ fund: r.fund, projects: Number(r.n), approvedProjects: Number(r.approved), approvedCents: Number(r.cents) })),
  };
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

/** A project moved to another status. */
export interface ProjectStatusChange {
  projectId: string;
  title: string;
  fund: string;
  investment: string;
  /** The status before; absent when the project was drafted in the window's change. */
  from?: string;
  to: string;
  /** The event that changed it, e.g. `PassportApproved.v1`. */
  event: string;
  actor: string;
  recordedAt: string;
}

export async function projectStatusChanges(orm: MikroORM, fromInstant: Date, toInstant: Date): Promise<ProjectStatusChange[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ project_id: string; title_en: string; fund: string; investment: string; before: string | null; status: string; event_type: string; actor: string; recorded_at: Date }[]>(
      `select c.project_id, p.title_en, p.fund, p.investment, c.status, c.event_type, c.actor, c.recorded_at,
              (select b.status from project_status_changes b where b.project_id = c.project_id and b.stream_version < c.stream_version
                order by b.stream_version desc limit 1) as before
         from project_status_changes c join projects p on p.project_id = c.project_id
        where c.recorded_at between ? and ?
        order by c.recorded_at, c.project_id, c.stream_version`,
      [fromInstant, toInstant],
    );
  return rows.map((r) => ({
    projectId: r.project_id,
    title: r.title_en,
    fund: r.fund,
    investment: r.investment,
    ...(r.before !== null ? { from: r.before } : {}),
    to: r.status,
    event: r.event_type,
    actor: r.actor,
    recordedAt: new Date(r.recorded_at).toISOString(),
  }));
}
