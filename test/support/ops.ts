import { pino } from 'pino';
import type pg from 'pg';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { loadConfig } from '../../src/config.js';
import { projections } from '../../projections/index.js';
import { physicalTable } from '../../src/projection-engine/projection.js';
import { createService } from '../../src/service.js';
import { bearer, TEST_JWT_SECRET, tokenFor } from './auth.js';
import type { Caller } from './seeded.js';
import { caller, castOf, PEOPLE, SEED_CALLER } from './seeded.js';
import { eAdrese } from './passport-builders.js';

/*
 * Operations tests (test/ops): the service as a process of its own on a database prepared here.
 */

/** The reference data loaded into the database at `url` by a service in this process; then `more` with the cast's tokens. */
export async function seedDatabase<T>(
  url: string,
  more: (as: Caller) => Promise<T>,
): Promise<{ tokens: Record<string, string>; prepared: T }> {
  const config = loadConfig({ NODE_ENV: 'test', BACKGROUND_THREAD: 'false', PROJECTION_POLL_MS: '50', AUTH_JWT_SECRET: TEST_JWT_SECRET });
  const service = await createService(config, pino({ level: 'silent' }), url);
  try {
    await seedReferenceData(service.context, SEED_DATA, SEED_CALLER);
    const tokens = { ...(await castOf(PEOPLE)), admin: bearer(await tokenFor({ roles: ['admin'], sub: 'ops' })) };
    const prepared = await more(
      caller(
        () => ({ service, db: { url, pool: service.context.pool, drop: () => Promise.resolve() }, close: () => Promise.resolve() }),
        tokens,
      ),
    );
    return { tokens, prepared };
  } finally {
    await service.close();
  }
}

/** anna drafts the seed passport as a new project, under `key`. */
export const draft = (base: string, token: string, key: string): Promise<Response> =>
  fetch(`${base}/projects`, {
    method: 'POST',
    headers: { Authorization: token, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({ title: eAdrese.title, programme: eAdrese.programme, recipient: eAdrese.recipient }),
  });

/** How many PassportDrafted events each of these projects has. */
export async function storedDrafts(pool: pg.Pool, ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ id: string; n: number }>(
    `select payload->>'projectId' as id, count(*)::int as n from es_events
      where type like 'PassportDrafted.%' and payload->>'projectId' = any($1) group by 1`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `probe` to give something, at most `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    await sleep(100);
  }
  throw new Error(`waited ${ms} ms in vain for ${what}`);
}

const READ_MODELS = projections({ nearDays: 5 });

/** Every row of every active read model, as sorted JSON per table: what two builds of the same log must agree on. */
export async function readModels(pool: pg.Pool): Promise<Record<string, string[]>> {
  const { rows } = await pool.query<{ projection: string; generation: number }>(
    `select projection, generation from projection_generations where status = 'active'`,
  );
  const active = new Map(rows.map((r) => [r.projection, r.generation]));
  const out: Record<string, string[]> = {};
  for (const p of READ_MODELS) {
    const generation = active.get(p.name);
    if (generation === undefined) throw new Error(`no active generation of ${p.name}`);
    for (const table of p.tables) {
      const { rows: data } = await pool.query<{ row: string }>(
        `select to_jsonb(t)::text as row from "${physicalTable(table, generation)}" t`,
      );
      out[`${p.name}.${table}`] = data.map((d) => d.row).sort();
    }
  }
  return out;
}

/** Asks the service at `base` to rebuild every read model from zero, and waits until each new generation serves. */
export async function rebuildAll(pool: pg.Pool, base: string, adminToken: string): Promise<void> {
  const started = new Map<string, number>();
  for (const p of READ_MODELS) {
    const res = await fetch(`${base}/projections/${p.name}/rebuild`, { method: 'POST', headers: { Authorization: adminToken } });
    if (res.status !== 202) throw new Error(`rebuild of ${p.name}: ${res.status} ${await res.text()}`);
    started.set(p.name, ((await res.json()) as { generation: number }).generation);
  }
  await until('every rebuilt generation to serve', async () => {
    const { rows } = await pool.query<{ projection: string; generation: number }>(
      `select projection, generation from projection_generations where status = 'active'`,
    );
    return rows.every((r) => r.generation >= (started.get(r.projection) ?? 0)) && rows.length === READ_MODELS.length ? true : undefined;
  });
}

/** The chain keeper has linked every event. */
export async function chainCaughtUp(pool: pg.Pool): Promise<void> {
  await until('the hash chain to cover every event', async () => {
    const { rows } = await pool.query<{ events: number; links: number }>(
      `select (select count(*) from es_events)::int as events, (select count(*) from es_chain)::int as links`,
    );
    return rows[0]!.events === rows[0]!.links ? true : undefined;
  });
}
