import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { freePort, startServiceProcess } from '../support/process.js';

// Processes of their own, started from the sources through tsx: slow to start on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

/*
 * Starting anywhere, or saying why in one line: the service started as its operators start it,
 * where starting goes wrong in practice.
 */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'grants-start-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('starting the service', () => {
  it('when the embedded port is taken, it says so in one line naming the port and EMBEDDED_PG_PORT, and exits 1', async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const service = await startServiceProcess({ EMBEDDED_PG_DIR: path.join(scratch, 'taken'), EMBEDDED_PG_PORT: String(port) });
      const end = await service.exited;
      expect(end.code).toBe(1);
      expect(service.errors()).toEqual([
        `grants-backend cannot start: embedded PostgreSQL: port ${port} (EMBEDDED_PG_PORT) is taken by another process; set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a server of your own`,
      ]);
    } finally {
      holder.close();
    }
  });

  it('in production without DATABASE_URL, it refuses to start an embedded database and says what to set (exit 2), echoing no secret', async () => {
    const service = await startServiceProcess({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'hunter2-too-short', DATABASE_URL: '' });
    const end = await service.exited;
    expect(end.code).toBe(2);
    const said = service.errors().join('\n');
    expect(said).toContain(
      'DATABASE_URL: required in production (the embedded PostgreSQL is for development; EMBEDDED_PG=allow starts it anyway)',
    );
    expect(said).toContain('AUTH_JWT_SECRET: must be at least 32 characters (HS256 needs a 256-bit secret) (got 17 characters, not shown)');
    expect(said).not.toContain('hunter2');
  });

  it('when DATABASE_URL points at nothing, it says so in one line without the password, and exits 1', async () => {
    const port = await freePort();
    const service = await startServiceProcess({ DATABASE_URL: `postgres://grants:hunter2@127.0.0.1:${port}/grants` });
    const end = await service.exited;
    expect(end.code).toBe(1);
    const [line, ...more] = service.errors();
    expect(more).toEqual([]);
    expect(line).toMatch(
      new RegExp(
        `^grants-backend cannot start: cannot reach the database at postgres://grants:\\*\\*\\*@127\\.0\\.0\\.1:${port}/grants \\(DATABASE_URL\\): .*ECONNREFUSED`,
      ),
    );
  });
});

describe.runIf(process.getuid?.() === 0)('the embedded PostgreSQL started by root', () => {
  it('from a folder other users cannot enter (mode 700), keeps its data where its user reaches it, says where, and runs', async () => {
    const home = mkdtempSync(path.join(scratch, 'home-'));
    chmodSync(home, 0o700);
    const asked = path.join(home, '.data', 'postgres');
    const server = await startEmbeddedPostgres({ dir: asked, port: await freePort(), sharedBuffersMb: 16 });
    try {
      expect(server.dataDir).not.toBe(asked);
      expect(server.dataDir.startsWith(path.join('/var/tmp', 'grants-embedded-postgres-data'))).toBe(true);
      // PostgreSQL's own user owns the data; root started it.
      expect(statSync(server.dataDir).uid).not.toBe(0);
      const client = new pg.Client({ connectionString: server.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string }>('select current_user as user');
        expect(rows[0]!.user).toBe('postgres');
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });
});
