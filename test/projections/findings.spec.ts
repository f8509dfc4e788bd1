import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingRowSchema } from '../../projections/findings/entity.js';
import { findings } from '../../projections/findings/projection.js';
import { listFindings, type FindingKey } from '../../projections/findings/queries.js';
import { ProjectRowSchema } from '../../projections/projects/entity.js';
import { projects } from '../../projections/projects/projection.js';
import { initOrm } from '../../src/db/orm.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { FindingEvent } from '../../src/domain/finding/events.js';
import type { PassportEvent } from '../../src/domain/passport/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames } from '../../src/projection-engine/projection.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { actionSet, closed, corrected, followedUp, raised, responded } from '../support/finding-builders.js';
import { eAdrese } from '../support/passport-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let orm: MikroORM;
let manager: ProjectionManager<AnyEvent>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, [ProjectRowSchema, FindingRowSchema]);
  manager = new ProjectionManager(db.pool, store, [projects, findings], { batchSize: 100, pollMs: 50, logger: pino({ level: 'silent' }) });
  await manager.prepare();
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

/** A finding on `projectId` raised with the builder's data, with overrides. */
const raisedOn = (projectId: string, overrides: Parameters<typeof raised>[0] = {}) =>
  raised({ findingId: randomUUID(), projectId, ...overrides });
const idOf = (e: FindingEvent) => (e.data as { findingId: string }).findingId;

async function given(findingId: string, events: FindingEvent[]): Promise<void> {
  const stream = `finding-${findingId}`;
  const { length } = await store.readStream(stream);
  await store.append(
    stream,
    events.map((e) => ({ ...e, metadata: buildMetadata({ role: 'auditor' }) })),
    { expectedVersion: length },
  );
  await manager.catchUp();
}

async function givenProject(recipient: string, partners: string[] = []): Promise<string> {
  const projectId = randomUUID();
  const events: PassportEvent[] = [
    {
      type: 'PassportDrafted.v1',
      data: {
        projectId,
        title: eAdrese.title,
        programme: eAdrese.programme,
        recipient: { ...eAdrese.recipient, registrationNumber: recipient },
        draftedAt: '2025-01-01T00:00:00.000Z',
        draftedBy: 'anna',
      },
    },
    ...(partners.length
      ? [
          {
            type: 'PassportSectionUpdated.v1' as const,
            data: {
              section: 'partners' as const,
              value: partners.map((p) => ({ name: 'P', registrationNumber: p })),
              updatedAt: '2025-01-01T00:00:00.000Z',
            },
          },
        ]
      : []),
  ];
  await store.append(
    `passport-${projectId}`,
    events.map((e) => ({ ...e, metadata: buildMetadata() })),
    { expectedVersion: 0 },
  );
  await manager.catchUp();
  return projectId;
}

const row = async (findingId: string) => (await orm.em.fork().findOne(FindingRowSchema, { findingId }))!;

