import type { FilterQuery, MikroORM } from '@mikro-orm/postgresql';
import type { FindingCategory, FindingStatus, Severity } from '../../src/domain/finding/events.js';
import { FindingRowSchema, type FindingRow } from './entity.js';

export interface FindingListQuery {
  projectId?: string;
  status?: FindingStatus;
  category?: FindingCategory;
  severity?: Severity;
  reportable?: boolean;
  /** Only findings whose corrective action is overdue on this date (`YYYY-MM-DD`): deadline before it, not closed. */
  overdueOn?: string;
  /** Exclusive cursor: the last finding id of the previous page. */
  after?: string;
  limit: number;
}

/**
 * Findings in the order raised, filtered and cursor-paged. `scope` (a beneficiary's
 * organisation) keeps only findings on projects where it is the recipient or a partner,
 * as the project list read model knows them.
 */
export async function listFindings(orm: MikroORM, q: FindingListQuery, scope: { partyOrganisation: string } | null): Promise<FindingRow[]> {
  const em = orm.em.fork();
  const and: FilterQuery<FindingRow>[] = [];
  for (const key of ['projectId', 'status', 'category', 'severity', 'reportable'] as const) {
    if (q[key] !== undefined) and.push({ [key]: q[key] });
  }
  if (q.overdueOn !== undefined) and.push({ deadline: { $lt: q.overdueOn }, status: { $ne: 'closed' } });
  if (scope) {
    const visible = await projectsOf(orm, scope.partyOrganisation);
    if (visible.length === 0) return [];
    and.push({ projectId: { $in: visible } });
  }
  if (q.after) {
    const last = await em.findOne(FindingRowSchema, { findingId: q.after });
    if (!last) return [];
    and.push({ $or: [{ raisedAt: { $gt: last.raisedAt } }, { raisedAt: last.raisedAt, findingId: { $gt: last.findingId } }] });
  }
  return em.find(FindingRowSchema, and.length ? { $and: and } : {}, { orderBy: { raisedAt: 'asc', findingId: 'asc' }, limit: q.limit });
}

/** Projects where the organisation is the recipient or a partner (from the project list read model). */
async function projectsOf(orm: MikroORM, organisation: string): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ project_id: string }[]>(`select project_id from projects where recipient_org = ? or ? = any(partner_orgs)`, [
      organisation,
      organisation,
    ]);
  return rows.map((r) => r.project_id);
}
