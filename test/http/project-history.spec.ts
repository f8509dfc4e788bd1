import { parse } from 'csv-parse/sync';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  EXPORT_CSV_COLUMNS,
  PROJECT_EXPORT_FORMAT,
  verifyProjectCsv,
  verifyProjectJsonl,
  type ExportCsvColumn,
} from '../../src/audit/project-export.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { asText, type TestApp } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, VRAA, seededSuite } from '../support/seeded.js';

/**
 * The auditor's history of one project, over HTTP: one project built through the whole life
 * of its passport, budget, indicator and findings by the people who would do each step, next to
 * another organisation's project and reference data written at the same time; then its history
 * (paged, filtered), its exports (JSON Lines and CSV) and the feed are read back and compared,
 * event by event, with what the event store holds for the project's streams.
 */

const VK = '90000027359';
/** The other organisation, beneficiary of the second project. */
const OTHER_ORG = '40003000009';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    zane: ['zane', ['officer'], CFLA],
    ilze: ['ilze', ['auditor'], VK],
    valdis: ['valdis', ['auditor'], VK],
    /** The auditor who reads the history: she writes nothing. */
    inese: ['inese', ['auditor'], VK],
    oskars: ['oskars', ['beneficiary'], OTHER_ORG],
    admin: ['arturs', ['admin'], '90000099999'],
  },
  (a) => (app = a),
);
const store = () => app.service.context.store;

/** Texts with a comma and quotes, to see them come back whole from the CSV's `data` column. */
const REJECTION = 'Dati nesakrīt ar reģistru, "dubultie" ieraksti, jāpārbauda';
const FINDING_TEXT = 'Līguma grozījumi, "bez jauna iepirkuma", palielināja apjomu par 18 %';

