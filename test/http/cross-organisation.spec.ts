import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventCount, type TestApp } from '../support/app.js';
import { jsonExample, operations, SAMPLE, urlOf, type Operation } from '../support/openapi-operations.js';
import { buildClaim, buildInvoice, SEED_SHARES, SUPPLIER } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, givenProject, PEOPLE, seededSuite, VRAA } from '../support/seeded.js';

/*
 * One organisation probes another through every operation of the OpenAPI document (read here, so
 * a new operation is probed the moment it exists). VRAA (anna) owns projects, a budget with
 * invoices, a claim, an indicator, a finding, an import job, double-funding alerts and cursors;
 * olga's organisation declares the same invoice in its own project. Olga then calls every
 * operation with VRAA's ids in the path, in each query filter, in the body and with VRAA's (and
 * an officer's) cursors. For each:
 * - an id of VRAA's in the path never answers 2xx, and appends nothing;
 * - every answer with a VRAA id is exactly the answer for an id that does not exist (status,
 *   problem type, title, detail and errors, the id as given);
 * - a cursor olga could not have received answers 400, the same as a forged one;
 * - no answer olga receives holds any of VRAA's ids (projects, events, invoices, claim, indicator,
 *   finding, job, alert ids) or texts, including the alerts of her own submission and project.
 * Open data is public by design (CPR Art. 49(3), RRF Art. 22) and is left out by name.
 */

const OTHER = '40003000000';
/** Published for everyone by law: every approved operation and the largest RRF recipients. */
const OPEN_DATA = ['GET /open-data/operations.csv', 'GET /open-data/rrf-top-recipients.csv'];

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    olga: ['olga', ['beneficiary'], OTHER],
    ilze: ['ilze', ['auditor'], CFLA],
  },
  (a) => (app = a),
  { IMPORT_SYNC_MAX_ROWS: '1' },
);

// --- the OpenAPI document's operations -----------------------------------------------------

const probed = operations.filter((o) => !OPEN_DATA.includes(o.key));

/** What kind of object a parameter or body field names, by its name. */
const KIND_OF: Record<string, Kind> = {
  projectId: 'project',
  findingId: 'finding',
  indicatorId: 'indicator',
  jobId: 'job',
  claimId: 'claim',
  invoiceId: 'invoice',
  alertId: 'alert',
  streamId: 'stream',
  organisation: 'organisation',
  beneficiary: 'organisation',
  registrationNumber: 'organisation',
};
type Kind = 'project' | 'finding' | 'indicator' | 'job' | 'claim' | 'invoice' | 'alert' | 'stream' | 'organisation';

/** A value of that kind that names nothing. */
const missing = (kind: Kind): string =>
  kind === 'organisation'
    ? '40009999999'
    : kind === 'alert'
      ? randomUUID().replace(/-/g, '')
      : kind === 'stream'
        ? `passport-${randomUUID()}`
        : randomUUID();

// --- VRAA's world --------------------------------------------------------------------------

interface World {
  /** VRAA's objects, by kind (the first is the one probed with). */
  vraa: Record<Kind, string[]>;
  /** Olga's own objects, to hold the other ids of a path steady. */
  own: Partial<Record<Kind, string>>;
  /** Everything of VRAA's olga must never see: ids, event ids, alert ids and texts. */
  secrets: string[];
  /** Cursors VRAA's beneficiary and an officer received, by operation. */
  cursors: Map<string, string[]>;
  /** Olga's answer when she declared the invoice VRAA had declared. */
  submission: request.Response;
}
let world: World;

const CSV = (numbers: string[]) =>
  Buffer.from(
    `supplier_reg_no;invoice_number;date;net;vat;gross;cost_line;alloc_RRF\n${numbers
      .map((n) => `${SUPPLIER};${n};2024-05-20;1000,00;210,00;1210,00;4.3;1210,00`)
      .join('\n')}\n`,
  );

