import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startTracing } from './telemetry.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Before the service (and so express and pg) is imported: tracing patches modules as they load.
  const stopTracing = await startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const { createService, listen, resolveDatabase } = await import('./service.js');
  const logger = createLogger(config.LOG_LEVEL);
  if (stopTracing) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: spans exported over OTLP');
  const db = await resolveDatabase(config, logger);
  const service = await createService(config, logger, db.url);
  const server = await listen(service.app, config.PORT, config.HOST);
  logger.info({ port: config.PORT, docs: `http://localhost:${config.PORT}/docs` }, 'listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await service.close();
    await db.embedded?.stop();
    await stopTracing?.();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
