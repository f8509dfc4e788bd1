import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPool, dropDatabase, ensureDatabase } from '../../src/db/database.js';
import { createService } from '../../src/service.js';
import { TEST_JWT_SECRET } from '../support/auth.js';
import type { TestApp } from '../support/app.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import { withDatabase } from '../support/global-setup.js';
import { readModels } from '../support/ops.js';
import { ROOT } from '../support/process.js';
import { givenPaidClaim, givenProject, PEOPLE, seededSuite } from '../support/seeded.js';

// The CLIs run as processes of their own through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

/*
 * The backup procedure of docs/operations.md ("Backups"), step by step: dump the event store of a
 * database in use, restore it into an empty database, verify the hash chain there, let the service
 * rebuild every read model from the restored log, and compare them with the originals.
 */

let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'grants-backup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (args: string[], databaseUrl: string) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

const logOf = async (pool: ReturnType<typeof createPool>) =>
  (
    await pool.query<{ row: string }>(
      `select concat_ws('|', position, transaction_id, event_id, stream_id, version, type, payload::text, metadata::text, recorded_at) as row
         from es_events order by position`,
    )
  ).rows.map((r) => r.row);

describe('backup and restore', () => {
  it('dumps the event store, restores it into an empty database, the chain verifies and the rebuilt read models equal the originals', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    await givenPaidClaim(as, id);
    await givenProject(as, { until: 'draft' });
    await app.service.context.projections.catchUp();
    const originals = await readModels(app.db.pool);
    expect(Object.values(originals).some((rows) => rows.length > 0)).toBe(true);

    const dir = path.join(scratch, 'backup');
    const dumped = cli(['dump', dir], app.db.url);
    expect(dumped.stderr).toBe('');
    expect(dumped.status).toBe(0);
    expect(readdirSync(dir).sort()).toContain('manifest.json');

    // A database with nothing in it: no template, no migrations; the restore migrates it.
    const name = `grants_restore_${randomBytes(4).toString('hex')}`;
    const adminUrl = inject('adminUrl');
    await ensureDatabase(adminUrl, name);
    const url = withDatabase(adminUrl, name);
    try {
      const restored = cli(['restore', dir], url);
      expect(restored.stderr).toBe('');
      expect(restored.status).toBe(0);
      expect(JSON.parse(restored.stdout)).toMatchObject({ chain: { ok: true } });
      // Restoring twice is refused: the target is no longer empty.
      const again = cli(['restore', dir], url);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/^restore refused: the target already holds \d+ events/);

      const pool = createPool(url, 4);
      try {
        expect(await logOf(pool)).toEqual(await logOf(app.db.pool));
        // The service on the restored database builds every read model from zero.
        const config = loadConfig({
          NODE_ENV: 'test',
          BACKGROUND_THREAD: 'false',
          PROJECTION_POLL_MS: '50',
          AUTH_JWT_SECRET: TEST_JWT_SECRET,
        });
        const service = await createService(config, pino({ level: 'silent' }), url);
        try {
          await service.context.projections.catchUp();
          expect(await readModels(pool)).toEqual(originals);
          // New transactions come after the restored log's, so what is appended next sorts after it.
          const { rows } = await pool.query<{ after: boolean }>(
            'select pg_current_xact_id() > max(transaction_id) as after from es_events',
          );
          expect(rows[0]!.after).toBe(true);
        } finally {
          await service.close();
        }
      } finally {
        await pool.end();
      }
    } finally {
      await dropDatabase(adminUrl, name);
    }
  });
});
