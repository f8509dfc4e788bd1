import compression from 'compression';
import cors from 'cors';
import type { Express, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { isFileRoute } from './file-upload.js';
import { problem, sendProblem } from './problem.js';

/*
 * What every answer gets at the edge, before any route:
 * - security headers (helmet): a Content-Security-Policy that allows only this origin's scripts
 *   (the API docs' Swagger UI, the council report's HTML need nothing else), nosniff, frame-ancestors
 *   none, no referrer, HSTS; `upgrade-insecure-requests` is left out so the docs work on plain
 *   http://localhost;
 * - CORS only for the origins in CORS_ORIGINS (none by default: browsers on other origins cannot
 *   read answers), with the headers the API's clients act on exposed;
 * - compression (gzip, deflate or br as the client accepts) of answers over 1 KB;
 * - a request timeout: an answer not begun within REQUEST_TIMEOUT_MS is 503 problem+json (file
 *   uploads, which stream up to IMPORT_MAX_FILE_MB first, get ten times as long);
 * - a rate limit on the public open-data files, per client address (TRUST_PROXY says which one
 *   that is behind a proxy): OPEN_DATA_RATE_LIMIT a minute, then 429 with Retry-After.
 */

export function installHardening(app: Express, config: Config): void {
  if (config.TRUST_PROXY !== undefined) app.set('trust proxy', trustProxy(config.TRUST_PROXY));
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  if (config.CORS_ORIGINS.length > 0) {
    app.use(
      cors({
        origin: config.CORS_ORIGINS,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Request-Id'],
        exposedHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'X-Request-Id', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  app.use(compression());
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));
  app.use(
    '/open-data',
    rateLimit({
      windowMs: 60_000,
      limit: config.OPEN_DATA_RATE_LIMIT,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (req, res) => {
        const detail = `More than ${config.OPEN_DATA_RATE_LIMIT} requests a minute from your address; try again after Retry-After seconds`;
        sendProblem(res, { ...problem(429, 'too-many-requests', 'Too many requests', detail), instance: req.originalUrl });
      },
    }),
  );
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function requestTimeout(ms: number): RequestHandler {
  return (req, res, next) => {
    const limit = isFileRoute(req) ? ms * 10 : ms;
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.setHeader('Retry-After', '5');
      const detail = `The answer was not ready within ${limit} ms; try again later, or ask for less`;
      sendProblem(res, { ...problem(503, 'timeout', 'Request timed out', detail), instance: req.originalUrl });
    }, limit);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
