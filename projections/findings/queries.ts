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
  /** Exclusive cursor: the (raisedAt, findingId) of the last finding of the previous page. */
  after?: FindingKey;
  limit: number;
}

/** A finding's place in the list's order: raised when (ISO 8601), then id. */
export interface FindingKey {
  raisedAt: string;
  findingId: string;
}

/**
 * Findings in the order raised (then by id), filtered and keyset-paged. `scope` (a
 * beneficiary's organisation) keeps only findings on projects where it is the recipient or a
 * partner, as the project list read model knows them; it is part of the query, so it applies
 * before the limit.
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
    const raisedAt = new Date(q.after.raisedAt);
    and.push({ $or: [{ raisedAt: { $gt: raisedAt } }, { raisedAt, findingId: { $gt: q.after.findingId } }] });
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
