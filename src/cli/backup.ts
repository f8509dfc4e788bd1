import { dumpEventStore, restoreEventStore, RestoreRefused } from '../db/backup.js';
import { loadConfigOrExit } from '../config.js';
import { createPool } from '../db/database.js';
import { initOrm, migrate } from '../db/orm.js';
import { verifyChain } from '../eventstore/postgres/chain.js';
import { createLogger } from '../logger.js';
import { resolveDatabase } from '../service.js';

/**
 * `npm run -s backup -- dump DIR`: the event store of DATABASE_URL (or the embedded database) into DIR.
 * `npm run -s backup -- restore DIR`: DIR into the empty database of DATABASE_URL (migrated first), then
 * the hash chain verified. The read models are rebuilt from the log by the service's next start.
 * Prints one JSON line; exit 0, 1 when the restored chain does not verify, 2 on wrong use.
 */
const [command, dir] = process.argv.slice(2);
if ((command !== 'dump' && command !== 'restore') || !dir) {
  process.stderr.write('usage: npm run -s backup -- dump DIR | restore DIR\n');
  process.exit(2);
}
const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
const db = await resolveDatabase(config, logger);
const pool = createPool(db.url, 2);
let ok = true;
try {
  if (command === 'dump') {
    process.stdout.write(`${JSON.stringify(await dumpEventStore(pool, dir))}\n`);
  } else {
    const orm = await initOrm(db.url, [], logger);
    try {
      await migrate(orm);
    } finally {
      await orm.close(true);
    }
    const manifest = await restoreEventStore(pool, dir);
    const chain = await verifyChain(pool);
    ok = chain.ok;
    process.stdout.write(`${JSON.stringify({ restored: manifest.rows, chain })}\n`);
  }
} catch (error) {
  if (!(error instanceof RestoreRefused)) throw error;
  process.stderr.write(`restore refused: ${error.message}\n`);
  ok = false;
} finally {
  await pool.end();
  await db.embedded?.stop();
}
process.exit(ok ? 0 : 1);
