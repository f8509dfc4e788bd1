import pg from 'pg';
import type { EventShape, EventStore, ReadAllOptions, StoredEvent } from '../eventstore/port.js';
import { comparePositions, formatPosition } from '../eventstore/position.js';
import { logged } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { physicalTable, tableNames, type Projection } from './projection.js';
import { runBatch } from './runner.js';

export interface GenerationStatus {
  projection: string;
  generation: number;
  codeVersion: number;
  status: 'building' | 'active' | 'retired';
  checkpoint: string;
  eventsApplied: number;
  /** Events committed and visible but not yet applied (counted up to 100,000). */
  behind: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  lagSeconds: number;
  updatedAt: string;
  activatedAt: string | null;
}

export class UnknownProjection extends Error {
  constructor(readonly projection: string) {
    super(`There is no projection named "${projection}"`);
    this.name = 'UnknownProjection';
  }
}

export interface ProjectionManagerOptions {
  batchSize: number;
  pollMs: number;
  /**
   * How long a woken runner waits before it reads: appends that arrive meanwhile go into the
   * same batch, and the request that appended finishes (its check and its answer) before the
   * runner competes with it for the processor. 0: at once.
   */
  settleMs?: number;
  logger: Logger;
  /** Connection string for the LISTEN connection (live mode). */
  listenUrl?: string;
}

const LAG_COUNT_CAP = 100_000;
/** How long a read of the log is shared with runners asking for the same events (see {@link ProjectionManager.log}). */
const SHARE_READ_MS = 50;
/** How long catch-up waits for events the log holds back behind a running transaction. */
const CATCH_UP_HEAD_WAIT_MS = 2000;

/**
 * Keeps every projection's generations running: catch-up from zero, then live (woken by
 * NOTIFY from appends or the store's own watch(), polling as a fallback); builds a new generation when a projection's
 * code version changes or a rebuild is asked for, and switches the views to it once it has
 * caught up, while the old generation serves until then.
 */
