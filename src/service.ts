import type { Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { projections, readModelEntities } from '../projections/index.js';
import type { Config } from './config.js';
import { createPool, ensureDatabase } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { initOrm, migrate } from './db/orm.js';
import { createEventRegistry } from './domain/events.js';
import { PostgresEventStore } from './eventstore/postgres/adapter.js';
import { createApp } from './http/app.js';
import type { AppContext } from './http/context.js';
import type { Logger } from './logger.js';
import { ProjectionManager } from './projection-engine/manager.js';

export const EMBEDDED_DATABASE = 'grants';

/** Where the database is: DATABASE_URL, or an embedded server started here. */
export async function resolveDatabase(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded?: EmbeddedServer }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT, logger });
  await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
  logger.info({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT }, 'embedded PostgreSQL started');
  return { url: embedded.urlFor(EMBEDDED_DATABASE), embedded };
}

export interface Service {
  readonly context: AppContext;
  readonly app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** Wires the service on a migrated database; projections run live unless disabled. */
export async function createService(config: Config, logger: Logger, url: string): Promise<Service> {
  const orm: MikroORM = await initOrm(url, readModelEntities, logger);
  const applied = await migrate(orm);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const pool: pg.Pool = createPool(url, config.DB_POOL_SIZE, (err) => logger.warn({ err }, 'idle database connection lost'));
  const store = new PostgresEventStore(pool, createEventRegistry());
  const manager = new ProjectionManager(pool, store, projections, {
    batchSize: config.PROJECTION_BATCH_SIZE,
    pollMs: config.PROJECTION_POLL_MS,
    logger,
    listenUrl: url,
  });
  if (config.PROJECTIONS_ENABLED) await manager.start();
  else await manager.prepare();
  const context: AppContext = { config, logger, pool, store, orm, projections: manager };
  return {
    context,
    app: createApp(context),
    async close() {
      await manager.stop();
      await store.close();
      await pool.end();
      await orm.close(true);
    },
  };
}

export function listen(app: Service['app'], port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
