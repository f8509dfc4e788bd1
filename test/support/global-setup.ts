import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabase, ensureDatabase } from '../../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { initOrm, migrate } from '../../src/db/orm.js';

/**
 * Tests run on a real PostgreSQL: the one in DATABASE_URL when set, else an embedded one in
 * a temporary folder. A migrated template database is made once; each test file then gets
 * its own copy of it (see test/support/db.ts), so files cannot see each other's events.
 */
export default async function setup(project: TestProject) {
  let server: EmbeddedServer | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'grants-test-pg-'));
    chmodSync(dir, 0o755); // the server runs as the unprivileged postgres user
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port });
    adminUrl = server.adminUrl;
  }
  const template = `grants_test_template_${process.pid}`;
  await ensureDatabase(adminUrl, template);
  const templateUrl = withDatabase(adminUrl, template);
  const orm = await initOrm(templateUrl, []);
  await migrate(orm);
  await orm.close(true);
  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    if (!server) await dropDatabase(adminUrl, template);
    if (server) await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}