export class ProjectionManager<E extends EventShape = EventShape> {
  private readonly byName: Map<string, Projection<E>>;
  private readonly loops = new Map<string, Promise<void>>();
  private wakers = new Set<() => void>();
  private stopped = false;
  private started = false;
  private listener?: pg.Client;
  private pollTimer?: NodeJS.Timeout;
  private unwatch?: () => void;
  private readonly recentReads = new Map<string, { at: number; events: Promise<StoredEvent<E>[]> }>();
  /**
   * The log as the live runners read it: runners woken together at one checkpoint (every
   * projection, caught up, after an append) share one read and one parse of its events instead
   * of one each. A read shared for up to {@link SHARE_READ_MS} may miss events committed since,
   * which is what a read a moment earlier would have missed: the runner takes them in its next
   * batch. A wake (new events committed) forgets every read before it, a read that found nothing
   * is not shared, and catching up reads for itself.
   */
  private readonly log: Pick<EventStore<E>, 'readAll'> = {
    readAll: (options: ReadAllOptions) => {
      const now = performance.now();
      for (const [key, read] of this.recentReads) if (now - read.at > SHARE_READ_MS) this.recentReads.delete(key);
      const key = `${options.after.transactionId}:${options.after.sequence}:${options.limit}`;
      const recent = this.recentReads.get(key);
      if (recent) return recent.events;
      const events = this.store.readAll(options);
      this.recentReads.set(key, { at: now, events });
      events.then(
        (found) => found.length === 0 && this.recentReads.delete(key),
        () => this.recentReads.delete(key),
      );
      return events;
    },
  };

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore<E>,
    projections: readonly Projection<E>[],
    private readonly options: ProjectionManagerOptions,
  ) {
    this.byName = new Map(projections.map((p) => [p.name, p]));
  }

  get projections(): Projection<E>[] {
    return [...this.byName.values()];
  }

  /** Prepares generations and views for every projection (no events applied yet). */
  async prepare(): Promise<void> {
    for (const p of this.byName.values()) await this.ensureGenerations(p);
  }

  /** Prepares and starts every runner, live. */
  async start(): Promise<void> {
    await this.prepare();
    this.started = true;
    if (this.options.listenUrl) await this.listen(this.options.listenUrl);
    // Stores that can say when events arrive (KurrentDB: a $all subscription) wake the runners too.
    this.unwatch = this.store.watch?.(() => this.wakeAll());
    this.pollTimer = setInterval(() => {
      this.wakeAll();
      // A rebuild asked for elsewhere (another instance, or the request thread of this one) is run here too.
      this.spawnRunnable().catch((err: unknown) => this.options.logger.warn(logged(err), 'looking for new generations failed'));
    }, this.options.pollMs);
    await this.spawnRunnable();
  }

  /** Runs every runnable generation (see {@link runnableGenerations}) that has no runner here yet. */
  private async spawnRunnable(): Promise<void> {
    const runnable = await this.runnableGenerations();
    for (const p of this.byName.values()) for (const g of runnable.get(p.name) ?? []) if (!this.stopped) this.spawn(p, g);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.unwatch?.();
    this.wakeAll();
    await Promise.allSettled(this.loops.values());
    await this.listener?.end().catch(() => undefined);
  }

  /** Starts a new generation of `name` from zero; the current one serves until it takes over. */
  async rebuild(name: string): Promise<GenerationStatus> {
    const p = this.projection(name);
    const generation = await this.withProjectionLock(p, async (client) => {
      const { rows } = await client.query<{ generation: number }>(
        `select generation from projection_generations where projection = $1 and status = 'building'`,
        [p.name],
      );
      // A rebuild already under way is the answer to a second request.
      return rows[0]?.generation ?? (await this.createGeneration(client, p, 'building'));
    });
    if (this.started && !this.stopped) this.spawn(p, generation);
    return (await this.status()).find((s) => s.projection === name && s.generation === generation)!;
  }

  /**
   * Every generation that is not retired, in (projection, generation) order; a keyset page of
   * them when `page` says so: after (projection, generation), at most `limit`.
   */
  async status(page: { after?: { projection: string; generation: number }; limit?: number } = {}): Promise<GenerationStatus[]> {
    const { rows } = await this.pool.query<{
      projection: string;
      generation: number;
      code_version: number;
      status: GenerationStatus['status'];
      tx: string;
      pos: string;
      events_applied: string;
      updated_at: Date;
      activated_at: Date | null;
    }>(
      `select projection, generation, code_version, status, checkpoint_tx::text as tx, checkpoint_pos as pos,
              events_applied, updated_at, activated_at
         from projection_generations
        where status <> 'retired' and projection = any($1::text[])
          and ($2::text is null or projection collate "C" > $2::text or (projection = $2::text and generation > $3::int))
        order by projection collate "C", generation
        limit $4::bigint`,
      [[...this.byName.keys()], page.after?.projection ?? null, page.after?.generation ?? null, page.limit ?? null],
    );
    return Promise.all(
      rows.map(async (r) => {
        const after = { transactionId: BigInt(r.tx), sequence: BigInt(r.pos) };
        const [next] = await this.store.readAll({ after, limit: 1 });
        const behind = next ? await this.store.countAfter(after, LAG_COUNT_CAP) : 0;
        return {
          projection: r.projection,
          generation: r.generation,
          codeVersion: r.code_version,
          status: r.status,
          checkpoint: formatPosition(after),
          eventsApplied: Number(r.events_applied),
          behind,
          lagSeconds: next ? Math.max(0, (Date.now() - next.recordedAt.getTime()) / 1000) : 0,
          updatedAt: r.updated_at.toISOString(),
          activatedAt: r.activated_at?.toISOString() ?? null,
        };
      }),
    );
  }

  /**
   * Runs batches until every runnable generation has applied every event committed before the
   * call (tests, CLI). An empty read is not enough where the store can name its head: the log
   * holds back events younger than the oldest transaction still running (a live runner's batch),
   * so a read can come back empty while committed events wait behind it.
   */
  async catchUp(): Promise<void> {
    const head = (await this.store.head?.()) ?? null;
    // A transaction held open on purpose (or forgotten) must not keep catch-up waiting for ever.
    const giveUpAt = Date.now() + CATCH_UP_HEAD_WAIT_MS;
    const runnable = await this.runnableGenerations();
    for (const p of this.byName.values()) {
      for (const g of runnable.get(p.name) ?? []) {
        for (;;) {
          const outcome = await runBatch(this.pool, this.store, p, g, this.options.batchSize);
          if (outcome.kind === 'idle') {
            if (head && comparePositions(outcome.checkpoint, head) < 0 && Date.now() < giveUpAt) {
              await sleep(5);
              continue;
            }
            await this.tryActivate(p, g);
            break;
          }
          if (outcome.kind === 'retired') break;
          // A live runner holds the batch: wait for it rather than report caught up too early.
          if (outcome.kind === 'busy') await sleep(5);
        }
      }
    }
  }

  private projection(name: string): Projection<E> {
    const p = this.byName.get(name);
    if (!p) throw new UnknownProjection(name);
    return p;
  }

  private spawn(p: Projection<E>, generation: number): void {
    const key = `${p.name}#${generation}`;
    if (this.loops.has(key)) return;
    this.loops.set(
      key,
      this.loop(p, generation).finally(() => this.loops.delete(key)),
    );
  }

  private async loop(p: Projection<E>, generation: number): Promise<void> {
    const log = this.options.logger.child({ projection: p.name, generation });
    let backoff = 100;
    while (!this.stopped) {
      try {
        const outcome = await runBatch(this.pool, this.log, p, generation, this.options.batchSize);
        backoff = 100;
        if (outcome.kind === 'retired') return;
        if (outcome.kind === 'applied' && outcome.events === this.options.batchSize) continue;
        if (outcome.kind === 'idle' && (await this.tryActivate(p, generation)) === 'activated') {
          log.info('generation caught up and took over');
        }
      } catch (error) {
        log.error(logged(error), 'projection batch failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      await this.sleepUntilWoken();
      if (this.options.settleMs && !this.stopped) await sleep(this.options.settleMs);
    }
  }

  /** Makes a caught-up building generation the active one, switching the views in one transaction. */
  private async tryActivate(p: Projection<E>, generation: number): Promise<'activated' | 'no'> {
    const retired = await this.withProjectionLock(p, async (client) => {
      // Wait for a batch in flight on this generation, then check that nothing is left to apply.
      await client.query('select pg_advisory_xact_lock(hashtext($1), $2)', [p.name, generation]);
      const { rows } = await client.query<{ status: string; tx: string; pos: string }>(
        `select status, checkpoint_tx::text as tx, checkpoint_pos as pos from projection_generations
          where projection = $1 and generation = $2`,
        [p.name, generation],
      );
      if (rows[0]?.status !== 'building') return null;
      const checkpoint = { transactionId: BigInt(rows[0].tx), sequence: BigInt(rows[0].pos) };
      if ((await this.store.readAll({ after: checkpoint, limit: 1 })).length > 0) return null;
      const old = await client.query<{ generation: number }>(
        `update projection_generations set status = 'retired', updated_at = now()
          where projection = $1 and status = 'active' returning generation`,
        [p.name],
      );
      await client.query(
        `update projection_generations set status = 'active', activated_at = now(), updated_at = now()
          where projection = $1 and generation = $2`,
        [p.name, generation],
      );
      await this.pointViews(client, p, generation);
      return old.rows.map((r) => r.generation);
    });
    if (retired === null) return 'no';
    for (const g of retired) await this.dropGeneration(p, g);
    return 'activated';
  }

  private async ensureGenerations(p: Projection<E>): Promise<void> {
    await this.withProjectionLock(p, async (client) => {
      const { rows } = await client.query<{ generation: number; code_version: number; status: string }>(
        `select generation, code_version, status from projection_generations
          where projection = $1 and status <> 'retired'`,
        [p.name],
      );
      const active = rows.find((r) => r.status === 'active');
      if (!active) {
        const g = await this.createGeneration(client, p, 'active');
        await this.pointViews(client, p, g);
        return;
      }
      const building = rows.find((r) => r.status === 'building');
      if (active.code_version !== p.version && building?.code_version !== p.version) {
        if (building) {
          await client.query(`update projection_generations set status = 'retired' where projection = $1 and generation = $2`, [
            p.name,
            building.generation,
          ]);
        }
        await this.createGeneration(client, p, 'building');
      }
    });
  }

  /**
   * Each projection's generations whose code is the running code, in order (an outdated active
   * one is frozen, not fed): one query for all projections.
   */
  private async runnableGenerations(): Promise<Map<string, number[]>> {
    const { rows } = await this.pool.query<{ projection: string; generation: number; code_version: number }>(
      `select projection, generation, code_version from projection_generations where status <> 'retired' order by projection, generation`,
    );
    const runnable = new Map<string, number[]>();
    for (const r of rows) {
      if (this.byName.get(r.projection)?.version !== r.code_version) continue;
      runnable.set(r.projection, [...(runnable.get(r.projection) ?? []), r.generation]);
    }
    return runnable;
  }

  private async createGeneration(client: pg.ClientBase, p: Projection<E>, status: 'active' | 'building'): Promise<number> {
    const { rows } = await client.query<{ generation: number }>(
      `insert into projection_generations (projection, generation, code_version, status, activated_at)
       select $1, coalesce(max(generation), 0) + 1, $2, $3, case when $3 = 'active' then now() end
         from projection_generations where projection = $1
       returning generation`,
      [p.name, p.version, status],
    );
    const generation = rows[0]!.generation;
    for (const ddl of p.createTables(tableNames(p, generation))) await client.query(ddl);
    this.options.logger.info({ projection: p.name, generation, status }, 'projection generation created');
    return generation;
  }

  private async pointViews(client: pg.ClientBase, p: Projection<E>, generation: number): Promise<void> {
    for (const t of p.tables) {
      await client.query(`drop view if exists "${t}"`);
      await client.query(`create view "${t}" as select * from "${physicalTable(t, generation)}"`);
    }
  }

  private async dropGeneration(p: Projection<E>, generation: number): Promise<void> {
    for (const t of p.tables) await this.pool.query(`drop table if exists "${physicalTable(t, generation)}"`);
  }

  private async withProjectionLock<T>(p: Projection<E>, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`projection:${p.name}`]);
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async listen(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', () => this.wakeAll());
    client.on('error', (err) => this.options.logger.warn(logged(err), 'LISTEN connection lost; polling only'));
    await client.connect();
    await client.query('listen es_events');
    this.listener = client;
  }

  private wakeAll(): void {
    this.recentReads.clear();
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const w of wakers) w();
  }

  private sleepUntilWoken(): Promise<void> {
    // A loop that finishes a batch after stop() has woken everyone must not go to sleep.
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.wakers.add(resolve));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