describe('findings projection', () => {
  it('when a finding is raised, an open row carries project, category, severity, amounts, the reportable flag and what it concerns', async () => {
    const e = raisedOn(randomUUID(), { concerns: { invoiceRef: 'PVN-1', claimRef: 'MP-2', indicatorId: null } });
    await given(idOf(e), [e]);
    expect(await row(idOf(e))).toMatchObject({
      projectId: (e.data as { projectId: string }).projectId,
      status: 'open',
      category: 'procurement_breach',
      severity: 'high',
      amountAtRiskCents: 2_500_000n,
      euShareCents: 2_125_000n,
      reportable: true,
      invoiceRef: 'PVN-1',
      claimRef: 'MP-2',
      indicatorId: null,
      raisedBy: 'auditor.ilze',
      deadline: null,
      followUps: 0,
      corrections: 0,
      correctedCents: 0n,
      closedAt: null,
    });
  });

  it('when the beneficiary responds to an open finding, it is responded with the time; after a corrective action, it stays action_required', async () => {
    const first = raisedOn(randomUUID());
    await given(idOf(first), [first, responded()]);
    expect(await row(idOf(first))).toMatchObject({ status: 'responded', respondedAt: new Date('2025-03-20T10:00:00.000Z') });
    const second = raisedOn(randomUUID());
    await given(idOf(second), [second, actionSet(), responded()]);
    expect(await row(idOf(second))).toMatchObject({ status: 'action_required', respondedAt: new Date('2025-03-20T10:00:00.000Z') });
  });

  it('when a corrective action is set, the row requires action with its text and deadline', async () => {
    const e = raisedOn(randomUUID());
    await given(idOf(e), [e, actionSet({ deadline: '2025-06-30' })]);
    expect(await row(idOf(e))).toMatchObject({
      status: 'action_required',
      deadline: '2025-06-30',
      correctiveAction: expect.stringContaining('Atgūt'),
    });
  });

  it('when follow-ups are recorded, they are counted with the last outcome and the row is followed up', async () => {
    const e = raisedOn(randomUUID());
    await given(idOf(e), [e, actionSet(), followedUp({ outcome: 'not_implemented' }), followedUp({ outcome: 'partially_implemented' })]);
    expect(await row(idOf(e))).toMatchObject({ status: 'followed_up', followUps: 2, lastFollowUpOutcome: 'partially_implemented' });
  });

  it('when financial corrections are applied, they are counted and summed; the status does not change', async () => {
    const e = raisedOn(randomUUID());
    await given(idOf(e), [e, corrected({ amountCents: 600_000 }), corrected({ correction: 2, amountCents: 25_000 })]);
    expect(await row(idOf(e))).toMatchObject({ status: 'open', corrections: 2, correctedCents: 625_000n });
  });

  it('when the finding is closed, the row is closed with the closing time and keeps its deadline', async () => {
    const e = raisedOn(randomUUID());
    await given(idOf(e), [e, actionSet(), followedUp(), closed()]);
    expect(await row(idOf(e))).toMatchObject({ status: 'closed', closedAt: new Date('2025-07-02T09:00:00.000Z'), deadline: '2025-06-30' });
  });

  it('when events of other stream types pass by, they are ignored', async () => {
    const count = async () => (await db.pool.query('select count(*)::int as n from findings')).rows[0];
    const before = await count();
    await givenProject('41111111111');
    expect(await count()).toEqual(before);
  });

  it('when a batch is applied again (replay), no row changes, sums included', async () => {
    const e = raisedOn(randomUUID());
    await given(idOf(e), [e, responded(), actionSet(), corrected(), followedUp(), corrected({ correction: 2 }), closed()]);
    const snapshot = async () => (await db.pool.query('select * from findings order by finding_id')).rows;
    const before = await snapshot();
    const events = await store.readAll({ after: { transactionId: 0n, sequence: 0n }, limit: 10_000 });
    const active = (await manager.status()).find((s) => s.projection === 'findings');
    const client = await db.pool.connect();
    try {
      await findings.apply(client, events, tableNames(findings, active!.generation));
      await findings.apply(client, events.slice(0, 4), tableNames(findings, active!.generation));
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('findings list query', () => {
  it('when filtered by project, status, category, severity and reportable, only matching findings come back', async () => {
    const projectId = randomUUID();
    const big = raisedOn(projectId, {
      category: 'double_funding',
      severity: 'critical',
      euShareCents: 1_000_001,
      reportableIrregularity: true,
    });
    const small = raisedOn(projectId, { category: 'state_aid', severity: 'low', euShareCents: 1_000_000, reportableIrregularity: false });
    await given(idOf(big), [big]);
    await given(idOf(small), [small, actionSet()]);
    const ids = async (q: Parameters<typeof listFindings>[1]) => (await listFindings(orm, q, null)).map((r) => r.findingId);
    expect((await ids({ projectId, limit: 100 })).sort()).toEqual([idOf(big), idOf(small)].sort());
    expect(await ids({ projectId, reportable: true, limit: 100 })).toEqual([idOf(big)]);
    expect(await ids({ projectId, reportable: false, limit: 100 })).toEqual([idOf(small)]);
    expect(await ids({ projectId, category: 'state_aid', limit: 100 })).toEqual([idOf(small)]);
    expect(await ids({ projectId, severity: 'critical', limit: 100 })).toEqual([idOf(big)]);
    expect(await ids({ projectId, status: 'action_required', limit: 100 })).toEqual([idOf(small)]);
  });

  it('when asked for findings overdue on a date, those whose deadline is before it and that are not closed come back', async () => {
    const projectId = randomUUID();
    const late = raisedOn(projectId);
    const onTime = raisedOn(projectId);
    const done = raisedOn(projectId);
    await given(idOf(late), [late, actionSet({ deadline: '2025-06-30' })]);
    await given(idOf(onTime), [onTime, actionSet({ deadline: '2025-07-01' })]);
    await given(idOf(done), [done, actionSet({ deadline: '2025-06-30' }), followedUp(), closed()]);
    const overdue = await listFindings(orm, { projectId, overdueOn: '2025-07-01', limit: 100 }, null);
    expect(overdue.map((r) => r.findingId)).toEqual([idOf(late)]);
  });

  it('when listed with a scope, only findings on projects where the organisation is recipient or partner come back', async () => {
    const mine = await givenProject('42222222222');
    const partnered = await givenProject('43333333333', ['42222222222']);
    const foreign = await givenProject('43333333333');
    const onMine = raisedOn(mine);
    const onPartnered = raisedOn(partnered);
    const onForeign = raisedOn(foreign);
    for (const e of [onMine, onPartnered, onForeign]) await given(idOf(e), [e]);
    const ids = (await listFindings(orm, { limit: 1000 }, { partyOrganisation: '42222222222' })).map((r) => r.findingId);
    expect(ids.sort()).toEqual([idOf(onMine), idOf(onPartnered)].sort());
    expect(await listFindings(orm, { limit: 1000 }, { partyOrganisation: '49999999999' })).toEqual([]);
  });

  it('when paged with a cursor, each finding comes exactly once in the order raised', async () => {
    const projectId = randomUUID();
    const times = ['2025-01-03T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z', '2025-01-02T00:00:00.000Z'];
    const events = times.map((raisedAt) => raisedOn(projectId, { raisedAt }));
    for (const e of events) await given(idOf(e), [e]);
    const seen: string[] = [];
    let after: FindingKey | undefined;
    for (;;) {
      const page = await listFindings(orm, { projectId, limit: 1, ...(after ? { after } : {}) }, null);
      if (page.length === 0) break;
      seen.push(page[0]!.findingId);
      after = { raisedAt: page[0]!.raisedAt.toISOString(), findingId: page[0]!.findingId };
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    const raisedAt = await Promise.all(seen.map(async (id) => (await row(id)).raisedAt.toISOString()));
    expect(raisedAt).toEqual([...times].sort());
  });
});
