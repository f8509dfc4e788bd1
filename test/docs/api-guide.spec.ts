import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { listen } from '../../src/service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { recordingMismatches } from '../support/response-contract.js';

/*
 * docs/api-guide.md's walk-through, run literally: its fenced blocks marked `bash guide` are
 * taken in order and run as one bash script (-euo pipefail) against the real service on the test
 * database, started here on a free port. The reader's environment block (`bash guide-env`) is
 * not run: this test supplies the same variables with its own values (the port, the secret the
 * test service checks), and fails if the guide starts to rely on another one. `npm run seed` and
 * `npm run token` in the script reach the test database and secret through DATABASE_URL and
 * AUTH_JWT_SECRET.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const GUIDE = readFileSync(path.join(ROOT, 'docs/api-guide.md'), 'utf8');

/** The bodies of the fenced blocks whose info string is exactly `info`, in document order. */
function fencedBlocks(markdown: string, info: string): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (current === null) {
      if (line.trim() === `\`\`\`${info}`) current = [];
    } else if (line.trim() === '```') {
      blocks.push(current.join('\n'));
      current = null;
    } else current.push(line);
  }
  if (current !== null) throw new Error(`a \`\`\`${info} block in docs/api-guide.md is not closed`);
  return blocks;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bash(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, env, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The caller's environment without anything the service's configuration (or the seed) reads, so
 * a developer's shell cannot point the script elsewhere (EVENT_STORE, AUTH_JWKS_URL, …); then
 * exactly what the guide's environment block sets, and the test database.
 */
function scriptEnv(given: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...Object.keys(configSchema.shape), 'SEED_ORGANISATION']) delete env[name];
  return { ...env, ...given };
}

const WALK_THROUGH_MS = 240_000;

let app: TestApp;
let server: Server;
/** What the guide's requests got that openapi/openapi.json does not declare. */
const mismatches: string[] = [];

beforeAll(async () => {
  app = await createTestApp();
  server = await listen(express().use(recordingMismatches(mismatches), app.service.app), 0, '127.0.0.1');
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await app?.close();
});

describe('the API guide', () => {
  it('when its environment block is read, it sets exactly the variables this test supplies', () => {
    const [envBlock, ...more] = fencedBlocks(GUIDE, 'bash guide-env');
    expect(more, 'one `bash guide-env` block').toEqual([]);
    const names = [...envBlock!.matchAll(/^export ([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(names).toEqual(['AUTH_JWT_SECRET', 'BASE']);
  });

  it(
    'when its walk-through is pasted into bash in order, the seeded passport is approved and the claim is paid, by three different people',
    async () => {
      const blocks = fencedBlocks(GUIDE, 'bash guide');
      expect(blocks.length).toBeGreaterThan(5);
      const { port } = server.address() as AddressInfo;

      const run = await bash(
        blocks.join('\n'),
        scriptEnv({ BASE: `http://127.0.0.1:${port}`, AUTH_JWT_SECRET: TEST_JWT_SECRET, DATABASE_URL: app.db.url }),
        WALK_THROUGH_MS,
      );
      expect(run.code, `the walk-through failed:\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`).toBe(0);

      expect(mismatches, 'every answer the guide got is as openapi/openapi.json declares it').toEqual([]);

      // Its last step prints the paid claim on one line.
      const last = run.stdout.trim().split('\n').at(-1)!;
      const paid = JSON.parse(last) as {
        projectId: string;
        paidCents: number;
        claim: { claimId: string; requestedCents: number; paidCents: number };
      };
      expect(paid).toMatchObject({ paidCents: 100000, claim: { requestedCents: 100000, paidCents: 100000 } });
      // The retried invoice was answered from the first request.
      expect(run.stdout).toContain('201 Idempotent-Replayed: true');

      // What the store holds is what the flow implies.
      const { store } = app.service.context;
      const passport: StoredEvent<AnyEvent>[] = await store.readStream(`passport-${paid.projectId}`);
      const budget: StoredEvent<AnyEvent>[] = await store.readStream(`budget-${paid.projectId}`);
      const count = (events: StoredEvent<AnyEvent>[], type: string) => events.filter((e) => e.type === type).length;
      const one = (events: StoredEvent<AnyEvent>[], type: string) => {
        expect(count(events, type), type).toBe(1);
        return events.find((e) => e.type === type)!;
      };
      expect(count(passport, 'PassportSectionUpdated.v1')).toBe(8);
      expect(one(passport, 'PassportSubmitted.v1').metadata).toMatchObject({
        actor: 'anna',
        role: 'beneficiary',
        organisation: '90001733697',
      });
      expect(one(passport, 'PassportVerified.v1').metadata).toMatchObject({ actor: 'janis', role: 'officer', organisation: '90009963334' });
      expect(one(passport, 'PassportApproved.v1').metadata).toMatchObject({ actor: 'liga', role: 'approver', organisation: '90009963334' });
      expect(budget.map((e) => e.type)).toEqual([
        'BudgetOpened.v1',
        'InvoiceSubmitted.v1', // once, although the guide sends it twice
        'PaymentClaimSubmitted.v1',
        'InvoiceVerified.v1',
        'ClaimPaid.v1',
      ]);
      const claimPaid = one(budget, 'ClaimPaid.v1');
      expect(claimPaid.data).toMatchObject({ claimId: paid.claim.claimId, amountCents: 100000, paidOn: '2024-07-15', paidBy: 'liga' });

      // Nothing else in the log approved or paid anything; the seed ran through the script.
      const { rows } = await app.db.pool.query<{ type: string; n: number }>(
        `select type, count(*)::int as n from es_events where type in ('PassportApproved.v1', 'ClaimPaid.v1') group by type order by type`,
      );
      expect(rows).toEqual([
        { type: 'ClaimPaid.v1', n: 1 },
        { type: 'PassportApproved.v1', n: 1 },
      ]);
      expect(await store.readStream('programme_node-ANM.2021-2026.2.1.2.1.i')).not.toHaveLength(0);
    },
    WALK_THROUGH_MS + 30_000,
  );
});
