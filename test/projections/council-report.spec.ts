import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { councilReport } from '../../projections/council-report/projection.js';
import { projects } from '../../projections/projects/projection.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { PassportEvent } from '../../src/domain/passport/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames } from '../../src/projection-engine/projection.js';
import { buildMetadata } from '../support/builders.js';
import { insertLegacyStream } from '../support/legacy.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { defined, reported, verified } from '../support/indicator-builders.js';
import { eAdrese } from '../support/passport-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let manager: ProjectionManager<AnyEvent>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  manager = new ProjectionManager(db.pool, store, [projects, councilReport], {
    batchSize: 100,
    pollMs: 50,
    logger: pino({ level: 'silent' }),
  });
  await manager.prepare();
});
afterAll(async () => {
  await store.close();
  await db.drop();
});

const T = '2023-05-10T09:00:00.000Z';
const P = {
  drafted: (projectId: string): PassportEvent => ({
    type: 'PassportDrafted.v1',
    data: { projectId, title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient, draftedAt: T, draftedBy: 'anna' },
  }),
  updated: { type: 'PassportSectionUpdated.v1', data: { section: 'other', value: eAdrese.sections.other!, updatedAt: T } } as PassportEvent,
  submitted: (version: number) =>
    ({ type: 'PassportSubmitted.v1', data: { version, warnings: [], submittedAt: T, submittedBy: 'anna' } }) as PassportEvent,
  returned: { type: 'PassportReturned.v1', data: { comments: [{ text: 'fix' }], returnedAt: T, returnedBy: 'janis' } } as PassportEvent,
  verified: { type: 'PassportVerified.v1', data: { verifiedAt: T, verifiedBy: 'janis' } } as PassportEvent,
  approved: (version: number) => ({ type: 'PassportApproved.v1', data: { version, approvedAt: T, approvedBy: 'liga' } }) as PassportEvent,
  rejected: (version: number) =>
    ({ type: 'PassportRejected.v2', data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' } }) as PassportEvent,
  amendmentRejected: (version: number) =>
    ({ type: 'PassportAmendmentRejected.v1', data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' } }) as PassportEvent,
  amendment: { type: 'PassportAmendmentStarted.v1', data: { reason: 'procurement', startedAt: T, startedBy: 'anna' } } as PassportEvent,
  withdrawn: { type: 'PassportWithdrawn.v1', data: { reason: 'cancelled', withdrawnAt: T, withdrawnBy: 'anna' } } as PassportEvent,
};

async function given(streamId: string, events: AnyEvent[]): Promise<void> {
  const { length } = await store.readStream(streamId);
  await store.append(
    streamId,
    events.map((e) => ({ ...e, metadata: buildMetadata() })),
    { expectedVersion: length },
  );
  await manager.catchUp();
}

/** A passport stream as a database from before PassportRejected.v1 was retired holds it. */
async function givenLegacy(projectId: string, events: { type: string; data: unknown }[]): Promise<void> {
  await insertLegacyStream(
    db.pool,
    `passport-${projectId}`,
    events.map((e) => ({ ...e, metadata: { actor: 'liga' } })),
  );
  await manager.catchUp();
}
const legacyRejected = (version: number) => ({
  type: 'PassportRejected.v1',
  data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' },
});

const changes = async (projectId: string) =>
  (
    await db.pool.query<{ event_type: string; status: string }>(
      'select event_type, status from project_status_changes where project_id = $1 order by stream_version',
      [projectId],
    )
  ).rows.map((r) => [r.event_type.replace(/^Passport|\.v\d+$/g, ''), r.status]);
const activity = async (streamId: string) =>
  Object.fromEntries(
    (
      await db.pool.query<{ event_type: string; events: number }>('select event_type, events from council_activity where stream_id = $1', [
        streamId,
      ])
    ).rows.map((r) => [r.event_type, r.events]),
  );

describe('council report projection (activity and project status changes)', () => {
  it('when a passport is drafted, submitted, returned, verified, approved, amended, its amendment rejected and it is withdrawn, each status change is kept with the status it led to', async () => {
    const id = randomUUID();
    await given(`passport-${id}`, [
      P.drafted(id),
      P.updated,
      P.submitted(1),
      P.returned,
      P.submitted(2),
      P.verified,
      P.approved(2),
      P.amendment,
      P.submitted(3),
      P.amendmentRejected(3),
      P.withdrawn,
    ]);
    expect(await changes(id)).toEqual([
      ['Drafted', 'draft'],
      ['Submitted', 'submitted'],
      ['Returned', 'draft'],
      ['Submitted', 'submitted'],
      ['Verified', 'verified'],
      ['Approved', 'approved'],
      ['AmendmentStarted', 'draft'],
      ['Submitted', 'submitted'],
      ['AmendmentRejected', 'approved'],
      ['Withdrawn', 'withdrawn'],
    ]);
    expect(await activity(`passport-${id}`)).toEqual({
      'PassportDrafted.v1': 1,
      'PassportSectionUpdated.v1': 1,
      'PassportSubmitted.v1': 3,
      'PassportReturned.v1': 1,
      'PassportVerified.v1': 1,
      'PassportApproved.v1': 1,
      'PassportAmendmentStarted.v1': 1,
      'PassportAmendmentRejected.v1': 1,
      'PassportWithdrawn.v1': 1,
    });
  });

  it('when a passport never approved is rejected, it is rejected', async () => {
    const id = randomUUID();
    await given(`passport-${id}`, [P.drafted(id), P.submitted(1), P.verified, P.rejected(1)]);
    expect((await changes(id)).at(-1)).toEqual(['Rejected', 'rejected']);
    expect(await activity(`passport-${id}`)).toMatchObject({ 'PassportRejected.v2': 1 });
  });

  it('when a stored legacy PassportRejected.v1 follows an approval in its stream, it counts and changes status as PassportAmendmentRejected.v1 (approved again)', async () => {
    const id = randomUUID();
    await givenLegacy(id, [P.drafted(id), P.submitted(1), P.verified, P.approved(1), P.amendment, P.submitted(2), legacyRejected(2)]);
    expect(await changes(id)).toEqual([
      ['Drafted', 'draft'],
      ['Submitted', 'submitted'],
      ['Verified', 'verified'],
      ['Approved', 'approved'],
      ['AmendmentStarted', 'draft'],
      ['Submitted', 'submitted'],
      ['AmendmentRejected', 'approved'],
    ]);
    const { rows } = await db.pool.query(
      'select event_type, actor from project_status_changes where project_id = $1 and stream_version = 7',
      [id],
    );
    expect(rows).toEqual([{ event_type: 'PassportAmendmentRejected.v1', actor: 'liga' }]);
    const counted = await activity(`passport-${id}`);
    expect(counted).toMatchObject({ 'PassportAmendmentRejected.v1': 1 });
    expect(Object.keys(counted)).not.toContain('PassportRejected.v1');
    expect(Object.keys(counted)).not.toContain('PassportRejected.v2');
  });

  it('when a stored legacy PassportRejected.v1 has no approval before it in its stream, it counts and changes status as PassportRejected.v2 (rejected)', async () => {
    const id = randomUUID();
    await givenLegacy(id, [P.drafted(id), P.submitted(1), P.verified, legacyRejected(1)]);
    expect(await changes(id)).toEqual([
      ['Drafted', 'draft'],
      ['Submitted', 'submitted'],
      ['Verified', 'verified'],
      ['Rejected', 'rejected'],
    ]);
    const { rows } = await db.pool.query('select event_type from project_status_changes where project_id = $1 and stream_version = 4', [
      id,
    ]);
    expect(rows).toEqual([{ event_type: 'PassportRejected.v2' }]);
    const counted = await activity(`passport-${id}`);
    expect(counted).toMatchObject({ 'PassportRejected.v2': 1 });
    expect(Object.keys(counted)).not.toContain('PassportRejected.v1');
  });

  it('when events of other streams arrive in several batches, they are counted per type and none is a project status change', async () => {
    const indicator = randomUUID();
    await given(`indicator-${indicator}`, [defined(indicator), reported(1, 500, '2024-06-30')]);
    await given(`indicator-${indicator}`, [verified(1), reported(2, 900, '2024-12-31')]);
    expect(await activity(`indicator-${indicator}`)).toEqual({
      'IndicatorDefined.v1': 1,
      'IndicatorValueReported.v1': 2,
      'IndicatorValueVerified.v1': 1,
    });
    expect(await changes(indicator)).toEqual([]);
  });

  it('when a batch, or part of one, is applied again (replay), no row changes', async () => {
    const id = randomUUID();
    await given(`passport-${id}`, [P.drafted(id), P.submitted(1), P.verified, P.approved(1)]);
    const snapshot = async () => [
      (await db.pool.query('select * from council_activity order by stream_id, event_type')).rows,
      (await db.pool.query('select * from project_status_changes order by project_id, stream_version')).rows,
    ];
    const before = await snapshot();
    const events = await store.readAll({ after: { transactionId: 0n, sequence: 0n }, limit: 10_000 });
    const active = (await manager.status()).find((s) => s.projection === councilReport.name)!;
    const client = await db.pool.connect();
    try {
      await councilReport.apply(client, events, tableNames(councilReport, active.generation));
      await councilReport.apply(client, events.slice(0, 3), tableNames(councilReport, active.generation));
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(before);
  });
});
