import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, VRAA, givenProject, seededSuite } from '../support/seeded.js';

/*
 * The officers' double-funding queue over HTTP: the alerts read model filtered, sorted and
 * cursor-paged, with counts; decisions with If-Match; the council report reading the same rows.
 */

let app: TestApp;
const as = seededSuite(
  { ...PEOPLE, vera: ['vera', ['auditor'], '90000000001'], council: ['dace', ['council'], '90000000002'] },
  (a) => (app = a),
);
const supplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
const RULES = ['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope'];

type Alert = { alertId: string; rule: string; amountAtRiskCents: number; firstSeenAt: string; status: string; projectIds: string[] };
let s: string;
let projects: string[];

beforeAll(async () => {
  s = supplier();
  projects = [await givenProject(as, { shares: SEED_SHARES }), await givenProject(as, { shares: SEED_SHARES })];
  const [a, b] = projects as [string, string];
  // Rule 1 twice (two invoice numbers each declared in both projects, 1 210,00 and 2 420,00 EUR) and rule 3 (same gross, two days apart).
  for (const [number, gross] of [
    ['LVRTC-2024/0117', 121_000],
    ['LVRTC-2024/0200', 242_000],
  ] as const) {
    const invoice = buildInvoice({
      supplierRegNo: s,
      number,
      netCents: gross,
      vatCents: 0,
      grossCents: gross,
      allocations: [{ fund: 'RRF', cents: gross }],
    });
    await as('anna').post(`/projects/${a}/budget/invoices`).send(invoice).expect(201);
    await as('anna').post(`/projects/${b}/budget/invoices`).send(invoice).expect(201);
  }
  await as('anna')
    .post(`/projects/${a}/budget/invoices`)
    .send(buildInvoice({ supplierRegNo: s, number: 'LVRTC-2024/0118', date: '2024-03-17' }))
    .expect(201);
  await app.service.context.projections.catchUp();
});

const queue = (query: Record<string, string | number>) =>
  as('janis')
    .get('/double-funding/alerts')
    .query({ supplier: s, ...query });

