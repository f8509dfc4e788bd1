import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { alertFindingId } from '../../src/application/double-funding.js';
import { loadConfig } from '../../src/config.js';
import { findingCorrectionId } from '../../src/domain/budget/correction.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import { EventStoreUnavailable } from '../../src/eventstore/errors.js';
import type { EventStore, StoredEvent } from '../../src/eventstore/port.js';
import { createService, type Service } from '../../src/service.js';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import type { TestDatabase } from '../support/db.js';
import { restartableSuite, withAppend } from '../support/restartable.js';
import { CFLA, givenProject, PEOPLE } from '../support/seeded.js';

/*
 * Workflows across streams (src/application/workflows.ts), with a failure injected between their
 * two steps: the first step's append succeeds, the second's fails as a crash or a lost connection
 * would. Then either the request is retried with its Idempotency-Key, or the process is restarted
 * and the process manager reads the log; either way the workflow completes exactly once, and the
 * request's answer is the same.
 */

/** The store of a service, failing the next append to a stream whose id starts with `prefix`, once. */
function failingOnce(inner: EventStore<AnyEvent>, armed: { prefix: string | null }): EventStore<AnyEvent> {
  return withAppend(inner, (streamId, events, options) => {
    if (armed.prefix !== null && streamId.startsWith(armed.prefix)) {
      armed.prefix = null;
      return Promise.reject(new EventStoreUnavailable('test store', 'injected failure between the workflow steps'));
    }
    return inner.append(streamId, events, options);
  });
}

const CAST = {
  ...PEOPLE,
  // An auditor raises findings; an officer applies the correction (four-eyes: not the one who raised it).
  ilze: ['ilze', ['auditor'], CFLA],
} as const;

const armed: { prefix: string | null } = { prefix: null };

/**
 * A service on the test database whose store fails once when armed; projections and the process
 * manager are run by hand, so the test decides when.
 */
async function start(db: TestDatabase): Promise<Service> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PROJECTIONS_ENABLED: 'false',
    BACKGROUND_THREAD: 'false',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
  });
  return createService(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), db.url, { wrapStore: (s) => failingOnce(s, armed) });
}

const { suite, as } = restartableSuite(CAST, start);
/** Stops the running service as a crash would leave things, and starts a new one on the same database. */
const restart = () => suite.restart();

const eventsOf = async (streamId: string): Promise<StoredEvent<AnyEvent>[]> => suite.service.context.store.readStream(streamId);
const count = async (): Promise<number> =>
  (await suite.db.pool.query<{ n: number }>('select count(*)::int as n from es_events')).rows[0]!.n;

/** Two approved projects with budgets that both declare the same invoice: one same_invoice alert. */
async function givenAlert(): Promise<{ alertId: string; projectIds: string[] }> {
  const projectIds = [await givenProject(as, { shares: SEED_SHARES }), await givenProject(as, { shares: SEED_SHARES })];
  const invoice = buildInvoice();
  for (const id of projectIds) await as('anna').post(`/projects/${id}/budget/invoices`).send(invoice).expect(201);
  await suite.service.context.projections.catchUp();
  const alerts = await as('janis').get(`/double-funding/alerts?projectId=${projectIds[0]}`).expect(200);
  const alert = (alerts.body.items as { alertId: string; rule: string }[]).find((a) => a.rule === 'same_invoice')!;
  return { alertId: alert.alertId, projectIds: [...projectIds].sort() };
}

