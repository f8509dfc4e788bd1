import { readFileSync } from 'node:fs';
import path from 'node:path';
import type request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildInvoice, SEED_SHARES, SUPPLIER } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, givenProject, PEOPLE, seededSuite, VRAA } from '../support/seeded.js';

/*
 * Every list of the API, walked page by page with a small limit: each item comes exactly once, in
 * the list's stable order, the same as one big page; every page but the last is full, and the last
 * says nextCursor null. What a beneficiary may not see is filtered before the limit, and its
 * cursors only ever hold its own rows. Bad limits are 422 naming `limit`, bad cursors 400 naming
 * `cursor`, on every list of the OpenAPI document.
 */

const OTHER = '40003000000';
const VK = '90000027359';
let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    other: ['olga', ['beneficiary'], OTHER],
    ilze: ['ilze', ['auditor'], VK],
    admin: ['root', ['admin'], CFLA],
    everyone: ['eve', ['officer', 'auditor', 'admin'], CFLA],
  },
  (a) => (app = a),
);

interface Given {
  /** Approved VRAA projects with budgets and three invoices declared in both: three same_invoice alerts. */
  approved: string[];
  /** The first approved project amended: versions 1 and 2 differ in several fields. */
  amended: string;
}
let given: Given;

const draft = async (who: 'anna' | 'other', registrationNumber: string) => {
  const res = await as(who)
    .post('/projects')
    .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: { ...eAdrese.recipient, registrationNumber } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.projectId as string;
};
const raise = async (projectId: string, severity: string) => {
  const res = await as('ilze')
    .post(`/projects/${projectId}/findings`)
    .send({
      category: 'procurement_breach',
      severity,
      amountAtRiskCents: 2_500_000,
      euShareCents: 2_125_000,
      concerns: { invoiceRef: 'PVN-2024/117' },
      description: 'Līguma grozījumi palielināja apjomu bez jauna iepirkuma',
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
};

beforeAll(async () => {
  const approved = [await givenProject(as, { shares: SEED_SHARES }), await givenProject(as, { shares: SEED_SHARES })];
  // Three invoices in both projects; grosses apart, so only same_invoice alerts (no near-duplicates).
  for (const gross of [121000, 242000, 363000]) {
    const invoice = buildInvoice({
      supplierRegNo: SUPPLIER,
      netCents: gross - 21000,
      grossCents: gross,
      allocations: [{ fund: 'RRF', cents: gross }],
    });
    for (const id of approved) await as('anna').post(`/projects/${id}/budget/invoices`).send(invoice).expect(201);
  }
  const vraa = [await draft('anna', VRAA), await draft('anna', VRAA), await draft('anna', VRAA)];
  const others = [await draft('other', OTHER), await draft('other', OTHER), await draft('other', OTHER)];
  // Findings interleaved between organisations, so hidden rows sit between visible ones.
  for (const [i, id] of [vraa[0]!, others[0]!, vraa[1]!, others[1]!, approved[0]!, others[2]!, vraa[2]!].entries()) {
    await raise(id, i % 2 ? 'low' : 'high');
  }
  const [amended] = approved;
  const amend = await as('anna').post(`/projects/${amended}/passport/amend`).send({ reason: 'Iepirkuma rezultāti' }).expect(200);
  const financing = structuredClone(eAdrese.sections.financing!);
  financing.costLines.forEach((line, i) => (line.indicativeCents += i % 2 ? -1000 : 1000));
  await as('anna').patch(`/projects/${amended}/passport`).set('If-Match', amend.headers.etag!).send({ financing }).expect(200);
  await as('anna').post(`/projects/${amended}/passport/submit`).expect(200);
  await app.service.context.projections.catchUp();
  given = { approved, amended: amended! };
}, 240_000);

type Query = Record<string, string | number>;
type Item = Record<string, unknown>;

/**
 * Walks a list with `limit` from the first page to the one whose nextCursor is null; checks every
 * page and that the walk equals one big page. Returns the items and the cursors met.
 */
async function walk(get: (q: Query) => request.Test, limit: number, key: (i: Item) => string) {
  const whole = await get({ limit: 500 });
  expect(whole.status, JSON.stringify(whole.body)).toBe(200);
  expect(whole.body.nextCursor).toBeNull();
  const seen: Item[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get({ limit, ...(cursor ? { cursor } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['items', 'nextCursor']));
    const items = res.body.items as Item[];
    cursor = res.body.nextCursor as string | null;
    // Only the last page may be short; a full last page may still say there is none after it.
    expect(items.length).toBeLessThanOrEqual(limit);
    if (cursor !== null) {
      expect(items).toHaveLength(limit);
      cursors.push(cursor);
    }
    seen.push(...items);
  } while (cursor !== null);
  const keys = seen.map(key);
  expect(new Set(keys).size, 'no item twice').toBe(keys.length);
  expect(keys).toEqual((whole.body.items as Item[]).map(key));
  expect(cursors.length, 'more than one page').toBeGreaterThan(0);
  return { items: seen, keys, cursors };
}

/** What a cursor holds, for this test only: clients must treat it as opaque. */
const peek = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8')) as unknown[];
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (keys: string[]) => [...keys].sort(byString);

describe('walking every list page by page', () => {
  it('when projects are walked, each comes once in id order', async () => {
    const { keys } = await walk(
      (q) => as('janis').get('/projects').query(q),
      2,
      (p) => p.projectId as string,
    );
    expect(keys).toEqual(sorted(keys));
    expect(keys).toEqual(expect.arrayContaining(given.approved));
  });

  it('when a beneficiary walks projects or findings, pages are full of its own rows and its cursors name only them', async () => {
    const projects = await walk(
      (q) => as('anna').get('/projects').query(q),
      1,
      (p) => p.projectId as string,
    );
    const officers = await walk(
      (q) =>
        as('janis')
          .get('/projects')
          .query({ ...q, organisation: VRAA }),
      2,
      (p) => p.projectId as string,
    );
    expect(projects.keys).toEqual(officers.keys);
    expect(projects.keys.length).toBeGreaterThanOrEqual(5);
    for (const cursor of projects.cursors) expect(projects.keys).toContain(peek(cursor)[1]);
    const others = await walk(
      (q) => as('other').get('/projects').query(q),
      1,
      (p) => p.projectId as string,
    );
    expect(others.keys).toHaveLength(3);
    expect(others.keys.filter((k) => projects.keys.includes(k))).toEqual([]);

    const findings = await walk(
      (q) => as('anna').get('/findings').query(q),
      1,
      (f) => f.findingId as string,
    );
    const all = await walk(
      (q) => as('janis').get('/findings').query(q),
      2,
      (f) => f.findingId as string,
    );
    const mine = all.items.filter((f) => projects.keys.includes(f.projectId as string)).map((f) => f.findingId);
    expect(findings.keys).toEqual(mine);
    expect(findings.keys).toHaveLength(4);
    for (const cursor of findings.cursors) expect(findings.keys).toContain(peek(cursor)[2]);
  });

  it('when findings are walked with a filter, each comes once in the order raised', async () => {
    const { items } = await walk(
      (q) =>
        as('ilze')
          .get('/findings')
          .query({ ...q, severity: 'high' }),
      1,
      (f) => f.findingId as string,
    );
    expect(items.every((f) => f.severity === 'high')).toBe(true);
    const order = items.map((f) => `${f.raisedAt as string}|${f.findingId as string}`);
    expect(order).toEqual(sorted(order));
  });

  it('when the alerts report and a project’s alerts are walked, each alert comes once, strongest rule first then by id', async () => {
    const report = await walk(
      (q) =>
        as('janis')
          .get('/double-funding/alerts')
          .query({ ...q, supplier: SUPPLIER }),
      2,
      (a) => a.alertId as string,
    );
    expect(report.keys.length).toBeGreaterThanOrEqual(3);
    const rank = ['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope'];
    const order = report.items.map((a) => `${rank.indexOf(a.rule as string)}|${a.alertId as string}`);
    expect(order).toEqual(sorted(order));

    const byProject = await walk(
      (q) =>
        as('janis')
          .get('/double-funding/alerts')
          .query({ ...q, projectId: given.approved[0]!, rule: 'same_invoice' }),
      2,
      (a) => a.alertId as string,
    );
    expect(byProject.keys).toHaveLength(3);
    const project = await walk(
      (q) => as('anna').get(`/projects/${given.approved[1]}/double-funding`).query(q),
      2,
      (a) => a.alertId as string,
    );
    expect(project.keys).toEqual(byProject.keys);
    const page = await as('anna').get(`/projects/${given.approved[1]}/double-funding`).query({ limit: 1 });
    expect(page.body).toMatchObject({ projectId: given.approved[1], asOf: expect.any(String), nextCursor: expect.any(String) });
  });

  it('when a passport diff, a stream history and the event feed are walked, each entry comes once in order', async () => {
    const diff = await walk(
      (q) => as('janis').get(`/projects/${given.amended}/passport/versions/1/diff/2`).query(q),
      2,
      (c) => c.path as string,
    );
    expect(diff.keys.length).toBeGreaterThanOrEqual(3);

    const stream = `passport-${given.amended}`;
    const history = await walk(
      (q) => as('ilze').get(`/history/streams/${stream}`).query(q),
      4,
      (e) => String(e.version),
    );
    expect(history.items.map((e) => e.version)).toEqual(history.items.map((_, i) => i + 1));
    const page = await as('ilze').get(`/history/streams/${stream}`).query({ limit: 1 });
    expect(page.body).toMatchObject({ streamId: stream, version: history.items.length, state: { status: 'submitted' } });

    const feed = await walk(
      (q) =>
        as('ilze')
          .get('/history/events')
          .query({ ...q, organisation: VRAA }),
      7,
      (e) => e.eventId as string,
    );
    expect(feed.items.every((e) => e.organisation === VRAA)).toBe(true);
  });

  it('when reference data, streams and projections are walked, each comes once in its key order', async () => {
    const programmes = await walk(
      (q) => as('anna').get('/programmes').query(q),
      1,
      (p) => `${p.code as string}|${p.period as string}`,
    );
    expect(programmes.keys).toEqual(sorted(programmes.keys));
    const nodes = await walk(
      (q) => as('anna').get('/programmes/ANM/2021-2026/nodes').query(q),
      4,
      (n) => n.code as string,
    );
    expect(nodes.keys.slice(0, 3)).toEqual(['2', '2.1', '2.1.2.1.i']);
    const streams = await walk(
      (q) => as('admin').get('/streams').query(q),
      10,
      (s) => s.streamId as string,
    );
    expect(streams.keys).toEqual(sorted(streams.keys));
    expect(streams.keys).toEqual(expect.arrayContaining([`passport-${given.amended}`, 'fund-RRF']));
    const projections = await walk(
      (q) => as('admin').get('/projections').query(q),
      3,
      (g) => `${g.projection as string}|${g.generation as number}`,
    );
    expect(projections.items.map((g) => g.projection)).toEqual(expect.arrayContaining(['projects', 'findings', 'double_funding']));
  });
});

/** The list operations of the OpenAPI document: GETs whose 200 answer has `items` and `nextCursor`. */
const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> } }>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};
const lists = Object.entries(spec.paths)
  .filter(([, item]) => {
    const ref = item.get?.responses['200']?.content?.['application/json']?.schema?.$ref;
    const props = ref ? spec.components.schemas[ref.split('/').at(-1)!]?.properties : undefined;
    return props !== undefined && 'items' in props && 'nextCursor' in props;
  })
  .map(([p]) => p);

