import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrantsClient, isProblem, type GrantsClient, type Problem } from '../../clients/typescript/index.js';
import type { Role } from '../../src/auth/principal.js';
import { listen } from '../../src/service.js';
import { checkedAgainstDocument } from '../support/response-contract.js';
import type { TestApp } from '../support/app.js';
import { tokenFor } from '../support/auth.js';
import { eAdrese } from '../support/passport-builders.js';
import { createSeededApp, PEOPLE } from '../support/seeded.js';

/*
 * docs/api-guide.md's walk-through (and its indicator example), driven through the typed client of
 * clients/typescript against the real service listening on a free port: anna (VRAA, beneficiary)
 * drafts, fills and submits the seed passport, janis (CFLA, officer) verifies it and liga (CFLA,
 * approver) approves it; janis opens the budget; anna declares an invoice (and retries it with the
 * same Idempotency-Key) and submits a claim; janis verifies the invoice in it and liga pays it; anna
 * defines an indicator and reports a value, janis verifies it, and progress shows it. The bodies and
 * headers are the guide's; nothing here casts a type.
 */

/** A result of the typed client: the success body or the parsed problem, and the fetch Response. */
interface Result<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/** The success body of a result, after checking its status (the problem, if any, is the message). */
function expectBody<D, E>(result: Result<D, E>, status: number): D {
  expect(result.response.status, JSON.stringify(result.error)).toBe(status);
  if (result.data === undefined) throw new Error(`no body in the ${result.response.status} answer`);
  return result.data;
}

/** The problem+json of a refused request, after checking its status. */
function expectProblem<D, E>(result: Result<D, E>, status: number): Problem {
  expect(result.response.status).toBe(status);
  expect(result.response.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  if (!isProblem(result.error)) throw new Error(`not a problem: ${JSON.stringify(result.error)}`);
  return result.error;
}

/** The ETag of an answer (openapi-fetch hands headers over on the Response). */
function etagOf(response: Response): string {
  const etag = response.headers.get('ETag');
  if (etag === null) throw new Error(`no ETag on the ${response.status} answer to ${response.url}`);
  return etag;
}

/** Present, or the test stops here saying what was missing. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** One id for this run, so that every Idempotency-Key is new, as in the guide. */
const RUN = randomUUID();

let app: TestApp;
let server: Server;
let baseUrl: string;
let anna: GrantsClient;
let janis: GrantsClient;
let liga: GrantsClient;

async function clientFor([sub, roles, org]: readonly [string, readonly Role[], string]): Promise<GrantsClient> {
  const client = createGrantsClient({ baseUrl, token: await tokenFor({ sub, roles: [...roles], org }) });
  client.use(checkedAgainstDocument);
  return client;
}

beforeAll(async () => {
  app = await createSeededApp();
  server = await listen(app.service.app, 0, '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`not listening on a TCP port: ${address}`);
  baseUrl = `http://127.0.0.1:${address.port}`;
  [anna, janis, liga] = await Promise.all([clientFor(PEOPLE.anna), clientFor(PEOPLE.janis), clientFor(PEOPLE.liga)]);
});
afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await app?.close();
});

