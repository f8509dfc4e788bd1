import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { seedReferenceData } from '../application/seed-reference-data.js';
import { ConfigError, loadConfig } from '../config.js';
import { createPool } from '../db/database.js';
import { logged } from '../db/errors.js';
import { initOrm, migrate } from '../db/orm.js';
import { createEventRegistry } from '../domain/events.js';
import type { Caller } from '../application/caller.js';
import type { AnyEvent } from '../domain/stream-types.js';
import type { EventStore } from '../eventstore/port.js';
import { createLogger } from '../logger.js';
import { createEventStore, resolveDatabase } from '../service.js';
import { SEED_DATA } from './seed-data.js';

/**
 * `npm run seed`: loads the funds, programmes and programme structure in seed-data.ts into
 * DATABASE_URL or the embedded database, through the command handlers. Safe to re-run: what
 * exists is kept. Events are recorded as actor `system:seed` in role `admin` for the
 * organisation in SEED_ORGANISATION (the registration number of the agency running it; the
 * default 00000000000 marks it as not given).
 */
const seedEnv = z.object({
  SEED_ORGANISATION: z
    .string()
    .regex(/^\d{11}$/, 'must be an 11-digit registration number')
    .default('00000000000'),
});

async function main(): Promise<void> {
  let config;
  let organisation;
  try {
    config = loadConfig();
    const parsed = seedEnv.safeParse({ SEED_ORGANISATION: process.env.SEED_ORGANISATION || undefined });
    if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `SEED_ORGANISATION: ${i.message}`));
    organisation = parsed.data.SEED_ORGANISATION;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const db = await resolveDatabase(config, logger);
  const orm = await initOrm(db.url, [], logger);
  const pool = createPool(db.url, 2, (err) => logger.warn(logged(err), 'idle database connection lost'));
  let store: EventStore<AnyEvent> | undefined;
  try {
    await migrate(orm);
    // The store EVENT_STORE names: seeding PostgreSQL while the service reads KurrentDB would seed nothing.
    store = await createEventStore(config, logger, pool, createEventRegistry());
    const run = randomUUID();
    const caller: Caller = {
      user: { id: 'system:seed', name: 'Reference data seed', organisation, role: 'admin', roles: ['admin'] },
      correlationId: run,
      requestId: `seed-${run}`,
    };
    const report = await seedReferenceData({ store, orm, config, clock: () => new Date() }, SEED_DATA, caller);
    logger.info({ created: report.created.length, kept: report.kept.length, streams: report.created }, 'reference data seeded');
  } finally {
    await store?.close();
    await pool.end();
    await orm.close(true);
    await db.embedded?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
