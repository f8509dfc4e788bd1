import { loadConfig } from '../config.js';
import { initOrm, migrate } from '../db/orm.js';
import { createLogger } from '../logger.js';
import { resolveDatabase } from '../service.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const db = await resolveDatabase(config, logger);
const orm = await initOrm(db.url, [], logger);
try {
  const applied = await migrate(orm);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await orm.close(true);
  await db.embedded?.stop();
}
