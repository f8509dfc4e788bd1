import { readModelEntities } from '../projections/index.js';
import { Audit } from '../src/application/audit.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/database.js';
import { initOrm } from '../src/db/orm.js';
import { createEventRegistry } from '../src/domain/events.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';

/**
 * The export half of `npm run bench -- history`, in a process of its own so that its memory is
 * the export's and not the loader's: `history-export.js URL PROJECT_ID` (compiled by the bench) reads the
 * project's JSON Lines export to the end and prints `{lines, bytes, seconds, cpuSeconds, rssBeforeMb, maxRssMb}` (CPU: this process's, all its threads).
 */
const [url, projectId] = process.argv.slice(2);
if (!url || !projectId) throw new Error('usage: node history-export.js DATABASE_URL PROJECT_ID');
const pool = createPool(url, 4, () => undefined);
const orm = await initOrm(url, readModelEntities);
const store = new PostgresEventStore(pool, createEventRegistry());
const audit = new Audit({ store, pool, orm, chain: undefined, clock: () => new Date(), config: loadConfig() });
try {
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 1e6);
  const t = performance.now();
  const cpu = process.cpuUsage();
  let lines = 0;
  let bytes = 0;
  for await (const chunk of await audit.exportProject(projectId, 'jsonl')) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  }
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  // ru_maxrss: the most this process ever held resident, in kilobytes.
  process.stdout.write(
    `${JSON.stringify({ lines, bytes, seconds, cpuSeconds, rssBeforeMb, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
} finally {
  await orm.close(true);
  await store.close();
  await pool.end();
}