beforeAll(async () => {
  const tag = randomUUID().slice(0, 8).toUpperCase();
  const texts = {
    secretNumber: `VRAA-SECRET-${tag}`,
    importNumbers: [`VRAA-IMP-${tag}-1`, `VRAA-IMP-${tag}-2`],
    procurement: `VRAA iepirkums ${tag}`,
    indicator: `VRAA rādītājs ${tag}`,
    finding: `VRAA konstatējums ${tag}`,
  };
  const shared = `SHARED-${tag}`;

  const projects = [await givenProject(as, { shares: SEED_SHARES }), await givenProject(as, { shares: SEED_SHARES })];
  const [project] = projects as [string, string];
  await as('anna')
    .post(`/projects/${project}/budget/contracts`)
    .send({
      supplierRegNo: SUPPLIER,
      procurementId: texts.procurement,
      amountCents: 5_000_000,
      signedOn: '2023-09-01',
      endsOn: '2025-12-31',
    })
    .expect(201);
  const invoiceIds: string[] = [];
  for (const number of [shared, texts.secretNumber]) {
    const res = await as('anna').post(`/projects/${project}/budget/invoices`).send(buildInvoice({ number })).expect(201);
    invoiceIds.push(res.body.id as string);
  }
  const claim = await as('anna')
    .post(`/projects/${project}/budget/claims`)
    .send(buildClaim([{ invoiceId: invoiceIds[0]!, cents: 121000 }]))
    .expect(201);
  const indicator = await as('anna')
    .post(`/projects/${project}/indicators`)
    .send({ code: 'M1', name: { lv: texts.indicator, en: texts.indicator }, kind: 'milestone', target: { dueDate: '2026-06-30' } })
    .expect(201);
  const findings: string[] = [];
  for (const severity of ['high', 'low']) {
    const res = await as('ilze')
      .post(`/projects/${project}/findings`)
      .send({ category: 'procurement_breach', severity, amountAtRiskCents: 50000, euShareCents: 50000, description: texts.finding })
      .expect(201);
    findings.push(res.body.findingId as string);
  }
  const job = await as('anna')
    .post(`/projects/${project}/budget/invoices/import`)
    .set('Content-Type', 'text/csv')
    .send(CSV(texts.importNumbers))
    .expect(202);
  const jobId = job.body.jobId as string;
  for (let i = 0; (await as('anna').get(`/projects/${project}/budget/import-jobs/${jobId}`)).body.state !== 'completed'; i++) {
    if (i > 200) throw new Error('the import job did not complete');
    await new Promise((r) => setTimeout(r, 100));
  }

  // Olga's organisation declares the shared invoice in its own project: alerts that involve both.
  const olgas = await givenProject(as, {
    who: 'olga',
    recipient: { ...eAdrese.recipient, registrationNumber: OTHER },
    shares: SEED_SHARES,
  });
  const olgasInvoice = await as('olga')
    .post(`/projects/${olgas}/budget/invoices`)
    .send(buildInvoice({ number: shared }))
    .expect(201);
  const olgasJob = await as('olga')
    .post(`/projects/${olgas}/budget/invoices/import`)
    .set('Content-Type', 'text/csv')
    .send(CSV([`OLGA-IMP-${tag}-1`, `OLGA-IMP-${tag}-2`]))
    .expect(202);
  await app.service.context.projections.catchUp();

  const alerts = await as('janis').get('/double-funding/alerts').query({ projectId: project, limit: 500 }).expect(200);
  const alertIds = (alerts.body.items as { alertId: string }[]).map((a) => a.alertId);
  // An officer confirms an alert of both organisations and raises a finding on each project: olga reads hers.
  const both = (alerts.body.items as { alertId: string; rule: string; projectIds: string[] }[]).find(
    (a) => a.rule === 'same_invoice' && a.projectIds.includes(olgas),
  );
  expect(both, 'a same-invoice alert of both organisations').toBeDefined();
  await as('janis')
    .post(`/double-funding/alerts/${both!.alertId}/confirm`)
    .send({ reason: `Rēķins ${both!.alertId} deklarēts arī projektā ${project}`, finding: { severity: 'high' } })
    .expect(200);
  await app.service.context.projections.catchUp();
  const olgasFindings = (await as('olga').get('/findings').expect(200)).body.items as { findingId: string; projectId: string }[];
  expect(
    olgasFindings.map((f) => f.projectId),
    'the finding raised on her project',
  ).toEqual([olgas]);
  const events: string[] = [];
  for (const p of projects) {
    const history = await as('ilze').get(`/history/projects/${p}`).query({ limit: 500 }).expect(200);
    events.push(...(history.body.items as { eventId: string }[]).map((e) => e.eventId));
  }
  const vraa: Record<Kind, string[]> = {
    project: projects,
    finding: findings,
    indicator: [indicator.body.indicatorId as string],
    job: [jobId],
    claim: [claim.body.id as string],
    invoice: invoiceIds,
    alert: alertIds,
    stream: [`passport-${project}`, `budget-${project}`],
    organisation: [VRAA],
  };
  world = {
    vraa,
    own: {
      project: olgas,
      invoice: olgasInvoice.body.id as string,
      job: olgasJob.body.jobId as string,
      finding: olgasFindings[0]!.findingId,
      organisation: OTHER,
    },
    secrets: [
      ...new Set([
        ...Object.entries(vraa).flatMap(([k, ids]) => (k === 'organisation' ? [] : ids)),
        ...events,
        ...Object.values(texts).flat(),
      ]),
    ],
    cursors: new Map(),
    submission: olgasInvoice,
  };
  world.cursors = await cursorsOfVraa();
  expect(alertIds.length, 'alerts between the two organisations').toBeGreaterThanOrEqual(2);
}, 120_000);

