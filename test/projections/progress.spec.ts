import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeStructureEntities } from '../../projections/programme-structure/entity.js';
import { programmeStructure } from '../../projections/programme-structure/projection.js';
import { progress } from '../../projections/progress/projection.js';
import { progressAsOf } from '../../projections/progress/queries.js';
import { initOrm } from '../../src/db/orm.js';
import { createEventRegistry } from '../../src/domain/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { IndicatorEvent, IndicatorPlacement } from '../../src/domain/indicator/events.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import { ProjectionManager } from '../../src/projection-engine/manager.js';
import { tableNames, type TableNames } from '../../src/projection-engine/projection.js';
import { buildMetadata } from '../support/builders.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { defined, milestone, reported, verified } from '../support/indicator-builders.js';

let db: TestDatabase;
let store: PostgresEventStore<AnyEvent>;
let orm: MikroORM;
let t: TableNames;
const applied: StoredEvent<AnyEvent>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore(db.pool, createEventRegistry());
  orm = await initOrm(db.url, [...programmeStructureEntities]);
  const manager = new ProjectionManager(db.pool, store, [programmeStructure, progress], {
    batchSize: 50,
    pollMs: 20,
    logger: pino({ level: 'silent' }),
  });
  await manager.prepare();
  await manager.catchUp();
  const active = (await manager.status()).find((s) => s.projection === 'progress' && s.status === 'active');
  t = tableNames(progress, active!.generation);
});
afterAll(async () => {
  await orm.close(true);
  await store.close();
  await db.drop();
});

/**
 * Applies events to the projection as if the store had recorded them at `recordedAt`: the
 * recorded time is what `asOf` reads, so the tests choose it.
 */
async function recorded(indicatorId: string, recordedAt: string, ...events: IndicatorEvent[]): Promise<void> {
  const streamId = `indicator-${indicatorId}`;
  const stored = events.map((e): StoredEvent<AnyEvent> => ({
    ...e,
    id: randomUUID(),
    streamId,
    streamType: 'indicator',
    version: applied.filter((a) => a.streamId === streamId).length + 1 + events.indexOf(e),
    metadata: buildMetadata(),
    recordedAt: new Date(recordedAt),
    position: { transactionId: BigInt(applied.length + 1), sequence: BigInt(applied.length + 1) },
  }));
  await applyAll(stored);
  applied.push(...stored);
}

async function applyAll(events: readonly StoredEvent<AnyEvent>[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await progress.apply(client, events, t);
  } finally {
    client.release();
  }
}

const anm = { fund: 'RRF', programme: 'ANM', period: '2021-2026' };
const on2312: IndicatorPlacement = { level: 'investment', ...anm, investment: '2.3.1.2.i' };
const on2121: IndicatorPlacement = { level: 'investment', ...anm, investment: '2.1.2.1.i' };
const project = (projectId: string, investment = '2.1.2.1.i'): IndicatorPlacement => ({ level: 'project', projectId, ...anm, investment });
const asOf = (iso: string) => progressAsOf(orm, { asOf: new Date(iso), ...anm }, null);

