import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeStructureEntities } from '../../projections/programme-structure/entity.js';
import { programmeStructure } from '../../projections/programme-structure/projection.js';
import { findInvestment, listNodes } from '../../projections/programme-structure/queries.js';
import { initOrm } from '../../src/db/orm.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { createEventRegistry } from '../../src/domain/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const root = path.resolve(import.meta.dirname, '../..');
let db: TestDatabase;
let store: PostgresEventStore;
let orm: MikroORM;
const eventsAfter: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, programmeStructureEntities);
  // An admin registered RRF under a short name before anyone ran the seed.
  const registered = { code: 'RRF', name: { lv: 'ANM', en: 'RRF' }, kind: 'eu' as const, registeredAt: '2021-06-01T00:00:00.000Z' };
  await store.append('fund-RRF', [{ type: 'FundRegistered.v1', data: registered, metadata: buildMetadata({ role: 'admin' }) }], {
    expectedVersion: 0,
  });
  for (let run = 0; run < 2; run++) {
    await seed();
    eventsAfter.push(await count());
  }
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

/** Runs `npm run seed` as an operator would, minus npm: the same script under tsx, against the test database. */
async function seed(): Promise<void> {
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    SEED_ORGANISATION: '90000012345',
  };
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts'], { cwd: root, env });
}

const count = async () => (await db.pool.query<{ n: number }>('select count(*)::int as n from es_events')).rows[0]!.n;

describe('npm run seed', () => {
  it('when run twice, the second run appends nothing', () => {
    // One event per fund, programme and node; RRF already existed, which accounts for its one event.
    const streams = SEED_DATA.funds.length + SEED_DATA.programmes.reduce((n, p) => n + 1 + p.nodes.length, 0);
    expect(eventsAfter[0]).toBe(streams);
    expect(eventsAfter[1]).toBe(eventsAfter[0]);
  });

  it('when the seed has run, 2.1.2.1.i reads back with the figures of seed 003, each investment has its selection round, and the ERAF measures exist', async () => {
    const manager = new ProjectionManager(db.pool, store, [programmeStructure], {
      batchSize: 500,
      pollMs: 50,
      logger: pino({ level: 'silent' }),
    });
    await manager.prepare();
    await manager.catchUp();
    const investment = await findInvestment(orm, { programme: 'ANM', period: '2021-2026', code: '2.1.2.1.i' });
    expect(investment).toMatchObject({
      fund: 'RRF',
      kind: 'investment',
      status: 'active',
      plannedFundingCents: 7_017_792_000,
      endDate: '2026-08-31',
    });
    expect(investment!.targets.map(({ kind, value, dueDate }) => ({ kind, value, dueDate }))).toEqual([
      { kind: 'target', value: 15, dueDate: '2023-03-31' },
      { kind: 'target', value: 15, dueDate: '2023-09-30' },
      { kind: 'target', value: 15, dueDate: '2026-08-31' },
    ]);
    const rounds = await listNodes(orm, { programme: 'ANM', period: '2021-2026', kind: 'selection_round' });
    expect(rounds.map((r) => r.parentCode)).toEqual(['2.1.2.1.i', '2.2.1.2.i', '2.3.1.2.i', '2.4.1.2.i']);
    expect(await findInvestment(orm, { programme: 'ESIF', period: '2021-2027', code: '1.3.1.1' })).toMatchObject({
      fund: 'ERDF',
      kind: 'measure',
    });
  });

  it('when a fund already existed it is kept as it was, and what the seed adds is recorded as the seed acting as admin for the configured organisation', async () => {
    const rrf = await store.readStream('fund-RRF');
    expect(rrf.map((e) => e.data)).toEqual([expect.objectContaining({ name: { lv: 'ANM', en: 'RRF' } })]);
    const [state] = await store.readStream('fund-STATE');
    expect(state).toMatchObject({ type: 'FundRegistered.v1', data: { code: 'STATE', kind: 'national' } });
    expect(state!.metadata).toMatchObject({ actor: 'system:seed', role: 'admin', roles: ['admin'], organisation: '90000012345' });
    const funds = await db.pool.query<{ stream_id: string }>(
      `select distinct stream_id from es_events where stream_id like 'fund-%' order by 1`,
    );
    expect(funds.rows.map((r) => r.stream_id)).toEqual(['fund-CF', 'fund-ERDF', 'fund-ESF+', 'fund-RRF', 'fund-STATE']);
  });
});
