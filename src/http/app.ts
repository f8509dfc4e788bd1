import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-dist';
import spec from '../../openapi/openapi.json' with { type: 'json' };
import type { Application } from '../application/application.js';
import { installAuthentication } from '../auth/express.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { requestIdFor } from './caller.js';
import { fileBodies, isFileRoute } from './file-upload.js';
import { RegisterRoutes } from './generated/routes.js';
import { idempotentWrites } from './idempotency.js';
import { declaredQueryOnly } from './query.js';
import { errorHandler, notFoundHandler, problem, sendProblem } from './problem.js';

/** Bodies are JSON; anything else with a body is refused before it reaches a controller (file routes aside). */
const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json']) && !isFileRoute(req)) {
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json'));
    return;
  }
  next();
};

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
}

export function createApp(application: Application, { config, logger }: AppOptions): Express {
  const app = express();
  app.locals.application = application;
  installAuthentication(app, config, logger);
  app.disable('x-powered-by');
  app.set('etag', false);
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
  app.use(declaredQueryOnly(spec));
  app.use(jsonOnly);
  app.use(express.json({ limit: config.BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(fileBodies(config.IMPORT_MAX_FILE_MB));
  app.use(idempotentWrites(application.responses, logger));

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
