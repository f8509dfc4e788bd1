import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/application/explain.js';
import { FUNDING_SOURCES } from '../../src/domain/budget/content.js';
import { budgetStreamId } from '../../src/domain/budget/decider.js';
import type { TestApp } from '../support/app.js';
import { buildClaim, buildInvoice } from '../support/budget-builders.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, givenPaidClaim, givenProject, seededSuite } from '../support/seeded.js';

/*
 * "Explain this figure" over every figure the API names: the figure lists are read from the
 * `figure` enum of each operation in openapi/openapi.json (the one the API validates against),
 * so a figure added to the code is tested here the moment it exists. For each: the contributions
 * sum to `total`, `total` is `figure.value`, and `figure.value` is what the figure's own endpoint
 * shows.
 */

const LIAA = '90000000001';
const VK = '90000027359';

let app: TestApp;
const as = seededSuite(
  {
    ...PEOPLE,
    olga: ['olga', ['beneficiary'], LIAA],
    stranger: ['mallory', ['beneficiary'], '40003000000'],
    dace: ['dace', ['council'], CFLA],
    ilze: ['ilze', ['auditor'], VK],
    valdis: ['valdis', ['auditor'], VK],
  },
  (a) => (app = a),
);
const catchUp = () => app.service.context.projections.catchUp();

const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  paths: Record<string, { get: { parameters: { name: string; schema: { enum?: string[] } }[] } }>;
};
const figuresOf = (route: string): string[] => {
  const values = spec.paths[route]?.get.parameters.find((p) => p.name === 'figure')?.schema.enum;
  if (!values?.length) throw new Error(`${route} lists no figures`);
  return values;
};
const BUDGET_FIGURES = figuresOf('/budget-execution/explain');
const PROGRESS_FIGURES = figuresOf('/indicators/{indicatorId}/progress/explain');
const COUNCIL_FIGURES = figuresOf('/reports/council/explain');

/** The measure of `GET /budget-execution` each figure names. */
const budgetField = (figure: string) => (figure === 'verified' ? 'verifiedEligibleCents' : `${figure}Cents`);

/** An exact sum of decimals as written (indicator values may be decimal): digits scaled to the longest fraction. */
function exactSum(values: readonly number[]): number {
  const scale = Math.max(0, ...values.map((v) => (String(v).split('.')[1] ?? '').length));
  const scaled = values.reduce((n, v) => {
    const [int, frac = ''] = String(Math.abs(v)).split('.');
    const digits = BigInt(int! + frac.padEnd(scale, '0'));
    return n + (v < 0 ? -digits : digits);
  }, 0n);
  return Number(scaled) / 10 ** scale;
}

/** The answer is well formed: 200, contributions summing exactly to total, total equal to the figure's value. */
function consistent(res: { status: number; body: Explanation }, label: string): Explanation {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(200);
  const x = res.body;
  expect(exactSum(x.contributions.map((c) => c.contribution)), label).toBe(x.total);
  expect(x.total, label).toBe(x.figure.value);
  expect(x.contributions.every((c) => c.contribution !== 0)).toBe(true);
  return x;
}

/** Project A: RRF (2.1.2.1.i) by VRAA, with its budget through every step; B: ERDF by LIAA; C: RRF, approved, amended and approved again. */
const ids: Record<string, string> = {};
/** An instant after A's first claim was verified and before anything was paid. */
let beforePayment: string;
/** An instant after the platforms' first values were verified and before their second ones were reported. */
let afterFirstValues: string;

async function givenReport(indicatorId: string, report: object, verify: 'verify' | 'reject' | null, n: number) {
  const res = await as('anna').post(`/indicators/${indicatorId}/reports`).send(report);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  if (verify === 'verify') await as('janis').post(`/indicators/${indicatorId}/reports/${n}/verify`).send({}).expect(200);
  if (verify === 'reject')
    await as('janis').post(`/indicators/${indicatorId}/reports/${n}/reject`).send({ reason: 'Nav pierādījumu' }).expect(200);
}

