import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-dist';
import spec from '../../openapi/openapi.json' with { type: 'json' };
import type { Application } from '../application/application.js';
import { installAuthentication } from '../auth/express.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { requestIdFor } from './caller.js';
import { fileBodies } from './file-upload.js';
import { installHardening } from './hardening.js';
import { RegisterRoutes } from './generated/routes.js';
import { idempotentWrites } from './idempotency.js';
import { wellFormedUrl } from './query.js';
import { jsonBodies } from './body.js';
import { errorHandler, notFoundHandler } from './problem.js';

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function createApp(application: Application, { config, logger, metrics }: AppOptions): Express {
  const app = express();
  app.locals.application = application;
  installAuthentication(app, config, logger);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(metrics.httpMiddleware());
  installHardening(app, config);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
      // A 5xx answer is logged with its cause by the error handler; pino-http's own stand-in error
      // ("failed with status code 503") would add a stack trace to every answer of an outage.
      customErrorObject: (_req, _res, error, value: Record<string, unknown>) =>
        error.message.startsWith('failed with status code') ? { ...value, err: undefined } : value,
    }),
  );
  app.use(wellFormedUrl(spec));
  app.use(jsonBodies({ small: config.BODY_LIMIT, large: config.BODY_LIMIT_LARGE }));
  app.use(fileBodies(config.IMPORT_MAX_FILE_MB));
  app.use(idempotentWrites(application.responses, logger));

  app.get('/metrics', metrics.handler(config.METRICS_TOKEN));
  app.get('/openapi.json', (_req, res) => {
    res.json(spec);
  });
  app.get('/docs', (req, res, next) => (req.path === '/docs' && !req.originalUrl.endsWith('/') ? res.redirect(301, '/docs/') : next()));
  app.get('/docs/swagger-initializer.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(`window.onload = () => { window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' }); };`);
  });
  app.use('/docs', express.static(swaggerUi.getAbsoluteFSPath(), { index: 'index.html' }));

  RegisterRoutes(app);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