describe('progress projection', () => {
  it('when an indicator is defined, reported, verified, corrected and a report rejected, each event lands in the history with its recorded time', async () => {
    const id = randomUUID();
    await recorded(id, '2023-01-10T09:00:00Z', defined(id, { target: { value: 1_080, dueDate: '2024-06-30' } }, on2312));
    await recorded(id, '2024-07-02T10:00:00Z', reported(1, 1_000, '2024-06-30'));
    await recorded(id, '2024-07-05T10:00:00Z', verified(1));
    await recorded(id, '2024-09-01T10:00:00Z', reported(2, 1_090, '2024-06-30', { corrects: 1, qualifier: 'more_than' }));
    await recorded(id, '2024-09-02T10:00:00Z', reported(3, 1_500, '2024-08-31'));
    await recorded(id, '2024-09-03T10:00:00Z', {
      type: 'IndicatorValueRejected.v1',
      data: { report: 3, reason: 'no evidence', rejectedAt: '2024-09-03T10:00:00.000Z', rejectedBy: 'janis' },
    });
    await recorded(id, '2024-09-10T10:00:00Z', verified(2));

    const {
      rows: [definition],
    } = await db.pool.query(
      `select level, investment, project_id, code, unit_en, baseline_value, target_value, due_date::text from ${t.indicators} where indicator_id = $1`,
      [id],
    );
    expect(definition).toEqual({
      level: 'investment',
      investment: '2.3.1.2.i',
      project_id: null,
      code: 'T1',
      unit_en: 'companies',
      baseline_value: '0',
      target_value: '1080',
      due_date: '2024-06-30',
    });
    const { rows: history } = await db.pool.query(
      `select event, report, value::float8 as value, corrects, recorded_at from ${t.indicator_history} where indicator_id = $1 order by stream_version`,
      [id],
    );
    expect(history.map((h) => [h.event, h.report, h.value, h.corrects])).toEqual([
      ['reported', 1, 1_000, null],
      ['verified', 1, null, null],
      ['reported', 2, 1_090, 1],
      ['reported', 3, 1_500, null],
      ['rejected', 3, null, null],
      ['verified', 2, null, null],
    ]);
    expect(history[0].recorded_at).toEqual(new Date('2024-07-02T10:00:00Z'));
  });

  it('when asked as of past instants, each answer uses only what was recorded by then, so a later correction does not change it', async () => {
    const line = async (iso: string) => (await asOf(iso)).indicators.find((x) => x.investment === '2.3.1.2.i');
    expect(await line('2023-01-01T00:00:00Z')).toBeUndefined();
    expect(await line('2024-06-29T00:00:00Z')).toMatchObject({ status: 'not_started' });
    expect(await line('2024-07-03T00:00:00Z')).toMatchObject({ reported: { value: 1_000 }, status: 'overdue' });
    const before = await line('2024-08-01T00:00:00Z');
    expect(before).toMatchObject({
      verified: { value: 1_000, asOfDate: '2024-06-30', qualifier: 'exact' },
      percentOfTarget: 92.6,
      status: 'overdue',
    });
    expect(before!.reported).toBeUndefined();
    expect(await line('2024-09-05T00:00:00Z')).toMatchObject({
      verified: { value: 1_000 },
      reported: { value: 1_090, qualifier: 'more_than' },
    });
    expect(await line('2024-12-31T00:00:00Z')).toMatchObject({
      verified: { value: 1_090, qualifier: 'more_than' },
      percentOfTarget: 100.9,
      status: 'achieved',
    });
    // The same past instant asked again after everything else was recorded: the same answer.
    expect(await line('2024-08-01T00:00:00Z')).toEqual(before);
  });

  it('when projects contribute to an investment target, their values sum into it, the roll-up counts them once, and milestones count as achieved / due', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const platforms = {
      code: 'T3',
      name: { lv: 'Centralizētās IKT platformas', en: 'Centralised ICT platforms' },
      unit: { lv: 'platformas', en: 'platforms' },
      baseline: { value: 0, date: '2021-02-01' },
    };
    const [inv, pa, pb, users, m1, m2] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await recorded(
      inv,
      '2023-01-10T09:00:00Z',
      defined(inv, { ...platforms, target: { value: 15, dueDate: '2026-08-31' }, contributingProjects: [a, b] }, on2121),
    );
    await recorded(
      pa,
      '2023-01-11T09:00:00Z',
      defined(pa, { ...platforms, target: { value: 10, dueDate: '2026-08-31' } }, project(a)),
      reported(1, 6, '2024-12-31'),
      verified(1),
    );
    await recorded(
      pb,
      '2023-01-11T09:00:00Z',
      defined(pb, { ...platforms, target: { value: 5, dueDate: '2026-08-31' } }, project(b)),
      reported(1, 4, '2024-12-31'),
    );
    await recorded(
      users,
      '2023-01-11T09:00:00Z',
      defined(
        users,
        { code: 'RCR11', unit: { lv: 'lietotāji gadā', en: 'users/year' }, target: { value: 223_560, dueDate: '2026-06-30' } },
        project(a),
      ),
      reported(1, 150_000, '2024-12-31'),
      verified(1),
    );
    await recorded(
      m1,
      '2023-01-11T09:00:00Z',
      defined(m1, milestone({ target: { value: null, dueDate: '2023-03-31' } }), on2121),
      reported(1, 1, '2023-03-30'),
      verified(1),
    );
    await recorded(
      m2,
      '2023-01-11T09:00:00Z',
      defined(m2, milestone({ code: 'M2', target: { value: null, dueDate: '2023-09-30' } }), on2121),
    );

    const before = await asOf('2025-01-31T00:00:00Z');
    expect(before.indicators.find((x) => x.indicatorId === inv)).toMatchObject({
      verified: { value: 6 },
      reported: { value: 10 },
      percentOfTarget: 40,
      status: 'at_risk',
    });
    await recorded(pb, '2025-02-01T09:00:00Z', verified(1));
    const { indicators, rollup } = await asOf('2025-03-01T00:00:00Z');
    expect(indicators.find((x) => x.indicatorId === inv)).toMatchObject({
      verified: { value: 10, asOfDate: '2024-12-31' },
      percentOfTarget: 66.7,
    });
    expect(indicators.find((x) => x.indicatorId === inv)!.reported).toBeUndefined();

    const investment = rollup.find((n) => n.level === 'investment' && n.investment === '2.1.2.1.i')!;
    expect(investment).toMatchObject({ component: '2', milestones: { achieved: 1, due: 2, total: 2 } });
    expect(investment.quantities).toEqual([
      {
        code: 'RCR11',
        unit: { lv: 'lietotāji gadā', en: 'users/year' },
        target: 223_560,
        verified: 150_000,
        reported: 150_000,
        percentOfTarget: 67.1,
        indicators: 1,
      },
      { code: 'T3', unit: platforms.unit, target: 15, verified: 10, reported: 10, percentOfTarget: 66.7, indicators: 1 },
    ]);
    expect(investment.statuses).toMatchObject({ achieved: 1, overdue: 1 });
    expect(rollup.find((n) => n.level === 'project' && n.projectId === a)!.quantities.map((q) => [q.code, q.verified])).toEqual([
      ['RCR11', 150_000],
      ['T3', 6],
    ]);
    const fund = rollup.find((n) => n.level === 'fund' && n.fund === 'RRF')!;
    expect(fund.quantities.find((q) => q.code === 'T3')).toMatchObject({ target: 15, verified: 10 });
    expect(rollup.find((n) => n.level === 'component' && n.component === '2')).toBeDefined();
  });

  it('when every event is applied again, or in reverse order, the read model is unchanged', async () => {
    const dump = async () =>
      Promise.all(Object.values(t).map(async (table) => (await db.pool.query(`select * from ${table} order by 1, 2`)).rows));
    const before = await dump();
    expect(applied.length).toBeGreaterThan(15);
    await applyAll(applied);
    await applyAll([...applied].reverse());
    expect(await dump()).toEqual(before);
  });
});
