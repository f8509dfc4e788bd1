import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyExport } from '../../src/audit/offline-verify.js';
import { asText, createTestApp, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';

let app: TestApp;
let auditor: string;
beforeAll(async () => {
  app = await createTestApp();
  auditor = bearer(await tokenFor({ roles: ['auditor'], sub: 'inese.auditore', org: '90000026419' }));
  const admin = bearer(await tokenFor({ roles: ['admin'], sub: 'ilze', org: '90000099999' }));
  for (const code of ['RRF', 'ERDF', 'CF']) {
    await request(app.service.app)
      .post('/funds')
      .set('Authorization', admin)
      .send({ code, name: { lv: code, en: code }, kind: 'eu' })
      .expect(201);
  }
});
afterAll(() => app.close());

const verify = () => request(app.service.app).get('/audit/verify').set('Authorization', auditor);
/** Runs the CLI; resolves with its exit code and output whatever the code. */
const cli = () =>
  new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/verify-chain.ts'],
      { cwd: path.resolve(import.meta.dirname, '../..'), env: { ...process.env, DATABASE_URL: app.db.url, LOG_LEVEL: 'silent' } },
      (error, stdout) => resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout }),
    );
  });

const exportLog = async () =>
  (await request(app.service.app).get('/audit/export').set('Authorization', auditor).buffer(true).parse(asText)).body as string;

describe('GET /audit/verify and npm run verify-chain', () => {
  it('when the log is exported, it verifies offline with the documented algorithm to the same head as the server', async () => {
    const text = await exportLog();
    const report = verifyExport(text.split('\n'));
    expect(report).toMatchObject({ ok: true, links: 3, firstProblem: null });
    expect(report.head).toBe((await verify()).body.head.hash);
  });

  it('when an exported line is altered or a line is dropped, the offline check names the first bad link', async () => {
    const lines = (await exportLog()).trim().split('\n');
    const altered = lines.map((l, i) => (i === 1 ? l.replace('ERDF', 'ERDX') : l));
    expect(verifyExport(altered)).toMatchObject({ ok: false, links: 1, firstProblem: { line: 2, chainSeq: 2 } });
    expect(verifyExport([lines[0]!, lines[2]!])).toMatchObject({ ok: false, firstProblem: { line: 2, chainSeq: 3 } });
  });

  it('when the log is intact, both report ok with the same head, covering every event written so far', async () => {
    const res = await verify();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, pending: 0, firstProblem: null, head: { seq: 3 } });
    const { code, stdout } = await cli();
    expect(code).toBe(0);
    expect(JSON.parse(stdout).head).toEqual(res.body.head);
  });

  it('when an event row is altered with direct database access, both report the first bad link and the CLI exits 1', async () => {
    const client = new pg.Client({ connectionString: app.db.url });
    await client.connect();
    await client.query('set session_replication_role = replica');
    await client.query(`update es_events set payload = jsonb_set(payload, '{name,en}', '"Forged"') where stream_id = 'fund-ERDF'`);
    await client.end();

    const res = await verify();
    expect(res.body).toMatchObject({ ok: false, firstProblem: { chainSeq: 2, reason: 'hash' } });
    const { code, stdout } = await cli();
    expect(JSON.parse(stdout).firstProblem).toEqual(res.body.firstProblem);
    expect(code).toBe(1);
  });
});
