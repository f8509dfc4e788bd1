import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectRowSchema } from '../../projections/projects/entity.js';
import { projects } from '../../projections/projects/projection.js';
import { contributedByOthers, listProjects } from '../../projections/projects/queries.js';
import { initOrm } from '../../src/db/orm.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { PassportSections } from '../../src/domain/passport/content.js';
import type { PassportEvent, SectionUpdate } from '../../src/domain/passport/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames } from '../../src/projection-engine/projection.js';
import { buildMetadata } from '../support/builders.js';
import { insertLegacyStream } from '../support/legacy.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildSections, eAdrese } from '../support/passport-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let orm: MikroORM;
let manager: ProjectionManager<AnyEvent>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, [ProjectRowSchema]);
  manager = new ProjectionManager(db.pool, store, [projects], { batchSize: 100, pollMs: 50, logger: pino({ level: 'silent' }) });
  await manager.prepare();
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

const T = '2023-05-10T09:00:00.000Z';
const sections = buildSections();
const drafted = (projectId: string, recipient = eAdrese.recipient): PassportEvent => ({
  type: 'PassportDrafted.v1',
  data: { projectId, title: eAdrese.title, programme: eAdrese.programme, recipient, draftedAt: T, draftedBy: 'anna' },
});
const updated = <K extends 'partners' | 'financing' | 'contribution' | 'recipient' | 'other'>(
  section: K,
  value: NonNullable<PassportSections[K]>,
): PassportEvent => ({
  type: 'PassportSectionUpdated.v1',
  data: { section, value, updatedAt: T } as SectionUpdate,
});
const submitted = (version: number, warnings = 0): PassportEvent => ({
  type: 'PassportSubmitted.v1',
  data: {
    version,
    warnings: Array.from({ length: warnings }, () => ({
      code: 'SECTION_MISSING',
      section: 'other' as const,
      path: 'other',
      message: 'm',
      figures: {},
    })),
    submittedAt: T,
    submittedBy: 'anna',
  },
});
const E = {
  verified: { type: 'PassportVerified.v1', data: { verifiedAt: T, verifiedBy: 'janis' } } as PassportEvent,
  approved: (version: number) => ({ type: 'PassportApproved.v1', data: { version, approvedAt: T, approvedBy: 'liga' } }) as PassportEvent,
  returned: { type: 'PassportReturned.v1', data: { comments: [{ text: 'fix' }], returnedAt: T, returnedBy: 'janis' } } as PassportEvent,
  rejected: (version: number) =>
    ({ type: 'PassportRejected.v2', data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' } }) as PassportEvent,
  amendmentRejected: (version: number) =>
    ({ type: 'PassportAmendmentRejected.v1', data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' } }) as PassportEvent,
  amendment: { type: 'PassportAmendmentStarted.v1', data: { reason: 'procurement', startedAt: T, startedBy: 'anna' } } as PassportEvent,
  withdrawn: { type: 'PassportWithdrawn.v1', data: { reason: 'cancelled', withdrawnAt: T, withdrawnBy: 'anna' } } as PassportEvent,
};

async function given(projectId: string, events: PassportEvent[]): Promise<void> {
  const stream = `passport-${projectId}`;
  const { length } = await store.readStream(stream);
  await store.append(
    stream,
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
    events.map((e) => ({ ...e })),
  );
  await manager.catchUp();
}
const legacyRejected = (version: number) => ({
  type: 'PassportRejected.v1',
  data: { version, reason: 'no', rejectedAt: T, rejectedBy: 'liga' },
});

const row = async (projectId: string) => (await orm.em.fork().findOne(ProjectRowSchema, { projectId }))!;
const contribution = (count: number) => ({
  ...sections.contribution!,
  ictSolutions: [{ ...sections.contribution!.ictSolutions[0]!, count }],
});

describe('project list projection', () => {
  it('when a passport is drafted, a draft row carries title, programme and recipient', async () => {
    const id = randomUUID();
    await given(id, [drafted(id)]);
    expect(await row(id)).toMatchObject({
      titleLv: eAdrese.title.lv,
      fund: 'RRF',
      programme: 'ANM',
      period: '2021-2026',
      investment: '2.1.2.1.i',
      recipientOrg: eAdrese.recipient.registrationNumber,
      status: 'draft',
      partnerOrgs: [],
      totalCents: null,
    });
  });

  it('when sections are updated, partners, total, ICT count and recipient name follow; other sections only touch the row', async () => {
    const id = randomUUID();
    await given(id, [
      drafted(id),
      updated('partners', sections.partners!),
      updated('financing', sections.financing!),
      updated('contribution', contribution(3)),
      updated('recipient', { ...eAdrese.recipient, name: 'VRAA' }),
      updated('other', sections.other!),
    ]);
    const r = await row(id);
    expect(r).toMatchObject({
      partnerOrgs: sections.partners!.map((p) => p.registrationNumber),
      totalCents: 462000000n,
      recipientName: 'VRAA',
      status: 'draft',
    });
    const { rows } = await db.pool.query('select ict_working, ict_approved from projects where project_id = $1', [id]);
    expect(rows[0]).toEqual({ ict_working: 3, ict_approved: 0 });
  });

  it('when submitted, verified, returned and resubmitted, status, version and warning count follow', async () => {
    const id = randomUUID();
    await given(id, [drafted(id), submitted(1, 2)]);
    expect(await row(id)).toMatchObject({ status: 'submitted', submittedVersion: 1, warnings: 2 });
    await given(id, [E.verified]);
    expect((await row(id)).status).toBe('verified');
    await given(id, [E.returned]);
    expect((await row(id)).status).toBe('draft');
    await given(id, [submitted(2, 0)]);
    expect(await row(id)).toMatchObject({ status: 'submitted', submittedVersion: 2, warnings: 0 });
  });

  it('when approved, the approved version and ICT contribution are recorded; an amendment makes it a draft again', async () => {
    const id = randomUUID();
    await given(id, [drafted(id), updated('contribution', contribution(4)), submitted(1), E.verified, E.approved(1)]);
    expect(await row(id)).toMatchObject({ status: 'approved', approvedVersion: 1 });
    await given(id, [E.amendment]);
    expect(await row(id)).toMatchObject({ status: 'draft', approvedVersion: 1 });
  });

  it('when a first version is rejected, the row is rejected; when an amendment is rejected, it is approved again with the approved ICT count', async () => {
    const first = randomUUID();
    await given(first, [drafted(first), submitted(1), E.rejected(1)]);
    expect((await row(first)).status).toBe('rejected');

    const amended = randomUUID();
    await given(amended, [
      drafted(amended),
      updated('contribution', contribution(2)),
      submitted(1),
      E.verified,
      E.approved(1),
      E.amendment,
      updated('contribution', contribution(9)),
      submitted(2),
      E.amendmentRejected(2),
    ]);
    expect(await row(amended)).toMatchObject({ status: 'approved', approvedVersion: 1 });
    const { rows } = await db.pool.query('select ict_working, ict_approved from projects where project_id = $1', [amended]);
    expect(rows[0]).toEqual({ ict_working: 2, ict_approved: 2 });
  });

  it("when an amendment that changed partners, total and recipient name is rejected, the row shows the approved version's values again", async () => {
    const id = randomUUID();
    const approvedPartners = sections.partners!;
    await given(id, [
      drafted(id),
      updated('partners', approvedPartners),
      updated('financing', sections.financing!),
      submitted(1),
      E.verified,
      E.approved(1),
      E.amendment,
      updated('partners', [{ name: 'Jauns partneris', registrationNumber: '40003999999' }]),
      updated('financing', { ...sections.financing!, totalCents: 500_000_000 }),
      updated('recipient', { ...eAdrese.recipient, name: 'VRAA (grozīts)' }),
      submitted(2),
    ]);
    expect(await row(id)).toMatchObject({
      status: 'submitted',
      partnerOrgs: ['40003999999'],
      totalCents: 500_000_000n,
      recipientName: 'VRAA (grozīts)',
    });
    await given(id, [E.amendmentRejected(2)]);
    expect(await row(id)).toMatchObject({
      status: 'approved',
      approvedVersion: 1,
      submittedVersion: 2,
      partnerOrgs: approvedPartners.map((p) => p.registrationNumber),
      totalCents: 462_000_000n,
      recipientName: eAdrese.recipient.name,
    });
  });

  it('when a stored legacy PassportRejected.v1 follows an approval in its stream, it is read as PassportAmendmentRejected.v1 and the project is approved again', async () => {
    const id = randomUUID();
    await givenLegacy(id, [
      drafted(id),
      updated('contribution', contribution(3)),
      submitted(1),
      E.verified,
      E.approved(1),
      E.amendment,
      updated('contribution', contribution(8)),
      submitted(2),
      legacyRejected(2),
    ]);
    const events = await store.readStream(`passport-${id}`);
    expect(events.at(-1)).toMatchObject({
      version: 9,
      type: 'PassportAmendmentRejected.v1',
      data: { version: 2, reason: 'no', rejectedAt: T, rejectedBy: 'liga' },
    });
    expect(await row(id)).toMatchObject({ status: 'approved', approvedVersion: 1, submittedVersion: 2 });
    const { rows } = await db.pool.query('select ict_working, ict_approved from projects where project_id = $1', [id]);
    expect(rows[0]).toEqual({ ict_working: 3, ict_approved: 3 });
  });

  it('when a stored legacy PassportRejected.v1 has no approval before it in its stream, it is read as PassportRejected.v2 and the project is rejected', async () => {
    const id = randomUUID();
    await givenLegacy(id, [drafted(id), submitted(1), E.verified, legacyRejected(1)]);
    const events = await store.readStream(`passport-${id}`);
    expect(events.map((e) => e.type)).toEqual(['PassportDrafted.v1', 'PassportSubmitted.v1', 'PassportVerified.v1', 'PassportRejected.v2']);
    expect(events.at(-1)!.data).toEqual({ version: 1, reason: 'no', rejectedAt: T, rejectedBy: 'liga' });
    expect(await row(id)).toMatchObject({ status: 'rejected', approvedVersion: null });
  });

  it("when other projects' approved passports contribute, they count towards the target; withdrawn and unapproved ones do not", async () => {
    const ref = { programme: 'ANM', period: '2021-2026', investment: '2.1.2.1.i' };
    const before = await contributedByOthers(orm, ref, randomUUID());
    const a = randomUUID();
    const b = randomUUID();
    const c = randomUUID();
    await given(a, [drafted(a), updated('contribution', contribution(5)), submitted(1), E.verified, E.approved(1)]);
    await given(b, [drafted(b), updated('contribution', contribution(7)), submitted(1), E.verified, E.approved(1), E.withdrawn]);
    await given(c, [drafted(c), updated('contribution', contribution(11)), submitted(1)]);
    expect(await contributedByOthers(orm, ref, randomUUID())).toBe(before + 5);
    expect(await contributedByOthers(orm, ref, a)).toBe(before);
    expect((await row(b)).status).toBe('withdrawn');
  });

  it('when events of other stream types pass by, they are ignored', async () => {
    const before = await db.pool.query('select count(*)::int as n from projects');
    await store.append(
      `fund-${randomUUID()
        .slice(0, 8)
        .toUpperCase()
        .replace(/[^A-Z]/g, 'X')}X`,
      [
        {
          type: 'FundRegistered.v1',
          data: { code: 'XYZ', name: { lv: 'x', en: 'x' }, kind: 'eu', registeredAt: T },
          metadata: buildMetadata(),
        },
      ],
      { expectedVersion: 0 },
    );
    await manager.catchUp();
    expect((await db.pool.query('select count(*)::int as n from projects')).rows[0]).toEqual(before.rows[0]);
  });

  it('when a batch is applied again (replay), no row changes', async () => {
    const id = randomUUID();
    await given(id, [
      drafted(id),
      updated('partners', sections.partners!),
      updated('financing', sections.financing!),
      submitted(1),
      E.verified,
      E.approved(1),
      E.amendment,
    ]);
    const snapshot = async () => (await db.pool.query('select * from projects order by project_id')).rows;
    const before = await snapshot();
    const events = await store.readAll({ after: { transactionId: 0n, sequence: 0n }, limit: 10_000 });
    const [active] = await manager.status();
    const client = await db.pool.connect();
    try {
      await projects.apply(client, events, tableNames(projects, active!.generation));
      await projects.apply(client, events.slice(0, 3), tableNames(projects, active!.generation));
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('when listed with a scope, only projects where the organisation is recipient or partner come back', async () => {
    const mine = randomUUID();
    const partnered = randomUUID();
    await given(mine, [drafted(mine, { ...eAdrese.recipient, registrationNumber: '41111111111' })]);
    await given(partnered, [drafted(partnered), updated('partners', [{ name: 'P', registrationNumber: '41111111111' }])]);
    const ids = (await listProjects(orm, { limit: 1000 }, { partyOrganisation: '41111111111' })).map((r) => r.projectId).sort();
    expect(ids).toEqual([mine, partnered].sort());
    const page = await listProjects(orm, { limit: 1 }, null);
    expect(page).toHaveLength(1);
    const next = await listProjects(orm, { limit: 1000, after: page[0]!.projectId }, null);
    expect(next.map((r) => r.projectId)).not.toContain(page[0]!.projectId);
  });
});
