import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createPool, dropDatabase, ensureDatabase } from '../../src/db/database.js';
import { initOrm } from '../../src/db/orm.js';
import { withDatabase } from '../support/global-setup.js';
import { insertLegacyStream } from '../support/legacy.js';

/**
 * A database whose events were stored before attribution existed: the migration that brings the
 * attribution index attributes them from the same facts the application uses.
 */
const BEFORE = 'Migration20261202000300_workflows_and_idempotent_responses';
const VRAA = '90000046925';
const VARAM = '90000048472';

let pool: pg.Pool;
let drop: () => Promise<void>;
const p = randomUUID();
const q = randomUUID();
const orphan = randomUUID();
const ids = { indicator: randomUUID(), programmeIndicator: randomUUID(), finding: randomUUID(), alert: 'ab'.repeat(16) };

beforeAll(async () => {
  const adminUrl = inject('adminUrl');
  const name = `grants_backfill_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  pool = createPool(url, 4);
  drop = async () => {
    await pool.end();
    await dropDatabase(adminUrl, name);
  };
  const orm = await initOrm(url, []);
  try {
    await orm.getMigrator().up({ to: BEFORE });
    const passport = (projectId: string, regNo: string) => [
      { type: 'PassportDrafted.v1', data: { projectId, recipient: { name: 'Iestāde', registrationNumber: regNo } } },
      { type: 'PassportSubmitted.v1', data: { version: 1 } },
    ];
    await insertLegacyStream(pool, `passport-${p}`, passport(p, VRAA));
    await insertLegacyStream(pool, `passport-${q}`, passport(q, VARAM));
    await insertLegacyStream(pool, `budget-${p}`, [
      { type: 'BudgetOpened.v1', data: { projectId: p } },
      { type: 'InvoiceSubmitted.v1', data: {} },
    ]);
    await insertLegacyStream(pool, `indicator-${ids.indicator}`, [
      { type: 'IndicatorDefined.v1', data: { indicatorId: ids.indicator, on: { level: 'project', projectId: p } } },
      { type: 'IndicatorValueReported.v1', data: { report: 1 } },
    ]);
    await insertLegacyStream(pool, `indicator-${ids.programmeIndicator}`, [
      { type: 'IndicatorDefined.v1', data: { indicatorId: ids.programmeIndicator, on: { level: 'investment', investment: '2.1.2.1.i' } } },
    ]);
    await insertLegacyStream(pool, `finding-${ids.finding}`, [
      { type: 'FindingRaised.v1', data: { projectId: p } },
      { type: 'FindingResponded.v1', data: {} },
      { type: 'FindingClosed.v1', data: {} },
    ]);
    await insertLegacyStream(pool, `dupalert-${ids.alert}`, [{ type: 'DuplicateAlertDismissed.v1', data: { projectIds: [p, q] } }]);
    // A finding on a project whose passport is not there: attributed to the project, its beneficiary unknown.
    await insertLegacyStream(pool, `finding-${randomUUID()}`, [{ type: 'FindingRaised.v1', data: { projectId: orphan } }]);
    await insertLegacyStream(pool, 'fund-XYZ', [{ type: 'FundRegistered.v1', data: { code: 'XYZ' } }]);
    await orm.getMigrator().up();
  } finally {
    await orm.close(true);
  }
});
afterAll(() => drop());

/** Every event's attribution, as `<stream id>#<version> → <project>/<organisation>`, in global order. */
async function attributed(): Promise<string[]> {
  const { rows } = await pool.query<{ line: string }>(
    `select e.stream_id || '#' || e.version || ' → ' || a.project_id || '/' || coalesce(a.organisation, '?') as line
       from es_event_projects a join es_events e on e.position = a.position
      order by a.transaction_id, a.position, a.project_id`,
  );
  return rows.map((r) => r.line);
}

describe('the attribution backfill', () => {
  it('when events were stored before attribution, each one is attributed to its project and beneficiary, and reference data to none', async () => {
    const all = await attributed();
    const orphaned = all.filter((l) => l.includes(orphan));
    expect(orphaned).toEqual([expect.stringMatching(new RegExp(`^finding-.+#1 → ${orphan}/\\?$`))]);
    const lines = all.filter((l) => !l.includes(orphan));
    const projectOf = (projectId: string) => (projectId === p ? `${p}/${VRAA}` : `${q}/${VARAM}`);
    expect(lines.sort()).toEqual(
      [
        `passport-${p}#1 → ${projectOf(p)}`,
        `passport-${p}#2 → ${projectOf(p)}`,
        `passport-${q}#1 → ${projectOf(q)}`,
        `passport-${q}#2 → ${projectOf(q)}`,
        `budget-${p}#1 → ${projectOf(p)}`,
        `budget-${p}#2 → ${projectOf(p)}`,
        `indicator-${ids.indicator}#1 → ${projectOf(p)}`,
        `indicator-${ids.indicator}#2 → ${projectOf(p)}`,
        `finding-${ids.finding}#1 → ${projectOf(p)}`,
        `finding-${ids.finding}#2 → ${projectOf(p)}`,
        `finding-${ids.finding}#3 → ${projectOf(p)}`,
        `dupalert-${ids.alert}#1 → ${projectOf(p)}`,
        `dupalert-${ids.alert}#1 → ${projectOf(q)}`,
      ].sort(),
    );
    expect(lines.some((l) => l.startsWith('fund-') || l.includes(ids.programmeIndicator))).toBe(false);
  });

  it('when an event is appended after the migration, es_append indexes its attribution in the same transaction', async () => {
    const { rows } = await pool.query<{ r: { v: number; pos: [string, string][] }[] }>(`select es_append($1::jsonb) as r`, [
      JSON.stringify([
        {
          s: `budget-${q}`,
          t: 'budget',
          e: 0,
          p: [{ p: q, o: VARAM }],
          ev: [{ id: randomUUID(), type: 'BudgetOpened.v1', data: { projectId: q }, meta: {} }],
        },
      ]),
    ]);
    const position = rows[0]!.r[0]!.pos[0]![1];
    const { rows: index } = await pool.query<{ project_id: string; organisation: string }>(
      'select project_id, organisation from es_event_projects where position = $1',
      [position],
    );
    expect(index).toEqual([{ project_id: q, organisation: VARAM }]);
  });
});