beforeAll(async () => {
  const a = (ids.a = await givenProject(as, {
    shares: [
      { fund: 'RRF', cents: 462_000_000 },
      { fund: 'STATE', cents: 77_616_000 },
    ],
  }));
  const paid = await givenPaidClaim(as, a, async () => {
    await sleep(20);
    beforePayment = new Date().toISOString();
    await sleep(20);
  });
  // A second claim, all RRF, paid in part.
  const inv2 = await as('anna')
    .post(`/projects/${a}/budget/invoices`)
    .send(buildInvoice({ netCents: 50_000, vatCents: 0, grossCents: 50_000, allocations: [{ fund: 'RRF', cents: 50_000 }] }))
    .expect(201);
  const claim2 = await as('anna')
    .post(`/projects/${a}/budget/claims`)
    .send(buildClaim([{ invoiceId: inv2.body.id, cents: 50_000 }], { periodFrom: '2024-07-01', periodTo: '2024-12-31' }))
    .expect(201);
  await as('janis')
    .post(`/projects/${a}/budget/claims/${claim2.body.id}/verifications`)
    .send({ invoiceId: inv2.body.id, eligibleCents: 50_000, ineligibleCents: 0 })
    .expect(200);
  await as('liga')
    .post(`/projects/${a}/budget/claims/${claim2.body.id}/payment`)
    .send({ amountCents: 30_000, paidOn: '2025-01-15' })
    .expect(200);
  // An officer's correction, and a finding's (raised by ilze, applied by valdis).
  await as('janis')
    .post(`/projects/${a}/budget/corrections`)
    .send({ costLine: '4.3', amountCents: 25_000, reason: 'Neattiecināmas izmaksas', invoiceId: paid.invoiceId, claimId: paid.claimId })
    .expect(201);
  const finding = await as('ilze').post(`/projects/${a}/findings`).send({
    category: 'procurement_breach',
    severity: 'high',
    amountAtRiskCents: 100_000,
    euShareCents: 85_000,
    concerns: {},
    description: 'Līguma grozījumi bez jauna iepirkuma',
  });
  expect(finding.status, JSON.stringify(finding.body)).toBe(201);
  await as('valdis')
    .post(`/findings/${finding.body.findingId}/financial-correction`)
    .send({ amountCents: 10_000, costLine: '4.3', reason: '10 % korekcija' })
    .expect(200);

  // B: ERDF, another organisation.
  const b = (ids.b = await givenProject(as, {
    who: 'olga',
    recipient: { ...eAdrese.recipient, registrationNumber: LIAA, name: 'Investīciju un attīstības aģentūra' },
    programme: { fund: 'ERDF', programme: 'ESIF', period: '2021-2027', investment: '1.3.1.1' },
    shares: [
      { fund: 'ERDF', cents: 462_000_000 },
      { fund: 'STATE', cents: 77_616_000 },
    ],
  }));
  const invB = await as('olga')
    .post(`/projects/${b}/budget/invoices`)
    .send(buildInvoice({ netCents: 50_000, vatCents: 0, grossCents: 50_000, allocations: [{ fund: 'ERDF', cents: 50_000 }] }))
    .expect(201);
  const claimB = await as('olga')
    .post(`/projects/${b}/budget/claims`)
    .send(buildClaim([{ invoiceId: invB.body.id, cents: 50_000 }]))
    .expect(201);
  await as('janis')
    .post(`/projects/${b}/budget/claims/${claimB.body.id}/verifications`)
    .send({ invoiceId: invB.body.id, eligibleCents: 50_000, ineligibleCents: 0 })
    .expect(200);

  // C: approved, then amended and approved again (the portfolio loses and regains it).
  const c = (ids.c = await givenProject(as));
  const amend = await as('anna').post(`/projects/${c}/passport/amend`).send({ reason: 'Izmaksu pārdale' }).expect(200);
  const financing = structuredClone(eAdrese.sections.financing!);
  financing.costLines.forEach((line, i) => (line.indicativeCents += i % 2 ? -1000 : 1000));
  await as('anna').patch(`/projects/${c}/passport`).set('If-Match', amend.headers.etag!).send({ financing }).expect(200);
  await as('anna').post(`/projects/${c}/passport/submit`).expect(200);
  await as('janis').post(`/projects/${c}/passport/verify`).send({}).expect(200);
  await as('liga').post(`/projects/${c}/passport/approve`).expect(200);

  // Indicators: platforms on A and C, summed into the investment's; a milestone on A.
  const platforms = {
    code: 'T3',
    name: { lv: 'Centralizētās IKT platformas', en: 'Centralised ICT platforms' },
    kind: 'target',
    unit: { lv: 'platformas', en: 'platforms' },
    baseline: { value: 0, date: '2021-02-01' },
  };
  const inv3 = await as('janis')
    .post('/indicators')
    .send({ ...platforms, investment: eAdrese.programme, target: { value: 15, dueDate: '2026-08-31' }, contributingProjects: [a, c] });
  expect(inv3.status, JSON.stringify(inv3.body)).toBe(201);
  ids.investmentT3 = inv3.body.indicatorId;
  for (const [key, project] of [
    ['aT3', a],
    ['cT3', c],
  ] as const) {
    const own = await as('anna')
      .post(`/projects/${project}/indicators`)
      .send({ ...platforms, target: { value: 4.5, dueDate: '2026-08-31' } });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    ids[key] = own.body.indicatorId;
  }
  await givenReport(ids.aT3!, { value: 1.5, asOfDate: '2025-03-31' }, 'verify', 1);
  await givenReport(ids.cT3!, { value: 0.5, asOfDate: '2025-03-31' }, 'verify', 1);
  await sleep(20);
  afterFirstValues = new Date().toISOString();
  await sleep(20);
  await givenReport(ids.aT3!, { value: 2.25, asOfDate: '2025-06-30', qualifier: 'approximately' }, 'verify', 2);
  await givenReport(ids.cT3!, { value: 1, asOfDate: '2025-06-30' }, 'reject', 2);
  await givenReport(ids.aT3!, { value: 2.75, asOfDate: '2025-06-30', corrects: 2 }, null, 3);
  const ms = await as('anna')
    .post(`/projects/${a}/indicators`)
    .send({
      code: 'M1',
      name: { lv: 'Sistēma ieviesta', en: 'System in operation' },
      kind: 'milestone',
      target: { dueDate: '2026-08-31' },
    });
  expect(ms.status, JSON.stringify(ms.body)).toBe(201);
  ids.milestone = ms.body.indicatorId;
  await givenReport(ids.milestone!, { value: 1, asOfDate: '2025-06-30' }, 'verify', 1);
  await catchUp();
});