const supplier = () => `4${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fails with the response when the status is not the one expected. */
function ok(res: request.Response, status: number): request.Response {
  expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBe(status);
  return res;
}

/** `"<txid>.<seq>"` as a pair of BigInts, compared as numbers, never as strings. */
function position(p: string): [bigint, bigint] {
  const m = /^(\d+)\.(\d+)$/.exec(p);
  if (!m) throw new Error(`not a position: ${p}`);
  return [BigInt(m[1]!), BigInt(m[2]!)];
}
const before = (a: [bigint, bigint], b: [bigint, bigint]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const byStorePosition = (a: StoredEvent, b: StoredEvent) =>
  a.position.transactionId !== b.position.transactionId
    ? a.position.transactionId < b.position.transactionId
      ? -1
      : 1
    : a.position.sequence < b.position.sequence
      ? -1
      : a.position.sequence > b.position.sequence
        ? 1
        : 0;

interface Item {
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  recordedAt: string;
  position: string;
  actor: string;
  organisation: string;
  role: string;
  description: { lv: string; en: string };
  data: Record<string, unknown>;
  changes: { path: string; before: unknown; after: unknown }[];
  fourEyes: { act: string; actor: string; earlier: { step: string; actor: string }[] } | null;
}

/** Every item of a paged list, following nextCursor; checks each page's size on the way. */
async function allPages(url: string, query: Record<string, string | number> = {}, limit = 7): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 200) throw new Error(`${url}: more than 200 pages`);
    const res: request.Response = await as('inese')
      .get(url)
      .query({ ...query, limit, ...(cursor ? { cursor } : {}) });
    ok(res, 200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...(res.body.items as Item[]));
    cursor = res.body.nextCursor as string | null;
    if (!cursor) return items;
    expect(res.body.items).toHaveLength(limit);
  }
}

const ids = (events: readonly { eventId?: string; id?: string }[]) => events.map((e) => e.eventId ?? e.id!);

/** What the test built: the project's streams and the ids the steps answered with. */
let projectId: string;
let otherProjectId: string;
let streams: { passport: string; budget: string; indicator: string; findingA: string; findingB: string };
/** The union of the project's streams as the store holds them, in global order. */
let expected: StoredEvent[];
/** Events of the second project and of reference data, written in between. */
let foreign: StoredEvent[];
/** Instants between the passport's approval and the budget, and between the budget and the indicator. */
let afterPassport: string;
let afterBudget: string;
let history: Item[];

beforeAll(async () => {
  // -- the passport: drafted, filled, submitted, verified, approved; amended and approved again.
  const drafted = ok(
    await as('anna').post('/projects').send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient }),
    201,
  );
  projectId = drafted.body.projectId;
  ok(await as('anna').patch(`/projects/${projectId}/passport`).set('If-Match', drafted.headers.etag!).send(eAdrese.sections), 200);

  // The other organisation's project starts in between; reference data is written too.
  const other = ok(
    await as('oskars')
      .post('/projects')
      .send({
        title: { lv: 'Cits projekts', en: 'Another project' },
        programme: eAdrese.programme,
        recipient: { name: 'SIA "Cits"', registrationNumber: OTHER_ORG, directAdministration: false },
      }),
    201,
  );
  otherProjectId = other.body.projectId;
  ok(
    await as('admin')
      .post('/funds')
      .send({ code: 'PHX', name: { lv: 'Pārbaudes fonds', en: 'Test fund' }, kind: 'eu' }),
    201,
  );

  ok(await as('anna').post(`/projects/${projectId}/passport/submit`), 200);
  ok(await as('janis').post(`/projects/${projectId}/passport/verify`).send({ note: 'Pārbaudīts' }), 200);
  ok(await as('oskars').patch(`/projects/${otherProjectId}/passport`).set('If-Match', other.headers.etag!).send(eAdrese.sections), 200);
  ok(await as('liga').post(`/projects/${projectId}/passport/approve`), 200);

  const amend = ok(await as('anna').post(`/projects/${projectId}/passport/amend`).send({ reason: 'Iepirkuma rezultāti' }), 200);
  const financing = structuredClone(eAdrese.sections.financing!);
  financing.costLines[0]!.indicativeCents = 279_600_000;
  financing.costLines[2]!.indicativeCents = 82_400_000;
  ok(await as('anna').patch(`/projects/${projectId}/passport`).set('If-Match', amend.headers.etag!).send({ financing }), 200);
  ok(await as('anna').post(`/projects/${projectId}/passport/submit`), 200);
  ok(await as('oskars').post(`/projects/${otherProjectId}/passport/submit`), 200);
  ok(await as('janis').post(`/projects/${projectId}/passport/verify`).send({}), 200);
  const approved = ok(await as('liga').post(`/projects/${projectId}/passport/approve`), 200);
  expect(approved.body).toMatchObject({ status: 'approved', approvedVersion: 2 });

  await sleep(30);
  afterPassport = new Date().toISOString();
  await sleep(30);

  // -- the budget: opened, a contract, two invoices and an import, a claim verified and paid, a correction.
  ok(await as('janis').post(`/projects/${projectId}/budget`).send({ shares: SEED_SHARES, vatRecoverable: false }), 201);
  ok(
    await as('anna').post(`/projects/${projectId}/budget/contracts`).send({
      supplierRegNo: supplier(),
      procurementId: 'VRAA 2023/12',
      amountCents: 5_000_000,
      signedOn: '2023-09-01',
      endsOn: '2025-12-31',
    }),
    201,
  );
  const inv1 = ok(
    await as('anna')
      .post(`/projects/${projectId}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: supplier() })),
    201,
  );
  ok(await as('janis').post(`/projects/${otherProjectId}/passport/verify`).send({}), 200);
  const inv2 = ok(
    await as('anna')
      .post(`/projects/${projectId}/budget/invoices`)
      .send(buildInvoice({ supplierRegNo: supplier(), date: '2024-04-10' })),
    201,
  );
  const s = supplier();
  const imported = ok(
    await as('anna')
      .post(`/projects/${projectId}/budget/invoices/import`)
      .set('Content-Type', 'text/csv')
      .send(
        [
          'supplier_reg_no,invoice_number,date,net,vat,gross,cost_line,alloc_RRF,alloc_STATE',
          `${s},IMP-1,2024-04-02,1000.00,210.00,1210.00,4.4,1000.00,210.00`,
          `${s},IMP-2,2024-04-03,500.00,105.00,605.00,4.4,605.00,`,
        ].join('\n') + '\n',
      ),
    201,
  );
  expect(imported.body.imported).toBe(2);
  const claim = ok(
    await as('anna')
      .post(`/projects/${projectId}/budget/claims`)
      .send(
        buildClaim([
          { invoiceId: inv1.body.id, cents: 121_000 },
          { invoiceId: inv2.body.id, cents: 121_000 },
        ]),
      ),
    201,
  );
  ok(
    await as('janis')
      .post(`/projects/${projectId}/budget/claims/${claim.body.id}/verifications`)
      .send({ invoiceId: inv1.body.id, eligibleCents: 100_000, ineligibleCents: 21_000, reasonCode: 'VAT_RECOVERABLE' }),
    200,
  );
  ok(
    await as('janis')
      .post(`/projects/${projectId}/budget/claims/${claim.body.id}/verifications`)
      .send({ invoiceId: inv2.body.id, eligibleCents: 121_000, ineligibleCents: 0 }),
    200,
  );
  ok(
    await as('admin')
      .put('/funds/PHX/name')
      .set('If-Match', '"1"')
      .send({ name: { lv: 'Cits', en: 'Other' }, reason: 'nosaukums' }),
    200,
  );
  ok(
    await as('liga')
      .post(`/projects/${projectId}/budget/claims/${claim.body.id}/payment`)
      .send({ amountCents: 221_000, paidOn: '2024-07-15' }),
    200,
  );
  ok(
    await as('janis').post(`/projects/${projectId}/budget/corrections`).send({
      costLine: '4.3',
      amountCents: 25_000,
      reason: 'Neattiecināmas izmaksas',
      invoiceId: inv1.body.id,
      claimId: claim.body.id,
    }),
    201,
  );

  await sleep(30);
  afterBudget = new Date().toISOString();
  await sleep(30);

  // -- a project indicator: one value verified, another rejected; a programme-level one beside it.
  const indicator = ok(
    await as('anna')
      .post(`/projects/${projectId}/indicators`)
      .send({
        code: 'RCR11',
        name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
        kind: 'target',
        unit: { lv: 'lietotāji gadā', en: 'users/year' },
        baseline: { value: 54_391, date: '2022-12-01' },
        target: { value: 223_560, dueDate: '2026-12-31' },
      }),
    201,
  );
  const indicatorId: string = indicator.body.indicatorId;
  const programmeIndicator = ok(
    await as('janis')
      .post('/indicators')
      .send({
        investment: { fund: 'RRF', programme: 'ANM', period: '2021-2026', investment: '2.3.1.2.i' },
        code: 'T2',
        name: { lv: 'Atbalstītie uzņēmumi', en: 'Companies supported' },
        kind: 'target',
        unit: { lv: 'uzņēmumi', en: 'companies' },
        baseline: { value: 0, date: '2021-07-01' },
        target: { value: 2_521, dueDate: '2026-06-30' },
      }),
    201,
  );
  ok(
    await as('anna')
      .post(`/indicators/${indicatorId}/reports`)
      .send({ value: 150_000, asOfDate: '2025-12-31', qualifier: 'approximately' }),
    201,
  );
  ok(await as('janis').post(`/indicators/${indicatorId}/reports/1/verify`).send({ note: 'Pārbaudīts' }), 200);
  ok(await as('anna').post(`/indicators/${indicatorId}/reports`).send({ value: 160_000, asOfDate: '2025-12-31' }), 201);
  const rejected = ok(await as('janis').post(`/indicators/${indicatorId}/reports/2/reject`).send({ reason: REJECTION }), 200);
  expect(rejected.body.reports[1]).toMatchObject({ review: 'rejected', reviewNote: REJECTION });

  // -- two findings through their life; the first corrects the budget.
  const raise = (severity: string, description: string) => ({
    category: 'procurement_breach',
    severity,
    amountAtRiskCents: 2_500_000,
    euShareCents: 2_125_000,
    concerns: { invoiceRef: 'PVN-2024/117' },
    description,
  });
  const findingA: string = ok(await as('ilze').post(`/projects/${projectId}/findings`).send(raise('high', FINDING_TEXT)), 201).body
    .findingId;
  const findingB: string = ok(await as('ilze').post(`/projects/${projectId}/findings`).send(raise('low', 'Publicitātes prasības')), 201)
    .body.findingId;
  const otherFinding: string = ok(
    await as('ilze').post(`/projects/${otherProjectId}/findings`).send(raise('low', 'Cita projekta konstatējums')),
    201,
  ).body.findingId;
  ok(await as('anna').post(`/findings/${findingA}/response`).send({ response: 'Grozījumi bija nepieciešami' }), 200);
  ok(await as('anna').post(`/findings/${findingB}/response`).send({ response: 'Novērsīsim' }), 200);
  ok(
    await as('janis')
      .post(`/findings/${findingA}/corrective-action`)
      .send({ action: 'Atgūt izmaksas', deadline: daysFromNow(30) }),
    200,
  );
  ok(
    await as('janis')
      .post(`/findings/${findingB}/corrective-action`)
      .send({ action: 'Izvietot plāksni', deadline: daysFromNow(20) }),
    200,
  );
  const corrected = ok(
    await as('valdis')
      .post(`/findings/${findingA}/financial-correction`)
      .send({ amountCents: 50_000, costLine: '4.3', reason: '25 % korekcija' }),
    200,
  );
  expect(corrected.body.corrections).toEqual([expect.objectContaining({ correction: 1, amountCents: 50_000 })]);
  ok(await as('janis').post(`/findings/${findingA}/follow-up`).send({ outcome: 'implemented', note: 'Izmaksas atgūtas' }), 200);
  ok(await as('ilze').post(`/findings/${findingB}/follow-up`).send({ outcome: 'implemented', note: 'Plāksne izvietota' }), 200);
  ok(await as('zane').post(`/findings/${findingA}/close`).send({ conclusion: 'Slēgts' }), 200);
  ok(await as('janis').post(`/findings/${findingB}/close`).send({ conclusion: 'Slēgts' }), 200);

  // Whatever the workflows would still record is recorded before the streams are read.
  await app.service.workflows.catchUp();

  streams = {
    passport: `passport-${projectId}`,
    budget: `budget-${projectId}`,
    indicator: `indicator-${indicatorId}`,
    findingA: `finding-${findingA}`,
    findingB: `finding-${findingB}`,
  };
  const read = await Promise.all(Object.values(streams).map((id) => store().readStream(id)));
  expected = read.flat().sort(byStorePosition);
  foreign = (
    await Promise.all(
      [`passport-${otherProjectId}`, `finding-${otherFinding}`, 'fund-PHX', `indicator-${programmeIndicator.body.indicatorId}`].map((id) =>
        store().readStream(id),
      ),
    )
  ).flat();

  history = await allPages(`/history/projects/${projectId}`);
});

