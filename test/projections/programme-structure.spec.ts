import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeStructureEntities } from '../../projections/programme-structure/entity.js';
import { programmeStructure } from '../../projections/programme-structure/projection.js';
import { findInvestment, listNodes, listProgrammes } from '../../projections/programme-structure/queries.js';
import { initOrm } from '../../src/db/orm.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { ProgrammeEvent } from '../../src/domain/programme/events.js';
import type { ProgrammeNodeEvent } from '../../src/domain/programme-node/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames } from '../../src/projection-engine/projection.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { buildInvestmentContent, buildTarget, noDetails, nodeDefined } from '../support/programme-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let orm: MikroORM;
let manager: ProjectionManager<AnyEvent>;

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, programmeStructureEntities);
  manager = new ProjectionManager(db.pool, store, [programmeStructure], { batchSize: 50, pollMs: 20, logger: pino({ level: 'silent' }) });
  await manager.prepare();
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

const at = '2026-11-23T10:00:00.000Z';
const name = { lv: 'Nosaukums', en: 'Name' };

/** Appends to the end of a stream and brings the read model up to date. */
async function given(streamId: string, ...events: (ProgrammeEvent | ProgrammeNodeEvent)[]): Promise<void> {
  const current = (await store.readStream(streamId)).length;
  await store.append(
    streamId,
    events.map((e) => ({ ...e, metadata: buildMetadata({ role: 'admin' }) })),
    { expectedVersion: current },
  );
  await manager.catchUp();
}

const programmeDefined = (code: string, period: string, fund = 'RRF'): ProgrammeEvent => ({
  type: 'ProgrammeDefined.v1',
  data: { code, period, fund, name, definedAt: at },
});

