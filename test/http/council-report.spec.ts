import { parse } from 'csv-parse/sync';
import type { CouncilReport } from '../../projections/council-report/report.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNCIL_CSV_COLUMNS } from '../../src/http/views/council-report-csv.js';
import { eventCount, type TestApp } from '../support/app.js';
import { hasChromium, printToPdf, renderAndProbe } from '../support/chromium.js';
import { eAdrese } from '../support/passport-builders.js';
import { CFLA, PEOPLE, seededSuite } from '../support/seeded.js';

const investment2312 = { fund: 'RRF', programme: 'ANM', period: '2021-2026', investment: '2.3.1.2.i' };
const companies = { lv: 'uzņēmumi', en: 'companies' };
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

let app: TestApp;
const ids: Record<string, string> = {};
const as = seededSuite(
  {
    ...PEOPLE,
    zane: ['zane', ['officer'], CFLA],
    council: ['ilze', ['council'], CFLA],
    auditor: ['valdis', ['auditor'], '90000012789'],
  },
  (a) => (app = a),
);

/** An investment target of 2.3.1.2.i with one verified value (reported by janis, verified by zane). */
async function targetWithValue(code: string, target: number, dueDate: string, value: number): Promise<string> {
  const res = await as('janis')
    .post('/indicators')
    .send({
      investment: investment2312,
      code,
      name: { lv: `Atbalstītie uzņēmumi ${code}`, en: `Companies supported ${code}` },
      kind: 'target',
      unit: companies,
      baseline: { value: 0, date: '2021-07-01' },
      target: { value: target, dueDate },
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await as('janis').post(`/indicators/${res.body.indicatorId}/reports`).send({ value, asOfDate: dueDate }).expect(201);
  await as('zane').post(`/indicators/${res.body.indicatorId}/reports/1/verify`).send({}).expect(200);
  return res.body.indicatorId;
}

beforeAll(async () => {
  // The e-adrese passport (seed 004), approved: RRF EUR 4,620,000.
  const drafted = await as('anna')
    .post('/projects')
    .send({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient });
  ids.project = drafted.body.projectId;
  await as('anna').patch(`/projects/${ids.project}/passport`).set('If-Match', drafted.headers.etag!).send(eAdrese.sections).expect(200);
  await as('anna').post(`/projects/${ids.project}/passport/submit`).expect(200);
  await as('janis').post(`/projects/${ids.project}/passport/verify`).send({}).expect(200);
  await as('liga').post(`/projects/${ids.project}/passport/approve`).expect(200);
  // Its budget: EUR 4,620,000 RRF plus EUR 776,160 VAT from the state budget.
  await as('janis')
    .post(`/projects/${ids.project}/budget`)
    .send({
      shares: [
        { fund: 'RRF', cents: 462_000_000 },
        { fund: 'STATE', cents: 77_616_000 },
      ],
      vatRecoverable: false,
    })
    .expect(201);
  // 2.3.1.2.i: 1,080 companies due 2024-06-30, only 500 verified (overdue); 2,521 by 2026-06-30, 2,600 verified (achieved).
  ids.overdue = await targetWithValue('T1', 1_080, '2024-06-30', 500);
  ids.achieved = await targetWithValue('T2', 2_521, '2026-06-30', 2_600);
  // A project indicator with nothing reported yet (seed 004's users target; due date moved out so the test does not age).
  const users = await as('anna')
    .post(`/projects/${ids.project}/indicators`)
    .send({
      code: 'RCR11',
      name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
      kind: 'target',
      unit: { lv: 'lietotāji gadā', en: 'users/year' },
      baseline: { value: 54_391, date: '2022-12-01' },
      target: { value: 223_560, dueDate: '2030-12-31' },
    });
  expect(users.status, JSON.stringify(users.body)).toBe(201);
  ids.users = users.body.indicatorId;
  // An auditor's finding on the project: a procurement breach, EUR 25,000 at risk.
  const finding = await as('auditor')
    .post(`/projects/${ids.project}/findings`)
    .send({
      category: 'procurement_breach',
      severity: 'high',
      amountAtRiskCents: 2_500_000,
      euShareCents: 2_125_000,
      concerns: { invoiceRef: 'PVN-2024/117' },
      description: 'Līguma grozījumi palielināja apjomu par 18 % bez jauna iepirkuma',
    });
  expect(finding.status, JSON.stringify(finding.body)).toBe(201);
  ids.finding = finding.body.findingId;
  await app.service.context.projections.catchUp();
});

const council = (query: Record<string, string>, who = 'council') => as(who).get('/reports/council').query(query);

describe('the supervisory council report', () => {
  it('when the window covers the approval and the reports, JSON gives the portfolio, statuses, overdue items and what changed', async () => {
    const res = await council({ from: daysAgo(7), to: today });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r.window).toEqual({ from: daysAgo(7), to: today });
    expect(r.portfolio.byStatus).toEqual([{ status: 'approved', projects: 1 }]);
    expect(r.portfolio.byFund).toEqual([{ fund: 'RRF', projects: 1, approvedProjects: 1, approvedCents: 462_000_000 }]);
    expect(r.progress.statusCounts).toEqual({ achieved: 1, on_track: 0, at_risk: 0, overdue: 1, not_started: 1 });
    expect(r.overdue.map((x: { indicatorId: string }) => x.indicatorId)).toEqual([ids.overdue]);
    expect(r.overdue[0]).toMatchObject({
      code: 'T1',
      verified: { value: 500 },
      target: { value: 1_080, dueDate: '2024-06-30' },
      status: 'overdue',
    });
    expect(r.atRisk).toEqual([]);
    // Drafted, submitted, verified and approved within the window: one net change, from nothing to approved.
    expect(r.changes.projectStatusChanges.map((c: { from?: string; to: string; steps: number }) => [c.from, c.to, c.steps])).toEqual([
      [undefined, 'approved', 4],
    ]);
    expect(r.changes.projectStatusChanges.at(-1)).toMatchObject({ projectId: ids.project, event: 'PassportApproved.v1', actor: 'liga' });
    expect(r.changes.indicatorStatusChanges).toEqual(
      expect.arrayContaining([expect.objectContaining({ indicatorId: ids.overdue, from: 'not_defined', to: 'overdue' })]),
    );
    const count = (streamType: string, eventType: string) =>
      r.changes.events.find((e: { streamType: string; eventType: string }) => e.streamType === streamType && e.eventType === eventType)
        ?.events;
    expect(count('passport', 'PassportApproved.v1')).toBe(1);
    expect(count('indicator', 'IndicatorValueVerified.v1')).toBe(2);
    expect(r.changes.totalEvents).toBe(await eventCount(app));
    expect(r.openAuditFindings).toEqual({
      items: [
        expect.objectContaining({
          findingId: ids.finding,
          projectId: ids.project,
          category: 'procurement_breach',
          severity: 'high',
          amountAtRiskCents: 2_500_000,
          reportable: true,
        }),
      ],
    });
    expect(r.doubleFundingAlerts).toEqual({ items: [] });
    const planned = {
      plannedCents: 539_616_000,
      contractedCents: 0,
      claimedCents: 0,
      verifiedEligibleCents: 0,
      paidCents: 0,
      correctedCents: 0,
      remainingCents: 539_616_000,
    };
    expect(r.budgetExecution).toMatchObject({ byFund: [{ fund: 'RRF', projects: 1, ...planned }], total: planned });
    expect(r.budgetExecution.investments).toEqual([
      expect.objectContaining({ fund: 'RRF', investment: eAdrese.programme.investment, projects: 1, ...planned }),
    ]);
    expect(r.budgetExecution.bySource.map((x: { source: string; plannedCents: number }) => [x.source, x.plannedCents])).toEqual([
      ['RRF', 462_000_000],
      ['STATE', 77_616_000],
    ]);
  });

  it('when the window ends before anything was recorded, the report is empty as the system knew it then', async () => {
    const r = (await council({ from: '2025-01-01', to: '2025-12-31' }).expect(200)).body;
    expect(r.progress.indicators).toEqual([]);
    expect(r.overdue).toEqual([]);
    expect(r.changes).toEqual({
      events: [],
      totalEvents: 0,
      projectStatusChanges: [],
      indicatorStatusChanges: [],
      indicatorStatusTransitions: [],
    });
    expect(r.portfolio.byStatus).toEqual([]);
    expect(r.openAuditFindings).toEqual({ items: [] });
    expect(r.budgetExecution).toMatchObject({ byFund: [], investments: [], total: { plannedCents: 0 } });
  });

  it('when detail is left at investment, project indicators only count; with detail=project they are listed and rolled up per project', async () => {
    const window = { from: daysAgo(7), to: today };
    const brief = (await council(window).expect(200)).body;
    expect(brief.progress.detail).toBe('investment');
    expect(brief.progress.indicators.map((x: { indicatorId: string }) => x.indicatorId).sort()).toEqual([ids.overdue, ids.achieved].sort());
    expect(brief.progress.rollup.map((n: { level: string }) => n.level)).not.toContain('project');
    expect(brief.changes.indicatorStatusChanges.map((c: { indicatorId: string }) => c.indicatorId)).not.toContain(ids.users);
    expect(brief.changes.indicatorStatusTransitions).toEqual([
      { level: 'investment', from: 'not_defined', to: 'achieved', indicators: 1 },
      { level: 'investment', from: 'not_defined', to: 'overdue', indicators: 1 },
      { level: 'project', from: 'not_defined', to: 'not_started', indicators: 1 },
    ]);

    const full = (await council({ ...window, detail: 'project' }).expect(200)).body;
    expect(full.progress.detail).toBe('project');
    expect(full.progress.indicators.find((x: { indicatorId: string }) => x.indicatorId === ids.users)).toMatchObject({
      level: 'project',
      code: 'RCR11',
      status: 'not_started',
    });
    expect(full.progress.rollup.filter((n: { level: string }) => n.level === 'project')).toEqual([
      expect.objectContaining({ projectId: ids.project, statuses: { achieved: 0, on_track: 0, at_risk: 0, overdue: 0, not_started: 1 } }),
    ]);
    expect(full.changes.indicatorStatusChanges).toEqual(
      expect.arrayContaining([expect.objectContaining({ indicatorId: ids.users, from: 'not_defined', to: 'not_started' })]),
    );
    expect(full.progress.statusCounts).toEqual(brief.progress.statusCounts);
    expect((await council({ ...window, detail: 'everything' })).status).toBe(422);
  });

  it('when from is after to, to is in the future or a date is unparseable, it answers 422 naming the field', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: today, to: daysAgo(1) }, '/from'],
      [{ from: daysAgo(1), to: '2999-01-01' }, '/to'],
      [{ from: '2024-02-30', to: today }, '/from'],
      [{ from: daysAgo(1), to: 'yesterday' }, '/to'],
    ];
    for (const [query, pointer] of cases) {
      const res = await council(query);
      expect(res.status, JSON.stringify(query)).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors[0].pointer, JSON.stringify(query)).toBe(pointer);
    }
  });

  it('when a beneficiary asks for it, it answers 403', async () => {
    expect((await council({ from: daysAgo(7), to: today }, 'anna')).status).toBe(403);
  });

  it('when asked as CSV, the table parsed back by a CSV parser holds the same figures as the JSON', async () => {
    const query = { from: daysAgo(7), to: today };
    const json = (await council(query).expect(200)).body as CouncilReport;
    const res = await council({ ...query, format: 'csv' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows: Record<string, string>[] = parse(res.text, { columns: true, skip_empty_lines: true });
    expect(Object.keys(rows[0]!)).toEqual([...COUNCIL_CSV_COLUMNS]);
    const section = (name: string) => rows.filter((r) => r.section === name);
    const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));

    // Two requests, two instants: "as of" is the moment each was answered (the window ends today).
    expect(section('window')).toEqual([
      expect.objectContaining({
        date_from: json.window.from,
        date_to: json.window.to,
        as_of: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      }),
    ]);
    expect(section('portfolio_status').map((r) => ({ status: r.status, projects: num(r.count) }))).toEqual(json.portfolio.byStatus);
    expect(
      section('portfolio_fund').map((r) => ({
        fund: r.fund,
        projects: num(r.count),
        approvedProjects: num(r.approved_count),
        approvedCents: num(r.amount_cents),
      })),
    ).toEqual(json.portfolio.byFund);
    for (const [name, list] of [
      ['progress', json.progress.indicators],
      ['overdue', json.overdue],
      ['at_risk', json.atRisk],
    ] as const) {
      expect(
        section(name).map((r) => [
          r.indicator_id,
          r.code,
          r.name,
          r.status,
          num(r.target),
          r.due_date,
          num(r.verified),
          num(r.percent_of_target),
        ]),
      ).toEqual(
        list.map((x) => [
          x.indicatorId,
          x.code,
          x.name.en,
          x.status,
          x.target.value,
          x.target.dueDate,
          x.verified?.value,
          x.percentOfTarget,
        ]),
      );
    }
    expect(section('event_count').map((r) => ({ streamType: r.stream_type, eventType: r.event_type, events: num(r.count) }))).toEqual(
      json.changes.events,
    );
    expect(
      section('project_status_change').map((r) => [r.project_id, r.previous_status || undefined, r.status, r.event_type, r.recorded_at]),
    ).toEqual(json.changes.projectStatusChanges.map((c) => [c.projectId, c.from, c.to, c.event, c.recordedAt]));
    expect(section('project_status_change').map((r) => num(r.count))).toEqual(json.changes.projectStatusChanges.map((c) => c.steps));
    expect(section('indicator_status_change').map((r) => [r.indicator_id, r.previous_status, r.status])).toEqual(
      json.changes.indicatorStatusChanges.map((c) => [c.indicatorId, c.from, c.to]),
    );
    expect(
      section('indicator_status_transition').map((r) => ({
        level: r.level,
        from: r.previous_status,
        to: r.status,
        indicators: num(r.count),
      })),
    ).toEqual(json.changes.indicatorStatusTransitions);
    expect(json.changes.indicatorStatusTransitions.length).toBeGreaterThan(0);
    expect(
      section('audit_finding').map((r) => [
        r.item_id,
        r.project_id,
        r.category,
        r.severity,
        r.status,
        num(r.amount_cents),
        r.recorded_at,
        num(r.count) === 1,
      ]),
    ).toEqual(
      json.openAuditFindings.items.map((f) => [
        f.findingId,
        f.projectId,
        f.category,
        f.severity,
        f.status,
        f.amountAtRiskCents,
        f.raisedAt,
        f.reportable,
      ]),
    );
    const money = (r: Record<string, string>) => ({
      plannedCents: num(r.planned_cents),
      contractedCents: num(r.contracted_cents),
      claimedCents: num(r.claimed_cents),
      verifiedEligibleCents: num(r.verified_eligible_cents),
      paidCents: num(r.paid_cents),
      correctedCents: num(r.corrected_cents),
      remainingCents: num(r.remaining_cents),
    });
    const budgetRows = section('budget_execution');
    expect(budgetRows.filter((r) => r.level === 'fund').map((r) => ({ fund: r.fund, projects: num(r.count), ...money(r) }))).toEqual(
      json.budgetExecution.byFund,
    );
    expect(budgetRows.filter((r) => r.level === 'total').map(money)).toEqual([json.budgetExecution.total]);
    expect(budgetRows.filter((r) => r.level === 'source').map((r) => ({ source: r.category, ...money(r) }))).toEqual(
      json.budgetExecution.bySource,
    );
    expect(budgetRows.filter((r) => r.level === 'investment')).toHaveLength(json.budgetExecution.investments.length);
    expect(section('double_funding_alert')).toEqual(json.doubleFundingAlerts.items);
  });

  it('when asked as HTML, it is one self-contained page: inline SVG charts, EUR amounts, status words, no scripts or external assets', async () => {
    const res = await council({ from: daysAgo(7), to: today, format: 'html' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('EUR 4,620,000.00');
    expect(res.text).toContain('EUR 5,396,160.00'); // budget execution: planned RRF + state VAT
    expect(res.text).toMatch(/<svg[^>]*role="img"/);
    expect(res.text).toContain('>Overdue</span>');
    expect(res.text).toContain('procurement breach');
    expect(res.text).toContain('EUR 25,000.00');
    expect(res.text).not.toMatch(/<script|<link|src=|url\(/i);
  });

  it.skipIf(!hasChromium)(
    'when rendered in headless Chromium, the charts have drawn bars and the overdue rows are visible and highlighted (skipped only where /usr/bin/chromium is absent)',
    async () => {
      const html = (await council({ from: daysAgo(7), to: today, format: 'html' }).expect(200)).text;
      const seen = await renderAndProbe<{
        charts: { width: number; height: number; bars: number; texts: number }[];
        overdue: { height: number; visible: boolean; background: string; text: string }[];
        ok: { background: string }[];
      }>(
        html,
        `const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility === 'visible' && s.display !== 'none'; };
       return {
         charts: [...document.querySelectorAll('svg')].map((svg) => { const r = svg.getBoundingClientRect();
           return { width: r.width, height: r.height, bars: [...svg.querySelectorAll('rect')].filter((b) => b.getBBox().width > 0 && visible(b)).length, texts: svg.querySelectorAll('text').length }; }),
         overdue: [...document.querySelectorAll('tr.overdue')].map((tr) => ({ height: tr.getBoundingClientRect().height, visible: visible(tr), background: getComputedStyle(tr.cells[0]).backgroundColor, text: tr.innerText })),
         ok: [...document.querySelectorAll('tr[data-status="achieved"]')].map((tr) => ({ background: getComputedStyle(tr.cells[0]).backgroundColor })),
       };`,
      );
      expect(seen.charts).toHaveLength(4); // projects by status, money by fund, indicators by status, budget by fund
      for (const chart of seen.charts) {
        expect(chart.width).toBeGreaterThan(100);
        expect(chart.height).toBeGreaterThan(30);
        expect(chart.bars).toBeGreaterThan(0);
      }
      // The overdue indicator appears in the progress table and in the overdue list.
      expect(seen.overdue).toHaveLength(2);
      for (const row of seen.overdue) {
        expect(row).toMatchObject({ visible: true, background: 'rgb(253, 224, 224)' });
        expect(row.text).toMatch(/T1[\s\S]*Overdue/);
      }
      expect(seen.ok[0]!.background).not.toBe('rgb(253, 224, 224)');
      const pdf = await printToPdf(html);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    },
    120_000,
  );
});