/** Path values for olga: her own where she has one, else VRAA's; `probe` set to `value`. */
function pathValues(op: Operation, probe?: { name: string; value: string }): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of (op.op.parameters ?? []).filter((x) => x.in === 'path')) {
    const kind = KIND_OF[p.name];
    values[p.name] = kind ? (world.own[kind] ?? world.vraa[kind][0]!) : (SAMPLE[p.name] ?? 'x');
  }
  if (probe) values[probe.name] = probe.value;
  return values;
}
/** VRAA's values everywhere in the path. */
const vraaPath = (op: Operation): Record<string, string> =>
  Object.fromEntries(
    (op.op.parameters ?? [])
      .filter((x) => x.in === 'path')
      .map((p) => [p.name, KIND_OF[p.name] ? world.vraa[KIND_OF[p.name]!][0]! : (SAMPLE[p.name] ?? 'x')]),
  );

async function call(
  who: string,
  op: Operation,
  values: Record<string, string>,
  query: Record<string, string> = {},
  body?: unknown,
): Promise<request.Response> {
  const req = as(who)[op.method as 'get'](urlOf(op, values)).query(query);
  if (op.method === 'put' || op.method === 'patch') req.set('If-Match', '"1"');
  if (!op.op.requestBody) return req;
  if (jsonExample(op) === undefined) return req.set('Content-Type', 'text/csv').send(CSV([`X-${randomUUID().slice(0, 8)}`]));
  return req.send((body ?? jsonExample(op)) as object);
}

/** The cursors VRAA's beneficiary and an officer get from every list, walked with limit 1 on VRAA's objects. */
async function cursorsOfVraa(): Promise<Map<string, string[]>> {
  const cursors = new Map<string, string[]>();
  for (const op of lists()) {
    for (const who of ['anna', 'janis', 'ilze']) {
      const res = await call(who, op, vraaPath(op), { limit: '1' });
      if (res.status === 200 && typeof res.body.nextCursor === 'string')
        cursors.set(op.key, [...(cursors.get(op.key) ?? []), res.body.nextCursor]);
    }
  }
  return cursors;
}
const lists = () => probed.filter((o) => o.method === 'get' && (o.op.parameters ?? []).some((p) => p.name === 'cursor'));

// --- what the answers are compared by --------------------------------------------------------

/** An answer with the probed id written as `<id>`, and the instants of the answer itself left out. */
function answer(res: request.Response, id: string) {
  const text = (v: unknown) =>
    JSON.stringify(v ?? null)
      .replaceAll(id, '<id>')
      .replaceAll(encodeURIComponent(id), '<id>');
  const { instance: _instance, asOf: _asOf, generatedAt: _generatedAt, ...body } = (res.body ?? {}) as Record<string, unknown>;
  return { status: res.status, body: text(body), text: res.type.includes('json') ? '' : text(res.text) };
}

