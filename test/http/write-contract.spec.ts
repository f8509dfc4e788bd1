import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { eventCount } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES, SUPPLIER } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, givenProject, PEOPLE, seededSuite } from '../support/seeded.js';

/*
 * The contract of every state-changing operation, generated from the committed OpenAPI document
 * (test/http/openapi.spec.ts keeps it equal to the code): each POST, PUT, PATCH and DELETE in it
 * is exercised here, and a new one without a scenario below fails the first test.
 *
 * For each operation:
 * - Idempotency-Key is declared; the same key and request again returns the first status, body and
 *   ETag with `Idempotent-Replayed: true` and appends nothing, also when only the event store
 *   remembers the key (the kept answer lost); the same key with another body answers 422 naming
 *   the header and appends nothing.
 * - If-Match is declared on every write to an existing stream; a stale one answers 412 with the
 *   expected and the current version and appends nothing. A PUT or PATCH without it answers 428.
 * - The answer carries the stream's ETag, and the stream read back shows the same one.
 */

interface SpecOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, SpecOperation>>;
};
const WRITES = ['post', 'put', 'patch', 'delete'];
const writes = Object.entries(spec.paths).flatMap(([p, item]) =>
  Object.entries(item)
    .filter(([method]) => WRITES.includes(method))
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, method: method.toUpperCase(), path: p, op })),
);

/** What a scenario made for one operation to act on. */
interface Arranged {
  /** Path parameter values. */
  params: Record<string, string>;
  /** The JSON body; absent: no body. */
  body?: object;
  /** A file body instead of JSON. */
  file?: { type: string; bytes: Buffer };
  /** Where the written stream is read back (its ETag is the stream's version); absent for a creation: then Location says. */
  read?: string;
}

interface Scenario {
  /** Who calls the operation. */
  as: keyof typeof CAST;
  /** `existing`: writes to a stream that exists (If-Match applies); `new`: creates one; `none`: no stream (an operation on the service). */
  stream: 'existing' | 'new' | 'none';
  arrange(): Promise<Arranged>;
}

const CAST = {
  ...PEOPLE,
  ilze: ['ilze', ['auditor'], CFLA],
  edgars: ['edgars', ['officer'], CFLA],
  admin: ['admin', ['admin'], CFLA],
} as const;

let app: TestApp;
const as = seededSuite(CAST, (a) => (app = a));