describe("an auditor reads a project's history", () => {
  it('when the project was built by everyone involved, the store holds every step of it in its five streams', () => {
    const typesOf = (streamId: string) => expected.filter((e) => e.streamId === streamId).map((e) => e.type);
    expect(typesOf(streams.passport)).toEqual([
      'PassportDrafted.v1',
      // one per section filled: partners, related, objective, financing, contribution, governance, costBenefit, other
      ...Array<string>(8).fill('PassportSectionUpdated.v1'),
      'PassportSubmitted.v1',
      'PassportVerified.v1',
      'PassportApproved.v1',
      'PassportAmendmentStarted.v1',
      'PassportSectionUpdated.v1',
      'PassportSubmitted.v1',
      'PassportVerified.v1',
      'PassportApproved.v1',
    ]);
    expect(typesOf(streams.budget)).toEqual([
      'BudgetOpened.v1',
      'SupplierContractRegistered.v1',
      'InvoiceSubmitted.v1',
      'InvoiceSubmitted.v1',
      'InvoiceSubmitted.v1',
      'InvoiceSubmitted.v1',
      'PaymentClaimSubmitted.v1',
      'InvoiceVerified.v1',
      'InvoiceVerified.v1',
      'ClaimPaid.v1',
      'FinancialCorrectionBooked.v1',
      'FinancialCorrectionBooked.v1',
    ]);
    expect(typesOf(streams.indicator)).toEqual([
      'IndicatorDefined.v1',
      'IndicatorValueReported.v1',
      'IndicatorValueVerified.v1',
      'IndicatorValueReported.v1',
      'IndicatorValueRejected.v1',
    ]);
    expect(typesOf(streams.findingA)).toEqual([
      'FindingRaised.v1',
      'FindingResponded.v1',
      'CorrectiveActionSet.v1',
      'FinancialCorrectionApplied.v1',
      'FollowUpRecorded.v1',
      'FindingClosed.v1',
    ]);
    expect(typesOf(streams.findingB)).toEqual([
      'FindingRaised.v1',
      'FindingResponded.v1',
      'CorrectiveActionSet.v1',
      'FollowUpRecorded.v1',
      'FindingClosed.v1',
    ]);
    expect(expected).toHaveLength(45);
    // The other project's and the reference data's events lie among the project's, not only before or after.
    expect(foreign.map((e) => e.streamId)).toEqual(
      expect.arrayContaining([
        `passport-${otherProjectId}`,
        'fund-PHX',
        expect.stringMatching(/^finding-/),
        expect.stringMatching(/^indicator-/),
      ]),
    );
    const first = expected[0]!;
    const last = expected.at(-1)!;
    expect(foreign.filter((e) => byStorePosition(first, e) < 0 && byStorePosition(e, last) < 0).length).toBeGreaterThanOrEqual(8);
  });

  it('when paged 7 at a time, the history holds exactly the events of its streams, each once, in strictly increasing global order', () => {
    expect(ids(history)).toEqual(ids(expected));
    expect(new Set(ids(history)).size).toBe(history.length);
    for (let i = 1; i < history.length; i++) {
      expect(
        before(position(history[i - 1]!.position), position(history[i]!.position)),
        `${history[i - 1]!.position} < ${history[i]!.position}`,
      ).toBe(true);
    }
    const foreignIds = new Set(ids(foreign));
    expect(history.filter((h) => foreignIds.has(h.eventId))).toEqual([]);
    expect(new Set(history.map((h) => h.streamId))).toEqual(new Set(Object.values(streams)));
    // Each item is the stored event: its stream, version, type, position and who did it.
    for (const [i, h] of history.entries()) {
      const e = expected[i]!;
      expect(h).toMatchObject({
        streamId: e.streamId,
        streamType: e.streamId.split('-')[0],
        version: e.version,
        type: e.type,
        recordedAt: e.recordedAt.toISOString(),
        position: `${e.position.transactionId}.${e.position.sequence}`,
        actor: e.metadata.actor,
        organisation: e.metadata.organisation,
        role: e.metadata.role,
      });
    }
  });

  it('when read, every event is described in Latvian and English in words, not by its type name', () => {
    for (const h of history) {
      const bare = h.type.replace(/\.v\d+$/, '');
      for (const text of [h.description.lv, h.description.en]) {
        expect(text.trim(), h.type).not.toBe('');
        expect(text, h.type).not.toBe(h.type);
        expect(text, h.type).not.toBe(bare);
        expect(text, h.type).not.toMatch(/undefined|NaN|\[object Object\]|\bnull\b/);
      }
      expect(h.description.lv, h.type).not.toBe(h.description.en);
    }
  });

  it("when the passport was approved, twice, the history names the submitter and the verifier each approval's four-eyes step checked", () => {
    const approvals = history.filter((h) => h.type === 'PassportApproved.v1');
    expect(approvals.map((a) => a.fourEyes)).toEqual([
      {
        act: 'approve',
        actor: 'liga',
        earlier: [
          { step: 'submitted', actor: 'anna' },
          { step: 'verified', actor: 'janis' },
        ],
      },
      {
        act: 'approve',
        actor: 'liga',
        earlier: [
          { step: 'submitted', actor: 'anna' },
          { step: 'verified', actor: 'janis' },
        ],
      },
    ]);
    const closeA = history.find((h) => h.streamId === streams.findingA && h.type === 'FindingClosed.v1')!;
    expect(closeA.fourEyes).toEqual({
      act: 'close',
      actor: 'zane',
      earlier: [
        { step: 'raised', actor: 'ilze' },
        { step: 'followed up', actor: 'janis' },
      ],
    });
    const payment = history.find((h) => h.type === 'ClaimPaid.v1')!;
    expect(payment.fourEyes).toMatchObject({
      act: 'pay',
      actor: 'liga',
      earlier: expect.arrayContaining([{ step: 'submitted', actor: 'anna' }]),
    });
    expect(history.find((h) => h.type === 'PassportDrafted.v1')!.fourEyes).toBeNull();
    expect(history.find((h) => h.type === 'InvoiceSubmitted.v1')!.fourEyes).toBeNull();
  });

  it('when an event changed its stream, its changes say field by field what before and after', () => {
    for (const h of history) expect(h.changes.length, `${h.type} v${h.version} of ${h.streamId}`).toBeGreaterThan(0);
    const [firstApproval] = history.filter((h) => h.type === 'PassportApproved.v1');
    expect(firstApproval!.changes).toEqual(expect.arrayContaining([{ path: 'status', before: 'verified', after: 'approved' }]));
    const rejection = history.find((h) => h.type === 'IndicatorValueRejected.v1')!;
    expect(rejection.changes).toEqual(expect.arrayContaining([expect.objectContaining({ after: REJECTION })]));
    const closed = history.find((h) => h.streamId === streams.findingB && h.type === 'FindingClosed.v1')!;
    expect(closed.changes).toEqual(expect.arrayContaining([{ path: 'status', before: 'followed_up', after: 'closed' }]));
  });
});

