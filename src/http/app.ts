import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-dist';
import spec from '../../openapi/openapi.json' with { type: 'json' };
import { installAuthentication } from '../auth/express.js';
import type { AppContext } from './context.js';
import { RegisterRoutes } from './generated/routes.js';
import { errorHandler, notFoundHandler, problem, sendProblem } from './problem.js';
import { requestIdFor } from './request-metadata.js';

/** Routes that take a file as the body (CSV, XLSX) and answer 415 themselves for what they cannot read. */
const FILE_ROUTES = /^\/projects\/[^/]+\/budget\/invoices\/import\/?$/i;

/** Bodies are JSON; anything else with a body is refused before it reaches a controller (file routes aside). */
const jsonOnly: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json']) && !(req.method === 'POST' && FILE_ROUTES.test(req.path))) {
    sendProblem(res, problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json'));
    return;
  }
  next();
};

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.locals.context = ctx;
  installAuthentication(app, ctx.config, ctx.logger);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    }),
  );
  app.use(jsonOnly);
  app.use(express.json({ limit: ctx.config.BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

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
  app.use(errorHandler(ctx.logger));
  return app;
}