const code = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`;
const name = (en: string) => ({ lv: en, en });

// --- arrangements, each on fresh objects ---------------------------------------------------

const draft = () => givenProject(as, { until: 'draft' });
async function submitted() {
  const id = await draft();
  await as('anna').post(`/projects/${id}/passport/submit`).expect(200);
  return id;
}
async function verified() {
  const id = await submitted();
  await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
  return id;
}
const approved = () => givenProject(as);
const withBudget = () => givenProject(as, { shares: SEED_SHARES });

async function invoiced() {
  const projectId = await withBudget();
  const invoice = await as('anna').post(`/projects/${projectId}/budget/invoices`).send(buildInvoice()).expect(201);
  return { projectId, invoiceId: invoice.body.id as string };
}
async function claimed() {
  const { projectId, invoiceId } = await invoiced();
  const claim = await as('anna')
    .post(`/projects/${projectId}/budget/claims`)
    .send(buildClaim([{ invoiceId, cents: 121000 }]))
    .expect(201);
  return { projectId, invoiceId, claimId: claim.body.id as string };
}
async function verifiedClaim() {
  const c = await claimed();
  await as('janis')
    .post(`/projects/${c.projectId}/budget/claims/${c.claimId}/verifications`)
    .send({ invoiceId: c.invoiceId, eligibleCents: 121000, ineligibleCents: 0 })
    .expect(200);
  return c;
}

async function projectIndicator() {
  const projectId = await approved();
  const res = await as('anna')
    .post(`/projects/${projectId}/indicators`)
    .send({
      code: 'RCR11',
      name: name('e-address users'),
      kind: 'target',
      unit: name('users/year'),
      baseline: { value: 54391, date: '2022-12-01' },
      target: { value: 223560, dueDate: '2026-06-30' },
    })
    .expect(201);
  return res.body.indicatorId as string;
}
async function reported() {
  const indicatorId = await projectIndicator();
  await as('anna').post(`/indicators/${indicatorId}/reports`).send({ value: 60000, asOfDate: '2024-06-30' }).expect(201);
  return indicatorId;
}

const RAISE = {
  category: 'ineligible_expenditure',
  severity: 'medium',
  amountAtRiskCents: 50000,
  euShareCents: 50000,
  description: 'Neattiecināmas izmaksas',
};
async function finding(projectId?: string) {
  const id = projectId ?? (await approved());
  const res = await as('ilze').post(`/projects/${id}/findings`).send(RAISE).expect(201);
  return res.body.findingId as string;
}
async function actionRequired() {
  const id = await finding();
  await as('ilze').post(`/findings/${id}/corrective-action`).send({ action: 'Atgūt izmaksas', deadline: '2030-06-30' }).expect(200);
  return id;
}
async function followedUp() {
  const id = await actionRequired();
  await as('janis').post(`/findings/${id}/follow-up`).send({ outcome: 'implemented', note: 'Atgūts' }).expect(200);
  return id;
}

async function fund() {
  const fundCode = code('F');
  await as('admin')
    .post('/funds')
    .send({ code: fundCode, name: name(`Fund ${fundCode}`), kind: 'eu' })
    .expect(201);
  return fundCode;
}
async function programme() {
  const programmeCode = code('P');
  await as('admin')
    .post('/programmes')
    .send({ code: programmeCode, period: '2021-2027', fund: 'ERDF', name: name(`Programme ${programmeCode}`) })
    .expect(201);
  return programmeCode;
}
async function node() {
  const programmeCode = await programme();
  await as('admin')
    .post(`/programmes/${programmeCode}/2021-2027/nodes`)
    .send({ code: '9', kind: 'policy_objective', name: name('Objective 9') })
    .expect(201);
  return programmeCode;
}

/** Two approved projects with budgets that declare the same invoice: one same_invoice alert. */
async function alert() {
  const projects = [await withBudget(), await withBudget()];
  const invoice = buildInvoice();
  for (const id of projects) await as('anna').post(`/projects/${id}/budget/invoices`).send(invoice).expect(201);
  await app.service.context.projections.catchUp();
  const alerts = await as('janis').get(`/double-funding/alerts?projectId=${projects[0]}`).expect(200);
  return (alerts.body.items as { alertId: string; rule: string }[]).find((a) => a.rule === 'same_invoice')!.alertId;
}

const CSV = Buffer.from(
  `supplier_reg_no;invoice_number;date;net;vat;gross;cost_line;alloc_RRF\n${SUPPLIER};IMP-${randomUUID().slice(0, 6)};2024-03-15;1000,00;210,00;1210,00;4.3;1210,00\n`,
);

const passportOf = (id: string) => `/projects/${id}/passport`;
const budgetOf = (id: string) => `/projects/${id}/budget`;

const SCENARIOS: Record<string, Scenario> = {
  'POST /projects': {
    as: 'anna',
    stream: 'new',
    arrange: () =>
      Promise.resolve({ params: {}, body: { title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient } }),
  },
  'PATCH /projects/{projectId}/passport': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await draft();
      return {
        params: { projectId },
        body: { other: { legalChanges: 'Nav', risks: 'Iepirkuma kavēšanās', links: '' } },
        read: passportOf(projectId),
      };
    },
  },
  'POST /projects/{projectId}/passport/submit': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await draft();
      return { params: { projectId }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/passport/verify': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const projectId = await submitted();
      return { params: { projectId }, body: { note: 'Pārbaudīts' }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/passport/return': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const projectId = await submitted();
      return {
        params: { projectId },
        body: { comments: [{ section: 'objective', text: 'Precizēt ieguvumus' }] },
        read: passportOf(projectId),
      };
    },
  },
  'POST /projects/{projectId}/passport/approve': {
    as: 'liga',
    stream: 'existing',
    arrange: async () => {
      const projectId = await verified();
      return { params: { projectId }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/passport/reject': {
    as: 'liga',
    stream: 'existing',
    arrange: async () => {
      const projectId = await verified();
      return { params: { projectId }, body: { reason: 'Neatbilst investīcijai' }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/passport/amend': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await approved();
      return { params: { projectId }, body: { reason: 'Izmaksu pārdale' }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/passport/withdraw': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await draft();
      return { params: { projectId }, body: { reason: 'Pārtraukts' }, read: passportOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget': {
    as: 'janis',
    stream: 'new',
    arrange: async () => ({ params: { projectId: await approved() }, body: { shares: SEED_SHARES, vatRecoverable: false } }),
  },
  'POST /projects/{projectId}/budget/contracts': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await withBudget();
      const body = {
        supplierRegNo: SUPPLIER,
        procurementId: 'VRAA 2023/12 ANM',
        amountCents: 250000000,
        signedOn: '2023-09-01',
        endsOn: '2025-12-31',
      };
      return { params: { projectId }, body, read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/invoices': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await withBudget();
      return { params: { projectId }, body: buildInvoice(), read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/invoices/import': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const projectId = await withBudget();
      return { params: { projectId }, file: { type: 'text/csv', bytes: CSV }, read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/claims': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const { projectId, invoiceId } = await invoiced();
      return { params: { projectId }, body: buildClaim([{ invoiceId, cents: 121000 }]), read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/claims/{claimId}/verifications': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const { projectId, claimId, invoiceId } = await claimed();
      return { params: { projectId, claimId }, body: { invoiceId, eligibleCents: 121000, ineligibleCents: 0 }, read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/claims/{claimId}/payment': {
    as: 'liga',
    stream: 'existing',
    arrange: async () => {
      const { projectId, claimId } = await verifiedClaim();
      return { params: { projectId, claimId }, body: { amountCents: 121000, paidOn: '2024-07-15' }, read: budgetOf(projectId) };
    },
  },
  'POST /projects/{projectId}/budget/corrections': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const { projectId } = await verifiedClaim();
      return {
        params: { projectId },
        body: { costLine: '4.3', amountCents: 25000, reason: 'Neattiecināmas izmaksas' },
        read: budgetOf(projectId),
      };
    },
  },
  'POST /indicators': {
    as: 'janis',
    stream: 'new',
    arrange: () =>
      Promise.resolve({
        params: {},
        body: {
          investment: { fund: 'RRF', programme: 'ANM', period: '2021-2026', investment: '2.3.1.2.i' },
          code: code('T'),
          name: name('Companies supported'),
          kind: 'target',
          unit: name('companies'),
          baseline: { value: 0, date: '2021-01-01' },
          target: { value: 2521, dueDate: '2026-06-30' },
        },
      }),
  },
  'POST /projects/{projectId}/indicators': {
    as: 'anna',
    stream: 'new',
    arrange: async () => ({
      params: { projectId: await approved() },
      body: { code: 'M1', name: name('Platform in operation'), kind: 'milestone', target: { dueDate: '2026-06-30' } },
    }),
  },
  'POST /indicators/{indicatorId}/reports': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const indicatorId = await projectIndicator();
      return { params: { indicatorId }, body: { value: 60000, asOfDate: '2024-06-30' }, read: `/indicators/${indicatorId}` };
    },
  },
  'POST /indicators/{indicatorId}/reports/{report}/verify': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const indicatorId = await reported();
      return { params: { indicatorId, report: '1' }, body: { note: 'Pārbaudīts' }, read: `/indicators/${indicatorId}` };
    },
  },
  'POST /indicators/{indicatorId}/reports/{report}/reject': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const indicatorId = await reported();
      return { params: { indicatorId, report: '1' }, body: { reason: 'Nav pierādījumu' }, read: `/indicators/${indicatorId}` };
    },
  },
  'POST /projects/{projectId}/findings': {
    as: 'ilze',
    stream: 'new',
    arrange: async () => ({ params: { projectId: await approved() }, body: RAISE }),
  },
  'POST /findings/{findingId}/response': {
    as: 'anna',
    stream: 'existing',
    arrange: async () => {
      const findingId = await finding();
      return { params: { findingId }, body: { response: 'Izmaksas atgūsim' }, read: `/findings/${findingId}` };
    },
  },
  'POST /findings/{findingId}/corrective-action': {
    as: 'ilze',
    stream: 'existing',
    arrange: async () => {
      const findingId = await finding();
      return { params: { findingId }, body: { action: 'Atgūt izmaksas', deadline: '2030-06-30' }, read: `/findings/${findingId}` };
    },
  },
  'POST /findings/{findingId}/follow-up': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const findingId = await actionRequired();
      return { params: { findingId }, body: { outcome: 'implemented', note: 'Atgūts' }, read: `/findings/${findingId}` };
    },
  },
  'POST /findings/{findingId}/close': {
    // Four-eyes: neither ilze, who raised it, nor janis, who recorded the follow-up.
    as: 'edgars',
    stream: 'existing',
    arrange: async () => {
      const findingId = await followedUp();
      return { params: { findingId }, body: { conclusion: 'Īstenots' }, read: `/findings/${findingId}` };
    },
  },
  'POST /findings/{findingId}/financial-correction': {
    // Four-eyes: not ilze, who raised it.
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const { projectId } = await verifiedClaim();
      const findingId = await finding(projectId);
      return {
        params: { findingId },
        body: { amountCents: 25000, costLine: '4.3', reason: '25 % korekcija' },
        read: `/findings/${findingId}`,
      };
    },
  },
  'POST /funds': {
    as: 'admin',
    stream: 'new',
    arrange: () => Promise.resolve({ params: {}, body: { code: code('F'), name: name('Innovation Fund'), kind: 'eu' } }),
  },
  'PUT /funds/{code}/name': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const fundCode = await fund();
      return {
        params: { code: fundCode },
        body: { name: name('Renamed fund'), reason: 'oficiālais nosaukums' },
        read: `/funds/${fundCode}`,
      };
    },
  },
  'POST /funds/{code}/retire': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const fundCode = await fund();
      return { params: { code: fundCode }, body: { reason: 'periods beidzies' }, read: `/funds/${fundCode}` };
    },
  },
  'POST /programmes': {
    as: 'admin',
    stream: 'new',
    arrange: () =>
      Promise.resolve({ params: {}, body: { code: code('P'), period: '2021-2027', fund: 'ERDF', name: name('Cohesion programme') } }),
  },
  'PUT /programmes/{programme}/{period}': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const p = await programme();
      return {
        params: { programme: p, period: '2021-2027' },
        body: { fund: 'ERDF', name: name('Renamed programme'), reason: 'grozījumi' },
        read: `/programmes/${p}/2021-2027`,
      };
    },
  },
  'POST /programmes/{programme}/{period}/retire': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const p = await programme();
      return { params: { programme: p, period: '2021-2027' }, body: { reason: 'periods beidzies' }, read: `/programmes/${p}/2021-2027` };
    },
  },
  'POST /programmes/{programme}/{period}/nodes': {
    as: 'admin',
    stream: 'new',
    arrange: async () => ({
      params: { programme: await programme(), period: '2021-2027' },
      body: { code: '9', kind: 'policy_objective', name: name('Objective 9') },
    }),
  },
  'PUT /programmes/{programme}/{period}/nodes/{code}': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const p = await node();
      const read = `/programmes/${p}/2021-2027/nodes/9`;
      return {
        params: { programme: p, period: '2021-2027', code: '9' },
        body: { name: name('Objective nine'), reason: 'precizēts' },
        read,
      };
    },
  },
  'POST /programmes/{programme}/{period}/nodes/{code}/retire': {
    as: 'admin',
    stream: 'existing',
    arrange: async () => {
      const p = await node();
      return {
        params: { programme: p, period: '2021-2027', code: '9' },
        body: { reason: 'apvienots' },
        read: `/programmes/${p}/2021-2027/nodes/9`,
      };
    },
  },
  'POST /double-funding/alerts/{alertId}/confirm': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const alertId = await alert();
      return {
        params: { alertId },
        body: { reason: 'Tas pats rēķins', finding: { severity: 'high' } },
        read: `/double-funding/alerts/${alertId}`,
      };
    },
  },
  'POST /double-funding/alerts/{alertId}/dismiss': {
    as: 'janis',
    stream: 'existing',
    arrange: async () => {
      const alertId = await alert();
      return { params: { alertId }, body: { reason: 'Divas piegādes' }, read: `/double-funding/alerts/${alertId}` };
    },
  },
  'POST /projections/{name}/rebuild': {
    as: 'admin',
    stream: 'none',
    arrange: () => Promise.resolve({ params: { name: 'stream_catalogue' } }),
  },
};

const urlOf = (p: string, params: Record<string, string>) => p.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k]!));
const headerNames = (op: SpecOperation) => (op.parameters ?? []).filter((x) => x.in === 'header').map((x) => x.name);

function send(
  method: string,
  url: string,
  who: keyof typeof CAST,
  arranged: Arranged,
  headers: Record<string, string>,
  body = arranged.body,
) {
  const req = as(who)[method.toLowerCase() as 'post' | 'put' | 'patch'](url);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  if (arranged.file && body === arranged.body) return req.set('Content-Type', arranged.file.type).send(arranged.file.bytes);
  return body === undefined ? req : req.send(body);
}

/** A stale version for a stream now at `current`: the one before, or (for an empty stream) one it has not reached. */
const stale = (current: number) => (current > 0 ? current - 1 : current + 1);

describe('the write contract, from the OpenAPI document', () => {
  it('when the document is read, every write operation has a scenario here and every scenario an operation', () => {
    expect(writes.length).toBeGreaterThan(30);
    expect(writes.map((w) => w.key).filter((k) => !SCENARIOS[k])).toEqual([]);
    expect(Object.keys(SCENARIOS).filter((k) => !writes.some((w) => w.key === k))).toEqual([]);
  });

  for (const { key, method, path: route, op } of writes) {
    const scenario = SCENARIOS[key];
    if (!scenario) continue;
    const replaces = method === 'PUT' || method === 'PATCH';

    describe(key, () => {
      let arranged: Arranged;
      let url: string;
      const idempotencyKey = `contract-${randomUUID()}`;
      let first: request.Response;
      /** The preconditions the first request carried; a retry is the same request, so it sends them again. */
      const sent: Record<string, string> = { 'Idempotency-Key': idempotencyKey };
      beforeAll(async () => {
        arranged = await scenario.arrange();
        url = urlOf(route, arranged.params);
      });

      it(`when the document is read, it declares Idempotency-Key${scenario.stream === 'existing' ? ', If-Match and 412' : ''}${replaces ? ' and 428' : ''}`, () => {
        expect(headerNames(op)).toContain('Idempotency-Key');
        if (scenario.stream === 'existing') {
          expect(headerNames(op)).toContain('If-Match');
          expect(Object.keys(op.responses)).toContain('412');
        } else expect(headerNames(op)).not.toContain('If-Match');
        if (replaces) expect(Object.keys(op.responses)).toContain('428');
      });

      if (scenario.stream === 'existing') {
        it('when If-Match names a stale version, it answers 412 with the expected and current versions and appends nothing', async () => {
          const current = await as(scenario.as).get(arranged.read!).expect(200);
          const version = Number(/^"(\d+)"$/.exec(current.headers.etag!)![1]);
          const before = await eventCount(app);
          const res = await send(method, url, scenario.as, arranged, { 'If-Match': `"${stale(version)}"` });
          expect(res.status, JSON.stringify(res.body)).toBe(412);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body).toMatchObject({ status: 412, expectedVersion: stale(version), actualVersion: version });
          expect(await eventCount(app)).toBe(before);
        });
      }

      if (replaces) {
        it('when If-Match is missing, it answers 428 naming the header and appends nothing', async () => {
          const before = await eventCount(app);
          const res = await send(method, url, scenario.as, arranged, {});
          expect(res.status, JSON.stringify(res.body)).toBe(428);
          expect(res.body.errors).toEqual([expect.objectContaining({ in: 'header', pointer: '/If-Match' })]);
          expect(await eventCount(app)).toBe(before);
        });
      }

      it('when sent with an Idempotency-Key, it succeeds with the ETag of what it wrote, and the stream read back has the same', async () => {
        if (replaces) sent['If-Match'] = (await as(scenario.as).get(arranged.read!)).headers.etag!;
        first = await send(method, url, scenario.as, arranged, sent);
        expect(first.status, JSON.stringify(first.body)).toBeGreaterThanOrEqual(200);
        expect(first.status).toBeLessThan(300);
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        if (scenario.stream === 'none') return;
        expect(first.headers.etag).toMatch(/^"\d+"$/);
        const read = arranged.read ?? first.headers.location;
        expect(read, 'a creation answers with Location').toBeDefined();
        expect((await as(scenario.as).get(read!).expect(200)).headers.etag).toBe(first.headers.etag);
      });

      it('when the same request comes again with the key, it answers as the first time, marked replayed, and appends nothing', async () => {
        const before = await eventCount(app);
        const again = await send(method, url, scenario.as, arranged, sent);
        expect(again.status).toBe(first.status);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.body).toEqual(first.body);
        expect(again.headers.etag).toBe(first.headers.etag);
        expect(again.headers.location).toBe(first.headers.location);
        expect(await eventCount(app)).toBe(before);
      });

      if (scenario.stream !== 'none') {
        it('when the kept answer is lost and the request comes again, the event store still knows the key: replayed, nothing appended', async () => {
          await app.db.pool.query('delete from http_idempotency where key like $1', [`%:${idempotencyKey}`]);
          const before = await eventCount(app);
          const again = await send(method, url, scenario.as, arranged, sent);
          expect(again.status, JSON.stringify(again.body)).toBe(first.status);
          expect(again.headers['idempotent-replayed']).toBe('true');
          expect(again.headers.etag).toBe(first.headers.etag);
          expect(again.body).toEqual(first.body);
          expect(await eventCount(app)).toBe(before);
        });
      }

      // An operation that takes no body never reads one (src/http/body.ts): another body is the same request.
      it.runIf(op.requestBody !== undefined)(
        'when the key comes again with another body, it answers 422 naming Idempotency-Key and appends nothing',
        async () => {
          const before = await eventCount(app);
          const other = arranged.file ? { not: 'the file' } : { ...(arranged.body ?? {}), reusedKey: true };
          const res = await send(method, url, scenario.as, { ...arranged, file: undefined }, sent, other);
          expect(res.status, JSON.stringify(res.body)).toBe(422);
          expect(res.body).toMatchObject({ type: expect.stringMatching(/idempotency-key-reused$/) });
          expect(res.body.errors).toEqual([expect.objectContaining({ in: 'header', pointer: '/Idempotency-Key' })]);
          expect(await eventCount(app)).toBe(before);
        },
      );
    });
  }
});
