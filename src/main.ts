import type { Server } from 'node:http';
import { loadConfigOrExit, redactCredentials } from './config.js';
import { isConnectionError, logged, StartupError } from './db/errors.js';
import { EventStoreAccessDenied, EventStoreUnavailable } from './eventstore/errors.js';
import { createLogger, type Logger } from './logger.js';
import type { resolveDatabase, Service } from './service.js';
import { startTracing } from './telemetry.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // Before the service (and so express and pg) is imported: tracing patches modules as they load.
  const stopTracing = await startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const { createService, listen, resolveDatabase } = await import('./service.js');
  const logger = createLogger(config.LOG_LEVEL);
  if (stopTracing) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: spans exported over OTLP');
  // A connection lost outside any request (the database restarting) must cost a log line, not the process.
  process.on('unhandledRejection', (reason) => logger.error(logged(reason), 'unhandled rejection'));

  let stopping: Promise<void> | undefined;
  let db: Awaited<ReturnType<typeof resolveDatabase>> | undefined;
  let service: Service | undefined;
  let server: Server | undefined;
  // Settles with whether the start succeeded. A signal while starting lets the step in hand finish (initdb,
  // the embedded server coming up, migrations), begins no further step, and then stops what was started:
  // exiting at once left the embedded PostgreSQL, detached in its own process group, running with nobody to stop it.
  let started: Promise<boolean> = Promise.resolve(true);
  const stop = (signal: NodeJS.Signals) => {
    // A Ctrl-C reaches the service twice under `npm start` (from the terminal and from npm): once is enough.
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'shutting down: refusing new requests, finishing those in flight');
    // Whatever hangs, the process ends a little after the grace: an orchestrator kills it then anyway.
    setTimeout(() => {
      logger.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown did not finish within the grace; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000).unref();
    stopping = started.then(async (ok) => {
      // A start that failed is ended by its own error path (it stops what it started and exits 1).
      if (!ok) return;
      try {
        await shutdown(config.SHUTDOWN_GRACE_MS, logger, { server, service, db, stopTracing });
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      }
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const start = async () => {
    db = await resolveDatabase(config, logger);
    if (stopping) return;
    service = await createService(config, logger, db.url);
    if (stopping) return;
    server = await listen(service.app, config.PORT, config.HOST);
  };
  const starting = start();
  started = starting.then(
    () => true,
    () => false,
  );
  try {
    await starting;
  } catch (error) {
    await service?.close().catch(() => undefined);
    await db?.embedded?.stop().catch(() => undefined);
    throw startupProblem(error, config.DATABASE_URL);
  }
  if (stopping) return; // a signal came while starting: the shutdown stops what was started
  logger.info({ port: config.PORT, docs: `http://localhost:${config.PORT}/docs` }, 'listening');
}

/**
 * In order: refuse new connections and report not ready; let the requests in flight finish (at most
 * SHUTDOWN_GRACE_MS, then their connections are cut); stop the background work at a batch boundary;
 * close the pools; stop the embedded database last, when nobody is connected to it any more.
 */
async function shutdown(
  graceMs: number,
  logger: Logger,
  parts: {
    server?: Server | undefined;
    service?: Service | undefined;
    db?: Awaited<ReturnType<typeof resolveDatabase>> | undefined;
    stopTracing?: (() => Promise<void>) | undefined;
  },
): Promise<void> {
  const started = Date.now();
  if (parts.service) parts.service.application.operations.stopping = true;
  if (parts.server) await drain(parts.server, graceMs);
  const drainedMs = Date.now() - started;
  await parts.service?.close();
  await parts.db?.embedded?.stop();
  await parts.stopTracing?.();
  logger.info({ drainedMs, stoppedMs: Date.now() - started }, 'stopped');
}

/** Closes the listener, ends idle keep-alive connections as they become idle, and cuts the rest after `graceMs`. */
function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A start that failed for a reason the operator can fix is said in one line; anything else keeps its stack. */
function startupProblem(error: unknown, databaseUrl: string | undefined): Error {
  if (error instanceof StartupError) return error;
  if (isConnectionError(error) && databaseUrl) {
    const reason = error instanceof Error ? error.message : String(error);
    return new StartupError(`cannot reach the database at ${redactCredentials(databaseUrl)} (DATABASE_URL): ${reason}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

main().catch((err: unknown) => {
  if (err instanceof StartupError || err instanceof EventStoreUnavailable || err instanceof EventStoreAccessDenied) {
    process.stderr.write(`grants-backend cannot start: ${err.message}\n`);
  } else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