/** A project with EUR 1,210 verified eligible on cost line 4.3, and a finding on it raised by ilze. */
async function givenFindingWithEligibleCosts(): Promise<{ projectId: string; findingId: string }> {
  const projectId = await givenProject(as, { shares: SEED_SHARES });
  const invoice = await as('anna').post(`/projects/${projectId}/budget/invoices`).send(buildInvoice()).expect(201);
  const claim = await as('anna')
    .post(`/projects/${projectId}/budget/claims`)
    .send(buildClaim([{ invoiceId: invoice.body.id as string, cents: 121000 }]))
    .expect(201);
  await as('janis')
    .post(`/projects/${projectId}/budget/claims/${claim.body.id as string}/verifications`)
    .send({ invoiceId: invoice.body.id, eligibleCents: 121000, ineligibleCents: 0 })
    .expect(200);
  const raised = await as('ilze')
    .post(`/projects/${projectId}/findings`)
    .send({
      category: 'ineligible_expenditure',
      severity: 'medium',
      amountAtRiskCents: 50000,
      euShareCents: 50000,
      description: 'Neattiecināmas izmaksas',
    })
    .expect(201);
  return { projectId, findingId: raised.body.findingId as string };
}

const CONFIRM = { reason: 'Tas pats rēķins divos projektos', finding: { severity: 'high' } };
const CORRECTION = { amountCents: 25000, costLine: '4.3', reason: '25 % korekcija' };

describe('an alert confirmed with findings, when the process stops between the decision and the findings', () => {
  it('when the request is retried with its Idempotency-Key, each finding is raised once and the answer is the one a clean run gives', async () => {
    const { alertId, projectIds } = await givenAlert();
    const confirm = () =>
      as('janis').post(`/double-funding/alerts/${alertId}/confirm`).set('Idempotency-Key', `confirm-${alertId}`).send(CONFIRM);
    armed.prefix = 'finding-';
    const failed = await confirm();
    expect(failed.status, JSON.stringify(failed.body)).toBe(503);
    const findingIds = projectIds.map((p) => alertFindingId(alertId, p));
    const [decision] = await eventsOf(`dupalert-${alertId}`);
    expect(decision).toMatchObject({
      type: 'DuplicateAlertConfirmed.v2',
      data: { findings: findingIds.map((findingId) => ({ findingId })) },
    });
    expect(await Promise.all(findingIds.map((f) => eventsOf(`finding-${f}`)))).toEqual([[], []]);

    const retried = await confirm();
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ alertId, status: 'confirmed', reason: CONFIRM.reason, findingIds });
    for (const f of findingIds) {
      const raised = await eventsOf(`finding-${f}`);
      expect(raised).toHaveLength(1);
      // The step is the confirming officer's, caused by the decision, in the first request's correlation.
      expect(raised[0]).toMatchObject({
        type: 'FindingRaised.v1',
        data: {
          category: 'double_funding',
          severity: 'high',
          raisedBy: 'janis',
          raisedAt: (decision!.data as { decidedAt: string }).decidedAt,
        },
        metadata: {
          actor: 'janis',
          causationId: decision!.id,
          requestId: decision!.metadata.requestId,
          correlationId: decision!.metadata.correlationId,
        },
      });
    }
    expect(await eventsOf(`dupalert-${alertId}`)).toHaveLength(1);

    const before = await count();
    const replayed = await confirm();
    expect(replayed.status).toBe(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    expect(await count()).toBe(before);
  });

  it('when the service restarts instead, the process manager raises the findings once; a retry then appends nothing and answers the same', async () => {
    const { alertId, projectIds } = await givenAlert();
    const findingIds = projectIds.map((p) => alertFindingId(alertId, p));
    armed.prefix = 'finding-';
    const key = `confirm-restart-${alertId}`;
    expect((await as('janis').post(`/double-funding/alerts/${alertId}/confirm`).set('Idempotency-Key', key).send(CONFIRM)).status).toBe(
      503,
    );

    await restart();
    await suite.service.workflows.catchUp();
    for (const f of findingIds) expect(await eventsOf(`finding-${f}`)).toMatchObject([{ type: 'FindingRaised.v1' }]);
    // Run again (a second restart): nothing more.
    const afterOne = await count();
    await suite.service.workflows.catchUp();
    expect(await count()).toBe(afterOne);

    const retried = await as('janis').post(`/double-funding/alerts/${alertId}/confirm`).set('Idempotency-Key', key).send(CONFIRM);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ status: 'confirmed', findingIds });
    expect(await count()).toBe(afterOne);
  });

  it('when the retry and the process manager run at the same moment, the findings are still raised once', async () => {
    const { alertId, projectIds } = await givenAlert();
    armed.prefix = 'finding-';
    const key = `confirm-race-${alertId}`;
    const confirm = () => as('janis').post(`/double-funding/alerts/${alertId}/confirm`).set('Idempotency-Key', key).send(CONFIRM);
    expect((await confirm()).status).toBe(503);
    const [retried] = await Promise.all([confirm(), suite.service.workflows.catchUp()]);
    expect(retried.status).toBe(200);
    for (const p of projectIds) expect(await eventsOf(`finding-${alertFindingId(alertId, p)}`)).toHaveLength(1);
  });
});

