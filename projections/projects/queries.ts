import type { FilterQuery, MikroORM } from '@mikro-orm/postgresql';
import { ProjectRowSchema, type ProjectRow } from './entity.js';

export interface ProjectListQuery {
  fund?: string;
  programme?: string;
  period?: string;
  investment?: string;
  /** Projects where this organisation is the recipient or a partner. */
  organisation?: string;
  status?: string;
  /** Exclusive cursor: the last project id of the previous page. */
  after?: string;
  limit: number;
}

/** `scope` is the access filter (a beneficiary's own organisation), applied on top of the query's. */
export async function listProjects(orm: MikroORM, q: ProjectListQuery, scope: { partyOrganisation: string } | null): Promise<ProjectRow[]> {
  const and: FilterQuery<ProjectRow>[] = [];
  for (const key of ['fund', 'programme', 'period', 'investment', 'status'] as const) {
    if (q[key] !== undefined) and.push({ [key]: q[key] });
  }
  for (const org of [q.organisation, scope?.partyOrganisation]) {
    if (org !== undefined) and.push({ $or: [{ recipientOrg: org }, { partnerOrgs: { $contains: [org] } }] });
  }
  if (q.after) and.push({ projectId: { $gt: q.after } });
  return orm.em.fork().find(ProjectRowSchema, and.length ? { $and: and } : {}, { orderBy: { projectId: 'asc' }, limit: q.limit });
}

/**
 * ICT solutions that other projects' approved passports contribute to an investment's count
 * target; withdrawn projects no longer count.
 */
export async function contributedByOthers(
  orm: MikroORM,
  ref: { programme: string; period: string; investment: string },
  exceptProjectId: string,
): Promise<number> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>(
      `select coalesce(sum(ict_approved), 0) as n from projects
        where programme = ? and period = ? and investment = ? and project_id <> ?
          and approved_version is not null and status <> 'withdrawn'`,
      [ref.programme, ref.period, ref.investment, exceptProjectId],
    );
  return Number(rows[0]?.n ?? 0);
}
