import type { FilterQuery, MikroORM } from '@mikro-orm/postgresql';
import type { BilingualName } from '../../src/domain/fund/events.js';
import type { Target } from '../../src/domain/programme-node/events.js';
import {
  ProgrammeEntrySchema,
  ProgrammeNodeEntrySchema,
  ProgrammeTargetEntrySchema,
  type ProgrammeEntry,
  type ProgrammeNodeEntry,
} from './entity.js';

/** A milestone (atskaites punkts) or quantitative target (mērķis) of an investment. */
export type InvestmentTarget = Target;

/** An RRF investment or a cohesion measure, with what the passport checks against. */
export interface Investment {
  /** The programme's fund, e.g. RRF or ERDF. */
  fund: string;
  programme: string;
  period: string;
  code: string;
  kind: 'investment' | 'measure';
  status: 'active' | 'retired';
  name: BilingualName;
  /** Null where the planning documents give no figure. */
  plannedFundingCents: number | null;
  startDate: string | null;
  endDate: string | null;
  /** In the order they were defined. */
  targets: InvestmentTarget[];
}

export interface InvestmentRef {
  programme: string;
  period: string;
  code: string;
}

/** The investment or measure `code` of (programme, period); null if there is none (or the code names another kind of node). */
export async function findInvestment(orm: MikroORM, { programme, period, code }: InvestmentRef): Promise<Investment | null> {
  const em = orm.em.fork();
  const node = await em.findOne(ProgrammeNodeEntrySchema, { programme, period, code, kind: { $in: ['investment', 'measure'] } });
  if (!node) return null;
  const [owner, targets] = await Promise.all([
    em.findOne(ProgrammeEntrySchema, { programme, period }),
    em.find(ProgrammeTargetEntrySchema, { programme, period, nodeCode: code }, { orderBy: { position: 'asc' } }),
  ]);
  if (!owner) return null;
  return {
    fund: owner.fund,
    programme,
    period,
    code,
    kind: node.kind as Investment['kind'],
    status: node.status,
    name: { lv: node.nameLv, en: node.nameEn },
    plannedFundingCents: node.plannedFundingCents,
    startDate: node.startDate,
    endDate: node.endDate,
    targets: targets.map((t) => ({
      code: t.code,
      kind: t.kind,
      name: { lv: t.nameLv, en: t.nameEn },
      unit: t.unitLv === null || t.unitEn === null ? null : { lv: t.unitLv, en: t.unitEn },
      value: t.value,
      dueDate: t.dueDate,
    })),
  };
}

/** Keyset page of a list: after this key (exclusive), at most `limit` rows; without it, every row. */
export interface KeysetPage<K> {
  after?: K;
  limit?: number;
}

/** Programmes in (code, period) order, optionally of one fund. */
export async function listProgrammes(
  orm: MikroORM,
  q: { fund?: string } = {},
  page: KeysetPage<{ programme: string; period: string }> = {},
): Promise<ProgrammeEntry[]> {
  const and: FilterQuery<ProgrammeEntry>[] = q.fund ? [{ fund: q.fund }] : [];
  const { after } = page;
  if (after) and.push({ $or: [{ programme: { $gt: after.programme } }, { programme: after.programme, period: { $gt: after.period } }] });
  return orm.em
    .fork()
    .find(ProgrammeEntrySchema, and.length ? { $and: and } : {}, { orderBy: { programme: 'asc', period: 'asc' }, limit: page.limit });
}

export interface NodeListQuery {
  programme: string;
  period: string;
  kind?: string;
  /** Only the children of this node. */
  parent?: string;
}

/** A programme's nodes in reading order (2.2 before 2.10), then by code (the unique key: two codes may pad alike). */
export async function listNodes(
  orm: MikroORM,
  q: NodeListQuery,
  page: KeysetPage<{ sortKey: string; code: string }> = {},
): Promise<ProgrammeNodeEntry[]> {
  const and: FilterQuery<ProgrammeNodeEntry>[] = [{ programme: q.programme, period: q.period }];
  if (q.kind) and.push({ kind: q.kind });
  if (q.parent) and.push({ parentCode: q.parent });
  const { after } = page;
  if (after) and.push({ $or: [{ sortKey: { $gt: after.sortKey } }, { sortKey: after.sortKey, code: { $gt: after.code } }] });
  return orm.em.fork().find(ProgrammeNodeEntrySchema, { $and: and }, { orderBy: { sortKey: 'asc', code: 'asc' }, limit: page.limit });
}