/** Nothing of VRAA's anywhere in an answer to olga (body, text and headers) but the values she sent, echoed as given. */
function expectNothingOfVraa(res: request.Response, where: string, given: readonly string[] = []): void {
  let all = `${JSON.stringify(res.body ?? null)}\n${res.text ?? ''}\n${JSON.stringify(res.headers)}`;
  for (const g of given) all = all.replaceAll(g, '<given>').replaceAll(encodeURIComponent(g), '<given>');
  const found = world.secrets.filter((s) => all.includes(s) || all.includes(encodeURIComponent(s)));
  expect(found, `${where} shows VRAA's ${found.join(', ')}: ${all.slice(0, 600)}`).toEqual([]);
}

async function expectSameAsMissing(
  op: Operation,
  kind: Kind,
  run: (value: string) => Promise<request.Response>,
  where: string,
  /** What else olga's request holds (the rest of the path), echoed as given. */
  sent: readonly string[] = [],
) {
  const foreign = world.vraa[kind][0]!;
  const absent = missing(kind);
  const before = await eventCount(app);
  const theirs = await run(foreign);
  const none = await run(absent);
  expectNothingOfVraa(theirs, where, [...sent, foreign]);
  expect(answer(theirs, foreign), `${where}: VRAA's ${kind} answers unlike a missing one`).toEqual(answer(none, absent));
  if (op.method !== 'get') expect(await eventCount(app), `${where} appended`).toBe(before);
  return theirs;
}

// --- the probes -------------------------------------------------------------------------------