describe("an auditor exports a project's history", () => {
  const download = (format: 'jsonl' | 'csv') =>
    as('inese').get(`/history/projects/${projectId}/export`).query({ format }).buffer(true).parse(asText);

  it('when exported as JSON Lines, the event lines are the history, in order, between a header and a summary that check offline', async () => {
    const res = ok(await download('jsonl'), 200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const text = res.body as string;
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .slice(0, -1)
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    const [header, ...rest] = lines;
    const summary = rest.pop() as { summary: { events: number; streams: Record<string, number> } };
    const events = rest as (Item & { proof: { chainSeq: number; type: string; payloadText: string } })[];

    expect(header).toMatchObject({ format: PROJECT_EXPORT_FORMAT, projectId, exportedAt: expect.any(String) });
    const head = (header as { head: { chainSeq: number; hash: string; position: string } }).head;
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ids(events)).toEqual(ids(expected));
    // Each line is the history's item without changes and four-eyes, plus its link in the chain.
    expect(events.map(({ proof: _p, ...e }) => e)).toEqual(history.map(({ changes: _c, fourEyes: _f, ...h }) => h));
    for (const e of events) {
      expect(e.proof.type).toBe(e.type);
      expect(JSON.parse(e.proof.payloadText)).toEqual(e.data);
      expect(e.proof.chainSeq).toBeLessThanOrEqual(head.chainSeq);
    }
    expect(Object.keys(summary)).toEqual(['summary']);
    expect(summary.summary).toMatchObject({ events: expected.length });
    expect(summary.summary.streams).toEqual({
      [streams.passport]: 17,
      [streams.budget]: 12,
      [streams.indicator]: 5,
      [streams.findingA]: 6,
      [streams.findingB]: 5,
    });

    const report = await verifyProjectJsonl(text.split('\n'));
    expect(report).toMatchObject({
      ok: true,
      format: 'jsonl',
      events: expected.length,
      streams: summary.summary.streams,
      firstProblem: null,
    });
    // One character changed in an event's payload: the offline check finds it.
    const tampered = text.replaceAll('dubultie', 'dubultais');
    expect(tampered).not.toBe(text);
    expect((await verifyProjectJsonl(tampered.split('\n'))).ok).toBe(false);

    const raw = text.trimEnd().split('\n');
    const at = raw.findIndex((l) => l.includes('"actor":"valdis"'));
    // What a line says in words, changed while its link stays: refused, naming the field.
    const misattributed = raw.map((l, i) => (i === at ? l.replace('"actor":"valdis"', '"actor":"janis"') : l));
    expect((await verifyProjectJsonl(misattributed)).firstProblem).toEqual({ line: at + 1, reason: expect.stringContaining('its actor') });
    // An event left out from the middle of a stream: its stream's versions have a gap.
    const second = raw.findIndex((l) => l.includes(`"streamId":"${streams.passport}"`) && l.includes('"version":2,'));
    expect((await verifyProjectJsonl(raw.filter((_, i) => i !== second))).firstProblem?.reason).toMatch(/version 3 where 2 was expected/);
    // The last event of a stream left out: the summary's stream versions no longer match.
    const lastOfPassport = raw.findIndex((l) => l.includes(`"streamId":"${streams.passport}"`) && l.includes('"version":17,'));
    expect((await verifyProjectJsonl(raw.filter((_, i) => i !== lastOfPassport))).ok).toBe(false);
  });

  it('when exported as CSV, the rows hold the same events in the same order, and text with commas and quotes comes back whole', async () => {
    const res = ok(await download('csv'), 200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const text = res.body as string;
    expect(text.split('\r\n')[0]).toBe(EXPORT_CSV_COLUMNS.join(','));
    const rows = parse<Record<ExportCsvColumn, string>>(text, { columns: true });
    expect(rows.map((r) => r.eventId)).toEqual(ids(expected));
    expect(rows.map((r) => r.position)).toEqual(history.map((h) => h.position));
    expect(rows.map((r) => [r.streamId, Number(r.version), r.type, r.actor, r.descriptionEn])).toEqual(
      history.map((h) => [h.streamId, h.version, h.type, h.actor, h.description.en]),
    );
    for (const [i, r] of rows.entries()) expect(JSON.parse(r.data), r.type).toEqual(history[i]!.data);

    const rejection = rows.find((r) => r.type === 'IndicatorValueRejected.v1')!;
    expect(JSON.parse(rejection.data)).toMatchObject({ report: 2, reason: REJECTION, rejectedBy: 'janis' });
    const raised = rows.find((r) => r.streamId === streams.findingA && r.type === 'FindingRaised.v1')!;
    expect(JSON.parse(raised.data)).toMatchObject({ description: FINDING_TEXT });

    const report = await verifyProjectCsv(Readable.from(rows));
    expect(report).toMatchObject({ ok: true, format: 'csv', events: expected.length, firstProblem: null });
    expect(report.streams[streams.budget]).toBe(12);
    // A payload cell changed while its link stays: refused at that row (line 5: the header is line 1).
    const altered = rows.map((r, i) => (i === 3 ? { ...r, data: JSON.stringify({ ...(JSON.parse(r.data) as object), extra: 1 }) } : r));
    expect((await verifyProjectCsv(Readable.from(altered))).firstProblem).toEqual({ line: 5, reason: expect.stringContaining('its data') });
  });

  it('when the project does not exist, the export answers 404', async () => {
    const res = await as('inese').get(`/history/projects/${randomUUID()}/export`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe("filters on a project's history", () => {
  const expectedIds = (keep: (e: StoredEvent) => boolean) => ids(expected.filter(keep));

  it('when filtered by stream type budget, it gives exactly the budget stream, in version order', async () => {
    const budget = await allPages(`/history/projects/${projectId}`, { streamType: 'budget' });
    expect(ids(budget)).toEqual(ids(await store().readStream(streams.budget)));
    expect(budget.map((b) => b.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const findings = await allPages(`/history/projects/${projectId}`, { streamType: 'finding' });
    expect(ids(findings)).toEqual(expectedIds((e) => e.streamId === streams.findingA || e.streamId === streams.findingB));
    expect(findings).toHaveLength(11);
  });

  it('when filtered by type, it gives the events of that type only: the two submitted invoices and the two imported', async () => {
    const invoices = await allPages(`/history/projects/${projectId}`, { type: 'InvoiceSubmitted.v1' }, 3);
    expect(ids(invoices)).toEqual(expectedIds((e) => e.type === 'InvoiceSubmitted.v1'));
    expect(invoices.map((i) => i.data.number)).toEqual([expect.any(String), expect.any(String), 'IMP-1', 'IMP-2']);
  });

  it("when filtered by actor, it gives that person's events only; by organisation, those of people of that organisation", async () => {
    const valdis = await allPages(`/history/projects/${projectId}`, { actor: 'valdis' });
    expect(valdis.map((v) => [v.streamId, v.type])).toEqual([
      [streams.budget, 'FinancialCorrectionBooked.v1'],
      [streams.findingA, 'FinancialCorrectionApplied.v1'],
    ]);
    const janis = await allPages(`/history/projects/${projectId}`, { actor: 'janis' });
    expect(ids(janis)).toEqual(expectedIds((e) => e.metadata.actor === 'janis'));
    expect(janis).toHaveLength(12);
    const vk = await allPages(`/history/projects/${projectId}`, { organisation: VK });
    expect(ids(vk)).toEqual(expectedIds((e) => e.metadata.actor === 'ilze' || e.metadata.actor === 'valdis'));
    expect(vk).toHaveLength(5);
    const vraa = await allPages(`/history/projects/${projectId}`, { organisation: VRAA });
    expect(new Set(vraa.map((v) => v.actor))).toEqual(new Set(['anna']));
  });

  it('when narrowed by from and to, it gives the events recorded in that window', async () => {
    const until = await allPages(`/history/projects/${projectId}`, { to: afterPassport });
    expect(ids(until)).toEqual(ids(await store().readStream(streams.passport)));
    const window = await allPages(`/history/projects/${projectId}`, { from: afterPassport, to: afterBudget });
    expect(ids(window)).toEqual(ids((await store().readStream(streams.budget)).slice(0, 11)));
    const since = await allPages(`/history/projects/${projectId}`, { from: afterBudget });
    expect(ids(since)).toEqual(expectedIds((e) => e.recordedAt.toISOString() >= afterBudget));
    expect(since).toHaveLength(45 - 17 - 11);
  });

  it('when the project does not exist, it answers 404 problem+json', async () => {
    const res = await as('inese').get(`/history/projects/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404 });
  });

  it('when a beneficiary, even of the project, asks for its history or export, it answers 403', async () => {
    for (const url of [
      `/history/projects/${projectId}`,
      `/history/projects/${projectId}/export`,
      `/history/events?projectId=${projectId}`,
    ]) {
      const res = await as('anna').get(url);
      expect(res.status, url).toBe(403);
      expect(res.headers['content-type'], url).toMatch(/application\/problem\+json/);
    }
  });
});

describe('the feed narrowed to the project', () => {
  it('when the feed is read by projectId, page by page, it gives the same events as the project history', async () => {
    const feed = await allPages('/history/events', { projectId });
    expect(ids(feed)).toEqual(ids(history));
    expect(feed.map((f) => f.position)).toEqual(history.map((h) => h.position));
  });

  it("when the feed is read by beneficiary, each organisation gets its own project's events", async () => {
    const vraa = await allPages('/history/events', { beneficiary: VRAA }, 50);
    expect(ids(vraa)).toEqual(ids(history));
    const other = await allPages('/history/events', { beneficiary: OTHER_ORG }, 50);
    const otherStreams = new Set(other.map((o) => o.streamId));
    expect(otherStreams.has(`passport-${otherProjectId}`)).toBe(true);
    expect(other.filter((o) => ids(history).includes(o.eventId))).toEqual([]);
    // drafted, eight sections filled, submitted, verified; a finding raised
    expect(other).toHaveLength(12);
  });
});
