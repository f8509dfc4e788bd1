import type { Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { keepFactsPlanned } from '../projections/double-funding/facts.js';
import { projections, readModelEntities } from '../projections/index.js';
import { redactCredentials, type Config } from './config.js';
import { createPool, ensureDatabase } from './db/database.js';
import { logged, StartupError } from './db/errors.js';
import { EmbeddedPortTaken, EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { initOrm, migrate } from './db/orm.js';
import { createEventRegistry } from './domain/events.js';
import { EventStoreAccessDenied, EventStoreUnavailable } from './eventstore/errors.js';
import { KurrentDbEventStore } from './eventstore/kurrentdb/adapter.js';
import { checkKurrentDbConnection, createKurrentDbClient } from './eventstore/kurrentdb/connect.js';
import type { EventShape, EventStore } from './eventstore/port.js';
import { PostgresEventStore } from './eventstore/postgres/adapter.js';
import { PostgresSnapshots } from './eventstore/postgres/snapshots.js';
import { ChainKeeper } from './eventstore/postgres/chain.js';
import type { EventRegistry } from './eventstore/registry.js';
import { Application } from './application/application.js';
import { statesOf } from './application/stream-states.js';
import { BackgroundThread } from './background-thread.js';
import type { Deps } from './application/deps.js';
import { react } from './application/workflows.js';
import type { AnyEvent } from './domain/stream-types.js';
import { createApp } from './http/app.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { ProjectionManager } from './projection-engine/manager.js';
import { ProcessManager } from './projection-engine/process-manager.js';

export const EMBEDDED_DATABASE = 'grants';

/** Where the database is: DATABASE_URL, or an embedded server started here. */
export async function resolveDatabase(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedServer }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  let embedded: EmbeddedServer;
  try {
    embedded = await startEmbeddedPostgres({
      dir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      ...(config.EMBEDDED_PG_SHARED_BUFFERS_MB === undefined ? {} : { sharedBuffersMb: config.EMBEDDED_PG_SHARED_BUFFERS_MB }),
      logger,
    });
  } catch (error) {
    if (error instanceof EmbeddedPortTaken) {
      throw new StartupError(
        `embedded PostgreSQL: port ${error.port} (EMBEDDED_PG_PORT) is taken by another process; set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a server of your own`,
        { cause: error },
      );
    }
    if (error instanceof EmbeddedPostgresError) throw new StartupError(`embedded PostgreSQL: ${error.message}`, { cause: error });
    throw error;
  }
  await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
  logger.info({ dir: embedded.dataDir, port: config.EMBEDDED_PG_PORT }, 'embedded PostgreSQL started');
  return { url: embedded.urlFor(EMBEDDED_DATABASE), embedded };
}

export interface Service {
  /** What the application layer is built on (tests reach the store and the pool through it). */
  readonly context: Deps;
  readonly application: Application;
  readonly app: ReturnType<typeof createApp>;
  /** What `GET /metrics` reports. */
  readonly metrics: Metrics;
  /** Runs workflow steps a stopped request left undone, from the event log (src/application/workflows.ts). */
  readonly workflows: ProcessManager<AnyEvent>;
  /** Stops the background work at a batch boundary (waiting at most SHUTDOWN_GRACE_MS), then closes every connection. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Wraps the event store (tests inject failures between a workflow's steps with it). */
  readonly wrapStore?: (store: EventStore<AnyEvent>) => EventStore<AnyEvent>;
  /** Now, for every command; default the system clock. */
  readonly clock?: () => Date;
  /** This is the background thread (src/background.ts): the background work runs here. */
  readonly inBackgroundThread?: boolean;
}

/** Wires the service on a migrated database; projections run live unless disabled. */
export async function createService(config: Config, logger: Logger, url: string, options: ServiceOptions = {}): Promise<Service> {
  const orm: MikroORM = await initOrm(url, readModelEntities, logger);
  const applied = await migrate(orm);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const pool: pg.Pool = createPool(url, config.DB_POOL_SIZE, (err) => logger.warn(logged(err), 'idle database connection lost'));
  const metrics = new Metrics();
  let store: EventStore<AnyEvent>;
  try {
    const created = metrics.instrumentStore(await createEventStore(config, logger, pool, createEventRegistry()));
    store = options.wrapStore ? options.wrapStore(created) : created;
  } catch (error) {
    await pool.end();
    await orm.close(true);
    throw error;
  }
  // Long streams' states (budgets) are kept as snapshots in PostgreSQL, whichever store holds the log.
  statesOf(store).useSnapshots(new PostgresSnapshots(pool), (err) =>
    logger.warn(logged(err), 'a stream snapshot could not be read or written'),
  );
  // The projection runners and the process manager each hold a connection for their batch's
  // transaction while they read the log (and run commands) through the store's pool. On one
  // pool, enough of them waiting for a second connection would wait for each other forever;
  // on a pool of their own, sized for all of them, they wait only for connections that come back.
  const readModels = projections({ nearDays: config.DUPCHECK_NEAR_DAYS });
  const runners: pg.Pool = createPool(url, readModels.length + 3, (err) => logger.warn(logged(err), 'idle runner connection lost'));
  const manager = new ProjectionManager(runners, store, readModels, {
    batchSize: config.PROJECTION_BATCH_SIZE,
    pollMs: config.PROJECTION_POLL_MS,
    settleMs: config.PROJECTION_SETTLE_MS,
    logger,
    // PostgreSQL appends NOTIFY; KurrentDB wakes the runners through the store's watch().
    listenUrl: config.EVENT_STORE === 'postgres' ? url : undefined,
  });
  // The hash chain covers the PostgreSQL log; KurrentDB keeps its own log's integrity.
  const chain =
    config.EVENT_STORE === 'postgres'
      ? new ChainKeeper(pool, {
          pollMs: config.PROJECTION_POLL_MS,
          batchSize: config.PROJECTION_BATCH_SIZE,
          onError: (err) => logger.error(logged(err), 'extending the event chain failed; retrying'),
        })
      : undefined;
  const workflows = new ProcessManager(
    runners,
    store,
    // The reactor runs only once started, by when `context` below exists.
    { name: 'workflows', react: (event) => react(context, event) },
    {
      batchSize: config.PROJECTION_BATCH_SIZE,
      pollMs: config.PROJECTION_POLL_MS,
      logger,
    },
  );
  const context: Deps = {
    config,
    logger,
    pool,
    store,
    orm,
    projections: manager,
    chain,
    workflows,
    clock: options.clock ?? (() => new Date()),
  };
  const application = new Application(context);
  metrics.watchPools({ requests: pool, runners });
  metrics.watchProjections(manager);
  metrics.watchImportJobs(store);
  // The background work runs here, or in a thread of its own that this thread starts (and hands new import jobs to).
  const here = options.inBackgroundThread === true || !config.BACKGROUND_THREAD;
  let thread: BackgroundThread | undefined;
  if (here && config.PROJECTIONS_ENABLED) {
    await manager.start();
    chain?.start();
    workflows.start();
  } else await manager.prepare();
  // The double-funding check's statement (its read model's views exist now), planned on every
  // connection before the first request needs it; else the first check on each plans it.
  await keepFactsPlanned(pool, config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model', config.DB_POOL_SIZE).catch(
    (err: unknown) => logger.warn(logged(err), 'planning the double-funding check ahead failed; each connection plans it on first use'),
  );
  if (here && config.IMPORT_WORKER_ENABLED) await application.importJobs.runner.start();
  if (!here && (config.PROJECTIONS_ENABLED || config.IMPORT_WORKER_ENABLED)) {
    const started = new BackgroundThread({ config, url, logLevel: logger.level }, logger, config.SHUTDOWN_GRACE_MS);
    application.importJobs.runJob = (jobId) => started.importJobStarted(jobId);
    await started.start();
    thread = started;
  }
  return {
    context,
    application,
    app: createApp(application, { config, logger, metrics }),
    metrics,
    workflows,
    async close() {
      await thread?.stop();
      await application.importJobs.runner.stop();
      await workflows.stop();
      await manager.stop();
      await chain?.stop();
      await store.close();
      await statesOf(store).flush();
      await runners.end();
      await pool.end();
      await orm.close(true);
    },
  };
}

/**
 * The event store chosen by EVENT_STORE. KurrentDB is checked at once (KURRENTDB_CONNECT_TIMEOUT_MS):
 * an unreachable server or refused credentials stop the start with EventStoreUnavailable /
 * EventStoreAccessDenied naming the cause, rather than failing on the first request.
 */
export async function createEventStore<E extends EventShape>(
  config: Config,
  logger: Logger,
  pool: pg.Pool,
  registry: EventRegistry<E>,
): Promise<EventStore<E>> {
  if (config.EVENT_STORE === 'postgres') return new PostgresEventStore(pool, registry);
  const client = createKurrentDbClient(config.KURRENTDB_URL!);
  try {
    await checkKurrentDbConnection(client, config.KURRENTDB_CONNECT_TIMEOUT_MS);
  } catch (error) {
    await client.dispose().catch(() => undefined);
    // Name the server in the start-up error (never its password).
    const where = `KurrentDB at ${redactCredentials(config.KURRENTDB_URL!)}`;
    if (error instanceof EventStoreUnavailable) throw new EventStoreUnavailable(where, error.reason, { cause: error });
    if (error instanceof EventStoreAccessDenied) throw new EventStoreAccessDenied(where, error.reason, { cause: error });
    throw error;
  }
  logger.info({ eventStore: 'kurrentdb', url: redactCredentials(config.KURRENTDB_URL!) }, 'KurrentDB event store reachable');
  return new KurrentDbEventStore(client, registry, {
    onWatchError: (err) => logger.warn({ err }, 'KurrentDB subscription lost; projections poll until it is back'),
  });
}

export function listen(app: Service['app'], port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
