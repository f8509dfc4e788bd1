import type { MikroORM } from '@mikro-orm/postgresql';
import { StreamCatalogueEntrySchema, type StreamCatalogueEntry } from './entity.js';

export interface StreamListQuery {
  streamType?: string;
  /** Exclusive cursor: the last stream id of the previous page. */
  after?: string;
  limit: number;
}

export async function listStreams(orm: MikroORM, q: StreamListQuery): Promise<StreamCatalogueEntry[]> {
  const where: Record<string, unknown> = {};
  if (q.streamType) where.streamType = q.streamType;
  if (q.after) where.streamId = { $gt: q.after };
  return orm.em.fork().find(StreamCatalogueEntrySchema, where, { orderBy: { streamId: 'asc' }, limit: q.limit });
}

export async function findStream(orm: MikroORM, streamId: string): Promise<StreamCatalogueEntry | null> {
  return orm.em.fork().findOne(StreamCatalogueEntrySchema, { streamId });
}
