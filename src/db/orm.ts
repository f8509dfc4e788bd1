import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type EntitySchema } from '@mikro-orm/postgresql';
import { migrationsList } from '../../migrations/index.js';
import type { Logger } from '../logger.js';

/**
 * MikroORM runs the migrations (event log, projection bookkeeping) and maps the read-model
 * views for query functions. Read-model tables themselves belong to projection generations
 * (see src/projection-engine), so a rebuild can fill new tables while old ones serve.
 */
/**
 * Any read model's entity schema. EntitySchema is invariant in its entity type, so a list of
 * different entities has no narrower type than this.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEntitySchema = EntitySchema<any>;

export async function initOrm(clientUrl: string, entities: AnyEntitySchema[], logger?: Logger): Promise<MikroORM> {
  const log = logger?.child({ component: 'mikro-orm' });
  return MikroORM.init({
    clientUrl,
    entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: 5 },
    debug: ['info'],
    logger: (message) => log?.debug(message),
    allowGlobalContext: false,
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