describe('bad limits and cursors on every list', () => {
  const urlOf = (template: string) =>
    template
      .replace('{projectId}', given.amended)
      .replace('{a}', '1')
      .replace('{b}', '2')
      .replace('{streamId}', `passport-${given.amended}`)
      .replace('{programme}', 'ANM')
      .replace('{period}', '2021-2026');

  it('when the document is read, it has the lists', () => {
    expect(lists.length).toBeGreaterThanOrEqual(11);
  });

  it('when limit is 0, 501, 1.5 or not a number, every list answers 422 naming limit', async () => {
    for (const p of lists) {
      expect((await as('everyone').get(urlOf(p)).query({ limit: 3 })).status, p).toBe(200);
      for (const limit of ['0', '501', '1.5', 'abc']) {
        const res = await as('everyone').get(urlOf(p)).query({ limit });
        expect(res.status, `${p}?limit=${limit}: ${JSON.stringify(res.body)}`).toBe(422);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(
          res.body.errors.map((e: { pointer: string }) => e.pointer),
          p,
        ).toEqual(['/limit']);
      }
    }
  });

  it("when the cursor is garbage or another list's, every list answers 400 naming cursor", async () => {
    const otherList = (await as('everyone').get('/projections').query({ limit: 1 })).body.nextCursor as string;
    const foreign = (await as('everyone').get('/streams').query({ limit: 1 })).body.nextCursor as string;
    for (const p of lists) {
      for (const cursor of [
        'garbage!',
        'bm90IGpzb24',
        Buffer.from('["projects",1,2,3]').toString('base64url'),
        p === '/projections' ? foreign : otherList,
      ]) {
        const res = await as('everyone').get(urlOf(p)).query({ cursor });
        expect(res.status, `${p}?cursor=${cursor}: ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body).toMatchObject({ type: expect.stringContaining('invalid-cursor'), errors: [{ in: 'query', pointer: '/cursor' }] });
      }
    }
  });

  it('when the old paging parameters are sent, the list refuses them rather than ignore them', async () => {
    for (const [p, q] of [
      ['/projects', { after: given.amended }],
      ['/findings', { after: given.amended }],
      ['/history/events', { after: '0.0' }],
      ['/streams', { after: 'fund-RRF' }],
    ] as const) {
      const res = await as('everyone').get(p).query(q);
      expect(res.status, p).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ in: 'query', pointer: '/after' });
    }
  });
});