describe('another organisation, probing every operation of the OpenAPI document', () => {
  it('when the document is read, every operation but open data is probed, and every id parameter has a known kind', () => {
    expect(probed.length).toBe(operations.length - OPEN_DATA.length);
    expect(operations.map((o) => o.key)).toEqual(expect.arrayContaining(OPEN_DATA));
    const unknown = probed.flatMap((o) =>
      (o.op.parameters ?? [])
        .filter((p) => (p.in === 'path' || p.in === 'query') && (/Id$/.test(p.name) || p.schema?.format === 'uuid') && !KIND_OF[p.name])
        .map((p) => `${o.key} ${p.name}`),
    );
    expect(unknown, 'name the kind of these parameters in KIND_OF').toEqual([]);
  });

  for (const op of probed) {
    describe(op.key, () => {
      const pathIds = (op.op.parameters ?? []).filter((p) => p.in === 'path' && KIND_OF[p.name]);
      const queryIds = (op.op.parameters ?? []).filter((p) => p.in === 'query' && KIND_OF[p.name]);

      it("when olga calls it on her own objects, the answer holds nothing of VRAA's", async () => {
        const values = pathValues(op);
        const res = await call('olga', op, values);
        expectNothingOfVraa(res, op.key, Object.values(values));
      });

      for (const p of pathIds) {
        it(`when olga names VRAA's ${KIND_OF[p.name]} as {${p.name}}, it is not 2xx and answers exactly as for one that does not exist`, async () => {
          const kind = KIND_OF[p.name]!;
          const res = await expectSameAsMissing(
            op,
            kind,
            (value) => call('olga', op, pathValues(op, { name: p.name, value })),
            op.key,
            Object.values(pathValues(op)),
          );
          expect(res.status, `${op.key}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
        });
      }

      for (const p of queryIds) {
        it(`when olga filters by VRAA's ${KIND_OF[p.name]} (${p.name}), it answers exactly as for one that does not exist`, async () => {
          const kind = KIND_OF[p.name]!;
          await expectSameAsMissing(
            op,
            kind,
            (value) => call('olga', op, pathValues(op), { [p.name]: value }),
            `${op.key}?${p.name}`,
            Object.values(pathValues(op)),
          );
        });
      }

      const example = jsonExample(op);
      const bodyIds = example === undefined ? [] : fieldsNamingObjects(example);
      for (const field of bodyIds) {
        it(`when olga's body names VRAA's ${field.kind} (${field.path.join('.')}), it answers exactly as for one that does not exist`, async () => {
          const res = await expectSameAsMissing(
            op,
            field.kind,
            (value) => call('olga', op, pathValues(op), {}, withValue(example, field.path, value)),
            `${op.key} body ${field.path.join('.')}`,
            Object.values(pathValues(op)),
          );
          if (field.kind !== 'organisation') expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
        });
      }

      if ((op.op.parameters ?? []).some((p) => p.name === 'cursor')) {
        it("when olga sends VRAA's or an officer's cursor, it answers 400 invalid-cursor, the same as for a forged one", async () => {
          const theirs = world.cursors.get(op.key) ?? [];
          const forged = `${Buffer.from(JSON.stringify(['findings', '2025-01-01T00:00:00.000Z', randomUUID()])).toString('base64url')}.${'A'.repeat(22)}`;
          const none = await call('olga', op, pathValues(op), { cursor: forged });
          if (none.status === 403) return; // not olga's to call at all
          expect(none.status, JSON.stringify(none.body)).toBe(400);
          for (const cursor of theirs) {
            const res = await call('olga', op, pathValues(op), { cursor });
            expectNothingOfVraa(res, `${op.key}?cursor`, Object.values(pathValues(op)));
            expect(answer(res, cursor)).toEqual(answer(none, forged));
          }
        });
      }
    });
  }

  it('when the probes are set up, VRAA has cursors on its lists to probe with', () => {
    for (const key of [
      'GET /projects',
      'GET /findings',
      'GET /projects/{projectId}/double-funding',
      'GET /projects/{projectId}/budget/import-jobs/{jobId}/invoices',
    ]) {
      expect(world.cursors.get(key)?.length, key).toBeGreaterThan(0);
    }
  });
});

describe('the alerts of an invoice another organisation also declared', () => {
  it("when olga declares VRAA's invoice, her answer and her project's alerts say it is declared elsewhere, with the rule, the amount and only her own ids", async () => {
    const project = world.own.project!;
    const invoice = world.submission;
    expectNothingOfVraa(invoice, 'submission');
    const [alert] = invoice.body.alerts as Record<string, unknown>[];
    expect(alert).toMatchObject({ rule: 'same_invoice', amountAtRiskCents: 121000, projectIds: [project], organisations: [OTHER] });
    expect(alert!.invoiceIds).toContain(invoice.body.id);

    const view = await as('olga').get(`/projects/${project}/double-funding`).expect(200);
    expectNothingOfVraa(view, 'project view');
    const rules = (view.body.items as { rule: string }[]).map((a) => a.rule);
    expect(rules).toEqual(expect.arrayContaining(['same_invoice', 'near_duplicate']));
    for (const a of view.body.items as { projectIds: string[]; eventIds: string[] }[]) {
      expect(a.projectIds).toEqual([project]);
      expect(a.eventIds.length).toBeGreaterThan(0);
    }
  });

  it('when an officer reads the same alerts, they are whole: both projects, every event, the alert ids the queue knows', async () => {
    const view = await as('janis').get(`/projects/${world.own.project!}/double-funding`).expect(200);
    const sameInvoice = (view.body.items as { rule: string; projectIds: string[]; alertId: string }[]).find(
      (a) => a.rule === 'same_invoice',
    )!;
    expect(sameInvoice.projectIds).toEqual(expect.arrayContaining([world.own.project!, world.vraa.project[0]!]));
    expect(world.vraa.alert).toContain(sameInvoice.alertId);
  });
});

/** The fields of a body example that name an object, by their name. */
function fieldsNamingObjects(value: unknown, at: string[] = []): { path: string[]; kind: Kind }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => fieldsNamingObjects(v, [...at, String(i)]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    typeof v === 'string' && KIND_OF[k] ? [{ path: [...at, k], kind: KIND_OF[k] }] : fieldsNamingObjects(v, [...at, k]),
  );
}

function withValue(example: unknown, at: string[], value: string): unknown {
  const copy = structuredClone(example) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[at.at(-1)!] = value;
  return copy;
}