describe("a finding's financial correction, when the process stops between the budget and the finding", () => {
  const correctionsOf = async (projectId: string, findingId: string) => ({
    booked: (await eventsOf(`budget-${projectId}`)).filter((e) => e.type === 'FinancialCorrectionBooked.v1'),
    recorded: (await eventsOf(`finding-${findingId}`)).filter((e) => e.type === 'FinancialCorrectionApplied.v1'),
  });

  it('when the request is retried with its Idempotency-Key, the correction is booked once, recorded once, and answered as a clean run would', async () => {
    const { projectId, findingId } = await givenFindingWithEligibleCosts();
    const correct = () =>
      as('janis').post(`/findings/${findingId}/financial-correction`).set('Idempotency-Key', `correct-${findingId}`).send(CORRECTION);
    armed.prefix = 'finding-';
    expect((await correct()).status).toBe(503);
    let { booked, recorded } = await correctionsOf(projectId, findingId);
    expect(booked).toHaveLength(1);
    expect(recorded).toHaveLength(0);

    const retried = await correct();
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const budgetCorrectionId = findingCorrectionId(findingId, 1);
    expect(retried.body.corrections).toEqual([
      expect.objectContaining({ correction: 1, amountCents: 25000, budgetCorrectionId, appliedBy: 'janis' }),
    ]);
    ({ booked, recorded } = await correctionsOf(projectId, findingId));
    expect(booked.map((e) => e.data)).toEqual([
      expect.objectContaining({ correctionId: budgetCorrectionId, source: { kind: 'finding', findingId } }),
    ]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.metadata).toMatchObject({ causationId: booked[0]!.id, requestId: booked[0]!.metadata.requestId });
    expect(retried.headers.etag).toBe(`"${recorded[0]!.version}"`);

    const before = await count();
    const replayed = await correct();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(retried.body);
    expect(await count()).toBe(before);
  });

  it('when the service restarts instead, the process manager records the booked correction once; a retry then appends nothing', async () => {
    const { projectId, findingId } = await givenFindingWithEligibleCosts();
    const key = `correct-restart-${findingId}`;
    armed.prefix = 'finding-';
    expect(
      (await as('janis').post(`/findings/${findingId}/financial-correction`).set('Idempotency-Key', key).send(CORRECTION)).status,
    ).toBe(503);

    await restart();
    await suite.service.workflows.catchUp();
    await suite.service.workflows.catchUp();
    const { booked, recorded } = await correctionsOf(projectId, findingId);
    expect(booked).toHaveLength(1);
    expect(recorded.map((e) => e.data)).toEqual([expect.objectContaining({ budgetCorrectionId: findingCorrectionId(findingId, 1) })]);

    const before = await count();
    const retried = await as('janis').post(`/findings/${findingId}/financial-correction`).set('Idempotency-Key', key).send(CORRECTION);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.corrections).toHaveLength(1);
    expect(await count()).toBe(before);
  });
});
