import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../src/auth/principal.js';
import type { FundShare } from '../../src/domain/budget/content.js';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { createTestApp, type TestApp } from './app.js';
import { bearer, tokenFor } from './auth.js';
import type { Caller as AppCaller } from '../../src/application/caller.js';
import { buildClaim, buildInvoice } from './budget-builders.js';
import { eAdrese } from './passport-builders.js';

/** Who loads the reference data, as `npm run seed` does. */
export const SEED_CALLER: AppCaller = {
  user: { id: 'system:seed', name: 'Reference data seed', organisation: '00000000000', role: 'admin', roles: ['admin'] },
  correlationId: 'seed',
  requestId: 'seed',
};

/** The real service on its own database with the seed command's reference data loaded. */
export async function createSeededApp(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await createTestApp(env);
  await seedReferenceData(app.service.context, SEED_DATA, SEED_CALLER);
  return app;
}

/** The seed passport's beneficiary (VRAA) and the monitoring agency (CFLA), by registration number. */
export const VRAA = eAdrese.recipient.registrationNumber;
export const CFLA = '90009963334';

/** The people most tests need: anna, VRAA's beneficiary; janis, a CFLA officer; liga, a CFLA approver. */
export const PEOPLE = {
  anna: ['anna', ['beneficiary'], VRAA],
  janis: ['janis', ['officer'], CFLA],
  liga: ['liga', ['approver'], CFLA],
} as const satisfies Record<string, readonly [string, readonly Role[], string]>;

/** Bearer tokens for the people of a test: name → [user id, roles, organisation]. */
export async function castOf(cast: Record<string, readonly [string, readonly Role[], string]>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(cast).map(async ([name, [sub, roles, org]]) => [name, bearer(await tokenFor({ sub, roles: [...roles], org }))] as const),
  );
  return Object.fromEntries(entries);
}

/** `as('anna').post(url)`: a request carrying that person's token. */
export function caller(app: () => TestApp, tokens: Record<string, string>) {
  return (who: string) => ({
    get: (url: string) => request(app().service.app).get(url).set('Authorization', tokens[who]!),
    post: (url: string) => request(app().service.app).post(url).set('Authorization', tokens[who]!),
    patch: (url: string) => request(app().service.app).patch(url).set('Authorization', tokens[who]!),
    put: (url: string) => request(app().service.app).put(url).set('Authorization', tokens[who]!),
  });
}

export type Caller = ReturnType<typeof caller>;

/**
 * A seeded app for the whole test file and tokens for its `cast`: registers the file's
 * beforeAll (which hands the app to `ready`) and afterAll, and returns the caller.
 */
export function seededSuite(
  cast: Record<string, readonly [string, readonly Role[], string]>,
  ready: (app: TestApp) => void,
  /** Configuration beside the test defaults (src/config.ts names). */
  env: Record<string, string> = {},
): Caller {
  let app: TestApp | undefined;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    app = await createSeededApp(env);
    Object.assign(tokens, await castOf(cast));
    ready(app);
  });
  afterAll(() => app?.close());
  return caller(() => app!, tokens);
}

export interface ProjectGiven {
  /** Who drafts, fills and submits it (default anna); janis verifies, liga approves, janis opens the budget. */
  who?: string;
  recipient?: typeof eAdrese.recipient;
  programme?: typeof eAdrese.programme;
  /** Stop after filling the passport, or go on to approval (default). */
  until?: 'draft' | 'approved';
  /** Open the budget with these fund shares once approved. */
  shares?: readonly { fund: string; cents: number }[];
}

/** The seed passport (seed 004) drafted and filled, and unless told otherwise approved; its budget opened when `shares` are given. */
export async function givenProject(as: Caller, g: ProjectGiven = {}): Promise<string> {
  const who = g.who ?? 'anna';
  const drafted = await as(who)
    .post('/projects')
    .send({ title: eAdrese.title, programme: g.programme ?? eAdrese.programme, recipient: g.recipient ?? eAdrese.recipient });
  if (drafted.status !== 201) throw new Error(`drafting failed: ${drafted.status} ${JSON.stringify(drafted.body)}`);
  const id = drafted.body.projectId as string;
  await as(who).patch(`/projects/${id}/passport`).set('If-Match', drafted.headers.etag!).send(eAdrese.sections).expect(200);
  if (g.until === 'draft') return id;
  await as(who).post(`/projects/${id}/passport/submit`).expect(200);
  await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
  await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
  if (g.shares) await as('janis').post(`/projects/${id}/budget`).send({ shares: g.shares, vatRecoverable: false }).expect(201);
  return id;
}

/** anna's procurement contract with supplier 40003000001 on the project (50 000,00 EUR). */
export async function givenContract(as: Caller, projectId: string): Promise<void> {
  await as('anna')
    .post(`/projects/${projectId}/budget/contracts`)
    .send({
      supplierRegNo: '40003000001',
      procurementId: 'VRAA 2023/12',
      amountCents: 5_000_000,
      signedOn: '2023-09-01',
      endsOn: '2025-12-31',
    })
    .expect(201);
}

/**
 * On a project with a budget: anna's contract with supplier 40003000001, an invoice of
 * 1 210,00 EUR (RRF 1 000,00, state budget 210,00), her claim of all of it, janis's verification
 * with the VAT ineligible, then `beforePayment`, then liga's payment of 1 000,00 EUR.
 */
export async function givenPaidClaim(
  as: Caller,
  projectId: string,
  beforePayment: () => Promise<void> = () => Promise.resolve(),
): Promise<{ invoiceId: string; claimId: string }> {
  await givenContract(as, projectId);
  const allocations: FundShare[] = [
    { fund: 'RRF', cents: 100_000 },
    { fund: 'STATE', cents: 21_000 },
  ];
  const invoice = await as('anna').post(`/projects/${projectId}/budget/invoices`).send(buildInvoice({ allocations })).expect(201);
  const invoiceId = invoice.body.id as string;
  const claim = await as('anna')
    .post(`/projects/${projectId}/budget/claims`)
    .send(buildClaim([{ invoiceId, cents: 121_000 }]))
    .expect(201);
  const claimId = claim.body.id as string;
  await as('janis')
    .post(`/projects/${projectId}/budget/claims/${claimId}/verifications`)
    .send({ invoiceId, eligibleCents: 100_000, ineligibleCents: 21_000, reasonCode: 'VAT_RECOVERABLE' })
    .expect(200);
  await beforePayment();
  await as('liga')
    .post(`/projects/${projectId}/budget/claims/${claimId}/payment`)
    .send({ amountCents: 100_000, paidOn: '2024-07-15' })
    .expect(200);
  return { invoiceId, claimId };
}