async function walk(query: Record<string, string | number>): Promise<Alert[]> {
  const seen: Alert[] = [];
  let cursor: string | undefined;
  do {
    const res = await queue({ ...query, limit: 1, ...(cursor ? { cursor } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...(res.body.items as Alert[]));
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

describe('the double-funding queue', () => {
  it('when walked by cursor in each sort, every alert comes once, in that sort’s order', async () => {
    const byRule = await walk({});
    expect(byRule.map((a) => a.rule)).toEqual(['same_invoice', 'same_invoice', 'near_duplicate']);
    expect(new Set(byRule.map((a) => a.alertId)).size).toBe(3);
    const byAmount = await walk({ sort: 'amount' });
    expect(byAmount.map((a) => a.amountAtRiskCents)).toEqual([...byAmount.map((a) => a.amountAtRiskCents)].sort((x, y) => y - x));
    expect(byAmount.map((a) => a.amountAtRiskCents)[0]).toBe(242_000);
    const newest = await walk({ sort: 'newest' });
    expect(newest.map((a) => a.firstSeenAt)).toEqual([...newest.map((a) => a.firstSeenAt)].sort().reverse());
    expect(new Set(newest.map((a) => a.alertId))).toEqual(new Set(byRule.map((a) => a.alertId)));
  });

  it('when a cursor of one sort is passed to another, it answers 400 naming cursor', async () => {
    const first = await queue({ limit: 1 });
    const res = await queue({ limit: 1, sort: 'amount', cursor: first.body.nextCursor });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('cursor');
  });

  it('when filtered, every filter holds, and the counts give each status and rule under the other filters', async () => {
    expect((await queue({ rule: 'near_duplicate' })).body.items.map((x: Alert) => x.projectIds)).toEqual([[...projects].sort()]);
    expect((await queue({ projectId: projects[1]! })).body.items).toHaveLength(3);
    expect((await queue({ fund: 'RRF' })).body.items).toHaveLength(3);
    expect((await queue({ fund: 'ERDF' })).body.items).toEqual([]);
    expect((await queue({ organisation: VRAA })).body.items).toHaveLength(3);
    expect((await queue({ organisation: '90000000009' })).body.items).toEqual([]);
    expect((await queue({ investment: '2.1.2.1.i' })).body.items).toHaveLength(3);
    expect((await queue({ programme: 'ANM' })).body.items).toHaveLength(3);
    expect((await queue({ minAmountCents: 200_000 })).body.items.map((x: Alert) => x.amountAtRiskCents)).toEqual([242_000]);
    expect((await queue({ maxAmountCents: 130_000 })).body.items.every((x: Alert) => x.amountAtRiskCents <= 130_000)).toBe(true);
    expect((await queue({ seenFrom: new Date(Date.now() + 60_000).toISOString() })).body.items).toEqual([]);
    expect((await queue({ seenBefore: new Date(Date.now() + 60_000).toISOString() })).body.items).toHaveLength(3);

    const res = await queue({ status: 'open', rule: 'same_invoice' });
    expect(res.body.items).toHaveLength(2);
    expect(res.body.counts).toEqual({
      // By status: whatever the status filter says, within the rule filter; by rule: whatever the rule filter says, within the status filter.
      byStatus: { open: 2, confirmed: 0, dismissed: 0 },
      byRule: { same_invoice: 2, over_allocation: 0, near_duplicate: 1, vat_twice: 0, overlapping_scope: 0 },
    });
    const refusals: Record<string, string | number>[] = [
      { minAmountCents: -1 },
      { sort: 'largest' },
      { status: 'closed' },
      { seenFrom: 'yesterday' },
    ];
    for (const bad of refusals) {
      const refused = await queue(bad);
      expect(refused.status, JSON.stringify(bad)).toBe(422);
      expect(JSON.stringify(refused.body.errors)).toContain(Object.keys(bad)[0]);
    }
  });

  it('when an officer confirms with a stale If-Match it is 412; with the current one the queue, its counts and the council report follow', async () => {
    const [first] = (await queue({ rule: 'same_invoice', sort: 'amount' })).body.items as Alert[];
    const read = await as('janis').get(`/double-funding/alerts/${first!.alertId}`).expect(200);
    expect(read.headers.etag).toBe('"0"');
    const stale = await as('janis')
      .post(`/double-funding/alerts/${first!.alertId}/confirm`)
      .set('If-Match', '"3"')
      .send({ reason: 'Rēķins deklarēts divos projektos' });
    expect(stale.status).toBe(412);
    const confirmed = await as('janis')
      .post(`/double-funding/alerts/${first!.alertId}/confirm`)
      .set('If-Match', read.headers.etag!)
      .send({ reason: 'Rēķins deklarēts divos projektos' });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', decidedBy: 'janis', decidedAt: expect.any(String) });

    await app.service.context.projections.catchUp();
    const open = await queue({ status: 'open' });
    expect(open.body.items.map((x: Alert) => x.alertId)).not.toContain(first!.alertId);
    expect(open.body.counts.byStatus).toEqual({ open: 2, confirmed: 1, dismissed: 0 });
    const decided = await queue({ status: 'confirmed' });
    expect(decided.body.items).toEqual([
      expect.objectContaining({
        alertId: first!.alertId,
        status: 'confirmed',
        reason: 'Rēķins deklarēts divos projektos',
        decidedBy: 'janis',
      }),
    ]);

    const today = new Date().toISOString().slice(0, 10);
    const report = await as('council').get('/reports/council').query({ from: today, to: today }).expect(200);
    const reported = (report.body.doubleFundingAlerts.items as Alert[]).filter((x) =>
      open.body.items.some((o: Alert) => o.alertId === x.alertId),
    );
    expect(reported.map((x) => x.alertId).sort()).toEqual(open.body.items.map((x: Alert) => x.alertId).sort());
    expect((report.body.doubleFundingAlerts.items as Alert[]).every((x) => x.status === 'open' && RULES.includes(x.rule))).toBe(true);
  });

  it('when the alerts table is not there yet (a new version of the read model building from zero), the queue answers 503 saying so', async () => {
    const { pool } = app.service.context;
    const { rows } = await pool.query<{ definition: string }>(`select pg_get_viewdef('df_alerts'::regclass) as definition`);
    await pool.query('drop view df_alerts');
    try {
      for (const path of [
        '/double-funding/alerts?sort=amount&supplier=40003011203',
        '/double-funding/alerts/0123456789abcdef0123456789abcdef',
      ]) {
        const res = await as('janis').get(path);
        expect(res.status, path).toBe(503);
        expect(res.body).toMatchObject({ title: 'Read model being built', detail: expect.stringContaining('df_alerts') });
      }
    } finally {
      await pool.query(`create view df_alerts as ${rows[0]!.definition}`);
    }
    expect((await queue({})).status).toBe(200);
  });
});