describe('the typed client, driving the API guide from a seeded start to a paid claim', () => {
  /** The project the steps share: drafted by the first, used by the next two. */
  let projectId = '';

  it('when anna drafts, fills and submits the seed passport, janis verifies it and liga approves it, every answer is typed and in order', async () => {
    const drafted = await anna.POST('/projects', {
      params: { header: { 'Idempotency-Key': `draft-${RUN}` } },
      body: { title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient },
    });
    const draft = expectBody(drafted, 201);
    expect(draft).toMatchObject({ status: 'draft', streamVersion: 1, title: eAdrese.title, programme: eAdrese.programme });
    expect(drafted.response.headers.get('Location')).toBe(`/projects/${draft.projectId}/passport`);
    projectId = draft.projectId;

    // As the guide does: read the passport and send its ETag back as If-Match.
    const read = await anna.GET('/projects/{projectId}/passport', { params: { path: { projectId } } });
    expect(expectBody(read, 200).streamVersion).toBe(1);
    const etag = etagOf(read.response);
    expect(etag).toBe('"1"');

    const filled = await anna.PATCH('/projects/{projectId}/passport', {
      params: { path: { projectId }, header: { 'If-Match': etag, 'Idempotency-Key': `sections-${RUN}` } },
      body: eAdrese.sections,
    });
    expect(expectBody(filled, 200)).toMatchObject({ status: 'draft', streamVersion: 9 });
    expect(etagOf(filled.response)).toBe('"9"');

    const submitted = expectBody(
      await anna.POST('/projects/{projectId}/passport/submit', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `submit-${RUN}` } },
      }),
      200,
    );
    expect(submitted).toMatchObject({ status: 'submitted', streamVersion: 10 });
    const warnings = present(submitted.versions.at(-1), 'the submitted version').warnings;
    expect(warnings.map((w) => w.code)).toEqual(['BENEFIT_FIGURES_DISAGREE']);

    const verified = expectBody(
      await janis.POST('/projects/{projectId}/passport/verify', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `verify-${RUN}` } },
        body: { note: 'Pārbaudīts; ieguvumu 3.3.1 pieaugums jāprecizē nākamajā grozījumā' },
      }),
      200,
    );
    expect(verified).toMatchObject({ status: 'verified', streamVersion: 11 });

    const approved = expectBody(
      await liga.POST('/projects/{projectId}/passport/approve', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `approve-${RUN}` } },
      }),
      200,
    );
    expect(approved).toMatchObject({ status: 'approved', approvedVersion: 1, streamVersion: 12 });
  });

  it('when janis opens the budget, anna declares an invoice (twice, with one key) and claims it, janis verifies it and liga pays it, the claim is paid', async () => {
    expect(projectId, 'the passport step before this one failed').not.toBe('');
    const opened = expectBody(
      await janis.POST('/projects/{projectId}/budget', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `budget-${RUN}` } },
        body: {
          shares: [
            { fund: 'RRF', cents: 462000000 },
            { fund: 'STATE', cents: 77616000 },
          ],
          vatRecoverable: false,
        },
      }),
      201,
    );
    expect(opened.vatSource).toBe('state_budget');
    expect(opened.totals.plannedCents).toBe(539616000);
    expect(opened.costLines.map(({ code, maximumCents }) => ({ code, maximumCents }))).toEqual([
      { code: '4.3', maximumCents: 419600000 },
      { code: '4.4', maximumCents: 100000000 },
      { code: '4.5', maximumCents: 92400000 },
    ]);
    expect(opened.streamVersion).toBe(1);

    const invoice = () =>
      anna.POST('/projects/{projectId}/budget/invoices', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `invoice-${RUN}` } },
        body: {
          supplierRegNo: '40003000001',
          number: 'EA-2024/0042',
          date: '2024-03-15',
          netCents: 100000,
          vatCents: 21000,
          grossCents: 121000,
          costLine: '4.3',
          allocations: [
            { fund: 'RRF', cents: 100000 },
            { fund: 'STATE', cents: 21000 },
          ],
        },
      });
    const first = await invoice();
    const stored = expectBody(first, 201);
    expect(stored).toEqual({ id: expect.any(String), streamVersion: 2, alerts: [] });
    expect(first.response.headers.get('Idempotent-Replayed')).toBeNull();
    const invoiceId = stored.id;
    // A client retrying after a lost connection: the first answer again, nothing stored twice.
    const retry = await invoice();
    expect(expectBody(retry, 201)).toEqual(stored);
    expect(retry.response.headers.get('Idempotent-Replayed')).toBe('true');

    const claim = expectBody(
      await anna.POST('/projects/{projectId}/budget/claims', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `claim-${RUN}` } },
        body: {
          kind: 'interim',
          periodFrom: '2024-01-01',
          periodTo: '2024-06-30',
          items: [{ invoiceId, cents: 100000 }],
          requestedCents: 100000,
        },
      }),
      201,
    );
    expect(claim).toEqual({ id: expect.any(String), streamVersion: 3, alerts: [] });
    const claimId = claim.id;

    const checked = expectBody(
      await janis.POST('/projects/{projectId}/budget/claims/{claimId}/verifications', {
        params: { path: { projectId, claimId }, header: { 'Idempotency-Key': `verify-invoice-${RUN}` } },
        body: { invoiceId, eligibleCents: 100000, ineligibleCents: 0 },
      }),
      200,
    );
    const verifiedClaim = present(
      checked.claims.find((c) => c.claimId === claimId),
      'the claim',
    );
    expect(verifiedClaim).toMatchObject({
      requestedCents: 100000,
      items: [{ invoiceId, cents: 100000, eligibleCents: 100000, ineligibleCents: 0 }],
      paidCents: null,
    });

    const paid = expectBody(
      await liga.POST('/projects/{projectId}/budget/claims/{claimId}/payment', {
        params: { path: { projectId, claimId }, header: { 'Idempotency-Key': `pay-${RUN}` } },
        body: { amountCents: 100000, paidOn: '2024-07-15' },
      }),
      200,
    );
    expect(paid.projectId).toBe(projectId);
    expect(paid.totals.paidCents).toBe(100000);
    expect(paid.claims.find((c) => c.claimId === claimId)).toMatchObject({ claimId, requestedCents: 100000, paidCents: 100000 });

    // What anna reads back is what liga paid.
    const read = await anna.GET('/projects/{projectId}/budget', { params: { path: { projectId } } });
    const budget = expectBody(read, 200);
    expect(budget.totals).toMatchObject({ claimedCents: 100000, verifiedEligibleCents: 100000, paidCents: 100000 });
    expect(etagOf(read.response)).toBe(`"${budget.streamVersion}"`);
  });

  it('when anna defines an indicator on the project and reports a value that janis verifies, progress shows it against the target', async () => {
    expect(projectId, 'the passport step before this one failed').not.toBe('');
    const defined = expectBody(
      await anna.POST('/projects/{projectId}/indicators', {
        params: { path: { projectId }, header: { 'Idempotency-Key': `indicator-${RUN}` } },
        body: {
          code: 'RCR11',
          name: { lv: 'e-adreses lietotāji', en: 'e-address users' },
          kind: 'target',
          unit: { lv: 'lietotāji gadā', en: 'users/year' },
          baseline: { value: 54391, date: '2022-12-01' },
          target: { value: 223560, dueDate: '2026-06-30' },
        },
      }),
      201,
    );
    expect(defined).toMatchObject({ code: 'RCR11', kind: 'target', definedBy: 'anna', reports: [] });
    expect(defined.on).toMatchObject({ level: 'project', projectId });
    const indicatorId = defined.indicatorId;

    const reported = expectBody(
      await anna.POST('/indicators/{indicatorId}/reports', {
        params: { path: { indicatorId }, header: { 'Idempotency-Key': `report-${RUN}` } },
        body: { value: 160000, asOfDate: '2024-06-30', qualifier: 'more_than' },
      }),
      201,
    );
    expect(reported.reports.at(-1)).toMatchObject({
      report: 1,
      value: 160000,
      qualifier: 'more_than',
      reportedBy: 'anna',
      review: 'pending',
    });

    const reviewed = expectBody(
      await janis.POST('/indicators/{indicatorId}/reports/{report}/verify', {
        params: { path: { indicatorId, report: 1 }, header: { 'Idempotency-Key': `verify-report-${RUN}` } },
        body: {},
      }),
      200,
    );
    expect(reviewed.reports.at(-1)).toMatchObject({ report: 1, review: 'verified', reviewedBy: 'janis' });

    await app.service.context.projections.catchUp();
    const progress = expectBody(await janis.GET('/progress', { params: { query: { projectId } } }), 200);
    expect(
      progress.indicators.map(({ indicatorId, code, verified, percentOfTarget, status }) => ({
        indicatorId,
        code,
        verified,
        percentOfTarget,
        status,
      })),
    ).toEqual([
      {
        indicatorId,
        code: 'RCR11',
        verified: { value: 160000, asOfDate: '2024-06-30', qualifier: 'more_than' },
        percentOfTarget: 71.6, // 160,000 of 223,560
        status: 'overdue', // the guide's target fell due on 2026-06-30, short of it
      },
    ]);
  });

  it('when a request is refused, the error is the typed problem+json: 428 without If-Match, 412 with a stale one, 401 without a valid token', async () => {
    const drafted = await anna.POST('/projects', {
      body: { title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient },
    });
    const id = expectBody(drafted, 201).projectId;
    const sections = { objective: eAdrese.sections.objective };

    const withoutIfMatch = expectProblem(
      // @ts-expect-error: the document requires If-Match on PATCH, so the typed client refuses the call at compile time; the server answers 428
      await anna.PATCH('/projects/{projectId}/passport', { params: { path: { projectId: id } }, body: sections }),
      428,
    );
    expect(withoutIfMatch.status).toBe(428);
    expect(withoutIfMatch.errors?.[0]?.pointer).toBe('/If-Match');

    const stale = expectProblem(
      await anna.PATCH('/projects/{projectId}/passport', {
        params: { path: { projectId: id }, header: { 'If-Match': '"7"' } },
        body: sections,
      }),
      412,
    );
    expect(stale).toMatchObject({ status: 412, expectedVersion: 7, actualVersion: 1 });

    const stranger = createGrantsClient({ baseUrl, token: 'not-a-token' });
    stranger.use(checkedAgainstDocument);
    const refused = expectProblem(await stranger.GET('/projects/{projectId}/passport', { params: { path: { projectId: id } } }), 401);
    expect(refused.status).toBe(401);
    expect(refused.detail).toEqual(expect.any(String));
  });
});