describe('programme structure projection', () => {
  it('when a programme is defined, amended and retired, its row follows each event', async () => {
    await given('programme-TEST.2021-2027', programmeDefined('TEST', '2021-2027'));
    expect(await listProgrammes(orm, { fund: 'RRF' })).toEqual([
      expect.objectContaining({
        programme: 'TEST',
        period: '2021-2027',
        fund: 'RRF',
        nameLv: 'Nosaukums',
        status: 'active',
        version: 1,
        amendedAt: null,
      }),
    ]);
    await given('programme-TEST.2021-2027', {
      type: 'ProgrammeAmended.v1',
      data: { fund: 'ERDF', name: { lv: 'Jauns', en: 'New' }, reason: 'fix', amendedAt: at },
    });
    expect(await listProgrammes(orm, { fund: 'ERDF' })).toEqual([
      expect.objectContaining({ programme: 'TEST', nameEn: 'New', status: 'active', version: 2, amendedAt: new Date(at) }),
    ]);
    await given('programme-TEST.2021-2027', { type: 'ProgrammeRetired.v1', data: { reason: 'closed', retiredAt: at } });
    expect(await listProgrammes(orm, { fund: 'ERDF' })).toEqual([
      expect.objectContaining({ programme: 'TEST', fund: 'ERDF', nameEn: 'New', status: 'retired', version: 3, retiredAt: new Date(at) }),
    ]);
  });

  it('when an investment is defined, findInvestment returns its fund, funding, period and targets in order', async () => {
    await given('programme-ANM.2021-2026', programmeDefined('ANM', '2021-2026'));
    await given('programme_node-ANM.2021-2026.2.1.2.1.i', nodeDefined());
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2026', code: '2.1.2.1.i' })).toEqual({
      fund: 'RRF',
      programme: 'ANM',
      period: '2021-2026',
      code: '2.1.2.1.i',
      kind: 'investment',
      status: 'active',
      name: buildInvestmentContent().name,
      plannedFundingCents: 7_017_792_000,
      startDate: '2020-02-01',
      endDate: '2026-08-31',
      targets: [
        { code: 'T1', kind: 'target', name: buildTarget().name, unit: buildTarget().unit, value: 15, dueDate: '2023-03-31' },
        { code: 'T3', kind: 'target', name: buildTarget().name, unit: buildTarget().unit, value: 15, dueDate: '2026-08-31' },
      ],
    });
  });

  it('when nodes are defined, the hierarchy lists them by parent and kind in reading order, and a non-investment is no investment', async () => {
    await given('programme-ANM.2021-2023', programmeDefined('ANM', '2021-2023'));
    const node = (code: string, kind: 'component' | 'direction', parent: string | null) =>
      nodeDefined({ period: '2021-2023', code, kind, parent, name, ...noDetails });
    await given('programme_node-ANM.2021-2023.2', node('2', 'component', null));
    await given('programme_node-ANM.2021-2023.2.10', node('2.10', 'direction', '2'));
    await given('programme_node-ANM.2021-2023.2.2', node('2.2', 'direction', '2'));
    const children = await listNodes(orm, { programme: 'ANM', period: '2021-2023', parent: '2' });
    expect(children.map((n) => n.code)).toEqual(['2.2', '2.10']);
    expect((await listNodes(orm, { programme: 'ANM', period: '2021-2023', kind: 'component' })).map((n) => n.code)).toEqual(['2']);
    expect(children[0]).toMatchObject({ parentCode: '2', plannedFundingCents: null, startDate: null, status: 'active' });
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2023', code: '2.2' })).toBeNull();
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2023', code: '9.9.9.9.i' })).toBeNull();
  });

  it('when an investment is amended, its figures and whole target list are replaced', async () => {
    await given('programme-ANM.2021-2024', programmeDefined('ANM', '2021-2024'));
    const stream = 'programme_node-ANM.2021-2024.2.1.2.1.i';
    await given(stream, nodeDefined({ period: '2021-2024' }));
    const content = buildInvestmentContent({
      plannedFundingCents: 100,
      startDate: null,
      targets: [buildTarget({ code: 'M1', kind: 'milestone', unit: null, value: null })],
    });
    await given(stream, { type: 'ProgrammeNodeAmended.v1', data: { ...content, reason: 'plan amendment', amendedAt: at } });
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2024', code: '2.1.2.1.i' })).toMatchObject({
      plannedFundingCents: 100,
      startDate: null,
      endDate: '2026-08-31',
      targets: [{ code: 'M1', kind: 'milestone', unit: null, value: null, dueDate: '2026-08-31' }],
    });
    // A second amendment, so the replay below also meets an older amendment after a newer one.
    await given(stream, {
      type: 'ProgrammeNodeAmended.v1',
      data: { ...content, plannedFundingCents: 200, targets: [], reason: 'second', amendedAt: at },
    });
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2024', code: '2.1.2.1.i' })).toMatchObject({
      plannedFundingCents: 200,
      targets: [],
    });
  });

  it('when an investment is retired, only its status changes and its figures stay', async () => {
    await given('programme-ANM.2021-2025', programmeDefined('ANM', '2021-2025'));
    const stream = 'programme_node-ANM.2021-2025.2.1.2.1.i';
    await given(stream, nodeDefined({ period: '2021-2025' }));
    const before = await findInvestment(orm, { programme: 'ANM', period: '2021-2025', code: '2.1.2.1.i' });
    await given(stream, { type: 'ProgrammeNodeRetired.v1', data: { reason: 'merged', retiredAt: at } });
    expect(await findInvestment(orm, { programme: 'ANM', period: '2021-2025', code: '2.1.2.1.i' })).toEqual({
      ...before,
      status: 'retired',
    });
    const [row] = await listNodes(orm, { programme: 'ANM', period: '2021-2025' });
    expect(row).toMatchObject({ status: 'retired', retiredAt: new Date(at), version: 2 });
  });

  it('when the same code is defined in two periods, each period keeps its own investment', async () => {
    await given('programme-ESIF.2014-2020', programmeDefined('ESIF', '2014-2020', 'ERDF'));
    await given('programme-ESIF.2021-2027', programmeDefined('ESIF', '2021-2027', 'ERDF'));
    const measure = (period: string, plannedFundingCents: number) =>
      nodeDefined({ programme: 'ESIF', period, code: '1.2.2.1', kind: 'measure', parent: '1.2.2', plannedFundingCents });
    await given('programme_node-ESIF.2014-2020.1.2.2.1', measure('2014-2020', 1_000));
    await given('programme_node-ESIF.2021-2027.1.2.2.1', measure('2021-2027', 2_000));
    expect(await findInvestment(orm, { programme: 'ESIF', period: '2014-2020', code: '1.2.2.1' })).toMatchObject({
      kind: 'measure',
      fund: 'ERDF',
      plannedFundingCents: 1_000,
    });
    expect(await findInvestment(orm, { programme: 'ESIF', period: '2021-2027', code: '1.2.2.1' })).toMatchObject({
      plannedFundingCents: 2_000,
    });
  });

  it('when every event is applied again, or an older one after a newer one, the read model is unchanged', async () => {
    const [active] = (await manager.status()).filter((s) => s.status === 'active');
    const t = tableNames(programmeStructure, active!.generation);
    const dump = async () =>
      Promise.all(Object.values(t).map(async (table) => (await db.pool.query(`select * from ${table} order by 1, 2, 3, 4`)).rows));
    const before = await dump();
    const all = await store.readAll({ after: { transactionId: 0n, sequence: 0n }, limit: 10_000 });
    expect(all.length).toBeGreaterThan(10);
    const client = await db.pool.connect();
    try {
      await programmeStructure.apply(client, all, t);
      await programmeStructure.apply(client, [...all].reverse(), t);
    } finally {
      client.release();
    }
    expect(await dump()).toEqual(before);
  });
});