describe('explaining budget execution figures', () => {
  it('when every figure is explained for every selection and funding source, the events sum to the figure GET /budget-execution shows', async () => {
    const selections: Record<string, string>[] = [
      { projectId: ids.a! },
      { projectId: ids.b! },
      {},
      { ...eAdrese.programme },
      { projectId: ids.a!, asOf: beforePayment },
    ];
    for (const selection of selections) {
      const shown = await as('janis').get('/budget-execution').query(selection);
      expect(shown.status).toBe(200);
      for (const figure of BUDGET_FIGURES) {
        for (const source of [undefined, ...FUNDING_SOURCES]) {
          const label = `${figure} ${source ?? 'all'} ${JSON.stringify(selection)}`;
          const x = consistent(
            await as('janis')
              .get('/budget-execution/explain')
              .query({ ...selection, figure, ...(source ? { source } : {}) }),
            label,
          );
          const row = source ? shown.body.bySource.find((s: { source: string }) => s.source === source) : shown.body.total;
          expect(x.figure.value, label).toBe(row?.[budgetField(figure)] ?? 0);
          expect(x.figure).toMatchObject({ kind: 'budget_execution', name: figure, unit: 'EUR cents' });
        }
      }
    }
  });

  it('when RRF paid on a project is explained, it lists exactly its payments with their RRF shares, and corrections count in corrected and remaining', async () => {
    const budget = await app.service.context.store.readStream(budgetStreamId(ids.a!));
    const idsOf = (...types: string[]) => budget.filter((e) => types.includes(e.type)).map((e) => e.id);

    const paid = consistent(
      await as('dace').get('/budget-execution/explain').query({ projectId: ids.a, figure: 'paid', source: 'RRF' }),
      'paid',
    );
    // The first payment follows the first claim's verified eligible split (100,000 RRF : 21,000 STATE → 82,645); the second is all RRF.
    expect(paid.contributions.map((c) => [c.type, c.contribution, c.actor, c.role])).toEqual([
      ['ClaimPaid.v1', 82_645, 'liga', 'approver'],
      ['ClaimPaid.v1', 30_000, 'liga', 'approver'],
    ]);
    expect(paid.contributions.map((c) => c.eventId)).toEqual(idsOf('ClaimPaid.v1'));
    expect(paid.total).toBe(112_645);
    expect(paid.figure.shownAt).toContain('bySource[source=RRF].paidCents');

    // In this read model a correction does not reduce `paid`: it is `corrected`, and adds back to `remaining`.
    const corrected = consistent(
      await as('dace').get('/budget-execution/explain').query({ projectId: ids.a, figure: 'corrected', source: 'RRF' }),
      'corrected',
    );
    expect(corrected.contributions.map((c) => c.eventId)).toEqual(idsOf('FinancialCorrectionBooked.v1'));
    expect(corrected.contributions.map((c) => [c.actor, c.contribution])).toEqual([
      ['janis', 21_404],
      ['valdis', 8_562],
    ]);
    const remaining = consistent(
      await as('dace').get('/budget-execution/explain').query({ projectId: ids.a, figure: 'remaining', source: 'RRF' }),
      'remaining',
    );
    expect(remaining.contributions.map((c) => [c.type, c.contribution])).toEqual([
      ['BudgetOpened.v1', 462_000_000],
      ['InvoiceVerified.v1', -82_645],
      ['InvoiceVerified.v1', -50_000],
      ['FinancialCorrectionBooked.v1', 21_404],
      ['FinancialCorrectionBooked.v1', 8_562],
    ]);
    expect(remaining.contributions.map((c) => c.eventId)).toEqual(
      idsOf('BudgetOpened.v1', 'InvoiceVerified.v1', 'FinancialCorrectionBooked.v1'),
    );

    // As of before the payments, nothing is paid and nothing is listed.
    const earlier = consistent(
      await as('dace').get('/budget-execution/explain').query({ projectId: ids.a, figure: 'paid', asOf: beforePayment }),
      'paid before',
    );
    expect(earlier).toMatchObject({ asOf: beforePayment, contributions: [], total: 0 });
  });

  it('when a beneficiary asks, it sees its own projects only: another organisation’s project is 404, its total leaves others out', async () => {
    expect((await as('anna').get('/budget-execution/explain').query({ projectId: ids.b, figure: 'paid' })).status).toBe(404);
    expect((await as('stranger').get('/budget-execution/explain').query({ projectId: ids.a, figure: 'paid' })).status).toBe(404);
    const own = consistent(await as('olga').get('/budget-execution/explain').query({ figure: 'planned' }), 'olga planned');
    expect(own.contributions.map((c) => c.streamId)).toEqual([budgetStreamId(ids.b!)]);
    expect(own.total).toBe(539_616_000);
  });

  it('when the figure is unknown or missing, or asOf is in the future, it answers 422 problem+json naming the parameter', async () => {
    for (const [query, name] of [
      [{ projectId: ids.a, figure: 'spent' }, 'figure'],
      [{ projectId: ids.a }, 'figure'],
      [{ projectId: ids.a, figure: 'paid', source: 'EUR' }, 'source'],
      [{ projectId: ids.a, figure: 'paid', asOf: '2999-01-01' }, 'asOf'],
    ] as const) {
      const res = await as('janis').get('/budget-execution/explain').query(query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain(name);
    }
  });
});

describe('explaining progress values', () => {
  it('when every value of every indicator is explained, the events sum to what GET /indicators/{id} and GET /progress show', async () => {
    const table = await as('janis').get('/progress');
    for (const key of ['aT3', 'cT3', 'investmentT3', 'milestone']) {
      const id = ids[key]!;
      const shown = await as('janis').get(`/indicators/${id}`);
      expect(shown.status).toBe(200);
      const line = table.body.indicators.find((x: { indicatorId: string }) => x.indicatorId === id);
      for (const figure of PROGRESS_FIGURES) {
        const label = `${key} ${figure}`;
        const x = consistent(await as('janis').get(`/indicators/${id}/progress/explain`).query({ figure }), label);
        expect(x.figure.value, label).toBe(shown.body.progress[figure]?.value ?? 0);
        expect(x.figure.value, label).toBe(line[figure]?.value ?? 0);
        expect(x.figure).toMatchObject({ kind: 'progress', name: figure, scope: { indicatorId: id } });
      }
    }
  });

  it('when a project indicator is explained, the value changes at each verification and correction; a sum lists its parts’ events', async () => {
    const own = consistent(await as('anna').get(`/indicators/${ids.aT3}/progress/explain`).query({ figure: 'verified' }), 'aT3');
    expect(own.contributions.map((c) => [c.type, c.contribution])).toEqual([
      ['IndicatorValueVerified.v1', 1.5],
      ['IndicatorValueVerified.v1', 0.75],
    ]);
    expect(own.figure).toMatchObject({ value: 2.25, unit: 'platforms', scope: { projectId: ids.a } });
    const awaiting = consistent(
      await as('anna').get(`/indicators/${ids.aT3}/progress/explain`).query({ figure: 'reported' }),
      'aT3 reported',
    );
    expect(awaiting.contributions.map((c) => [c.type, c.contribution])).toEqual([
      ['IndicatorValueReported.v1', 1.5],
      ['IndicatorValueVerified.v1', -1.5],
      ['IndicatorValueReported.v1', 2.25],
      ['IndicatorValueVerified.v1', -2.25],
      ['IndicatorValueReported.v1', 2.75],
    ]);

    const sum = consistent(await as('dace').get(`/indicators/${ids.investmentT3}/progress/explain`).query({ figure: 'verified' }), 'sum');
    expect(sum.total).toBe(2.75);
    expect(new Set(sum.contributions.map((c) => c.streamId))).toEqual(new Set([`indicator-${ids.aT3}`, `indicator-${ids.cT3}`]));
    const target = consistent(
      await as('dace').get(`/indicators/${ids.investmentT3}/progress/explain`).query({ figure: 'target' }),
      'target',
    );
    expect(target.contributions.map((c) => [c.streamId, c.type, c.contribution])).toEqual([
      [`indicator-${ids.investmentT3}`, 'IndicatorDefined.v1', 15],
    ]);
  });

  it('when asked as of an instant, only what was recorded by then counts; before the definition it is 404', async () => {
    for (const [key, value] of [
      ['aT3', 1.5],
      ['investmentT3', 2],
    ] as const) {
      const x = consistent(
        await as('janis').get(`/indicators/${ids[key]}/progress/explain`).query({ figure: 'verified', asOf: afterFirstValues }),
        key,
      );
      expect(x).toMatchObject({ asOf: afterFirstValues, total: value });
      const shown = await as('janis').get(`/indicators/${ids[key]}`).query({ asOf: afterFirstValues });
      expect(shown.body.progress.verified.value).toBe(value);
    }
    const before = await as('janis').get(`/indicators/${ids.aT3}/progress/explain`).query({ figure: 'verified', asOf: beforePayment });
    expect(before.status).toBe(404);
  });

  it('when a beneficiary asks about another organisation’s or an investment’s indicator, it answers 404; an unknown figure is 422', async () => {
    expect((await as('olga').get(`/indicators/${ids.aT3}/progress/explain`).query({ figure: 'verified' })).status).toBe(404);
    expect((await as('anna').get(`/indicators/${ids.investmentT3}/progress/explain`).query({ figure: 'verified' })).status).toBe(404);
    const bad = await as('janis').get(`/indicators/${ids.aT3}/progress/explain`).query({ figure: 'percentOfTarget' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.errors)).toContain('figure');
  });
});

describe('explaining the council report’s totals', () => {
  const window = { from: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) };

  it('when every total is explained, whole and per fund or funding source, the events sum to what GET /reports/council shows', async () => {
    const report = await as('dace').get('/reports/council').query(window);
    expect(report.status).toBe(200);
    const r = report.body;
    for (const figure of COUNCIL_FIGURES) {
      const section = ['projects', 'approvedProjects', 'approvedCents'].includes(figure)
        ? 'portfolio'
        : figure === 'totalEvents'
          ? 'changes'
          : 'budget';
      const scopes: Record<string, string>[] =
        section === 'changes'
          ? [{}]
          : section === 'portfolio'
            ? [{}, { fund: 'RRF' }, { fund: 'ERDF' }]
            : [{}, { fund: 'RRF' }, { fund: 'ERDF' }, ...FUNDING_SOURCES.map((source) => ({ source }))];
      for (const scope of scopes) {
        const label = `${figure} ${JSON.stringify(scope)}`;
        const x = consistent(
          await as('dace')
            .get('/reports/council/explain')
            .query({ ...window, figure, ...scope }),
          label,
        );
        const expected =
          section === 'changes'
            ? r.changes.totalEvents
            : section === 'portfolio'
              ? scope.fund
                ? (r.portfolio.byFund.find((f: { fund: string }) => f.fund === scope.fund)?.[figure] ?? 0)
                : r.portfolio.totals[figure]
              : scope.fund
                ? (r.budgetExecution.byFund.find((f: { fund: string }) => f.fund === scope.fund)?.[budgetField(figure)] ?? 0)
                : scope.source
                  ? (r.budgetExecution.bySource.find((s: { source: string }) => s.source === scope.source)?.[budgetField(figure)] ?? 0)
                  : r.budgetExecution.total[budgetField(figure)];
        expect(x.figure.value, label).toBe(expected);
        expect(x.figure).toMatchObject({ kind: 'council_report', name: figure, scope: { ...window, ...scope } });
      }
    }
  });

  it('when approved projects are explained, an amendment takes a project out and its approval brings it back', async () => {
    const x = consistent(
      await as('dace')
        .get('/reports/council/explain')
        .query({ ...window, figure: 'approvedProjects' }),
      'approved',
    );
    expect(x.total).toBe(3);
    const ofC = x.contributions.filter((c) => c.streamId === `passport-${ids.c}`);
    expect(ofC.map((c) => [c.type, c.contribution])).toEqual([
      ['PassportApproved.v1', 1],
      ['PassportAmendmentStarted.v1', -1],
      ['PassportApproved.v1', 1],
    ]);
    const money = consistent(
      await as('dace')
        .get('/reports/council/explain')
        .query({ ...window, figure: 'approvedCents', fund: 'RRF' }),
      'money',
    );
    expect(money.contributions.filter((c) => c.streamId === `passport-${ids.c}`).map((c) => c.contribution)).toEqual([
      eAdrese.sections.financing!.totalCents,
      -eAdrese.sections.financing!.totalCents,
      eAdrese.sections.financing!.totalCents,
    ]);
  });

  it('when a split the report does not make is asked for, it answers 422; a beneficiary may not ask', async () => {
    for (const [query, field] of [
      [{ figure: 'totalEvents', fund: 'RRF' }, 'fund'],
      [{ figure: 'projects', source: 'RRF' }, 'source'],
      [{ figure: 'paid', fund: 'RRF', source: 'RRF' }, 'source'],
      [{ figure: 'spent' }, 'figure'],
    ] as const) {
      const res = await as('dace')
        .get('/reports/council/explain')
        .query({ ...window, ...query });
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([expect.objectContaining({ in: 'query', pointer: `/${field}` })]);
    }
    expect(
      (
        await as('anna')
          .get('/reports/council/explain')
          .query({ ...window, figure: 'paid' })
      ).status,
    ).toBe(403);
  });
});
