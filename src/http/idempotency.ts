import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { IdempotentResponses, StoredResponse } from '../application/idempotent-responses.js';
import { principalOf } from '../auth/express.js';
import { logged } from '../db/errors.js';
import { IdempotencyKeyReused } from '../eventstore/errors.js';
import type { Logger } from '../logger.js';
import { fileFingerprintLabel } from './file-upload.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KEY = /^[A-Za-z0-9._:-]{8,128}$/;
/** The headers that describe an answer and come back with its replay. */
const KEPT_HEADERS = ['content-type', 'etag', 'location'] as const;

/**
 * Idempotency-Key on every write, in one place (draft-ietf-httpapi-idempotency-key-header):
 *
 * - The key is scoped to the caller (the verified token's user): two callers' keys never meet.
 * - The request's fingerprint is its method, path and body (JSON compared as data, files as
 *   bytes). The same key with another request is refused with 422 naming the header.
 * - A retry of a request that was answered 2xx gets that status, body, ETag and Location back,
 *   with `Idempotent-Replayed: true`, and runs nothing.
 * - Otherwise the request runs; the key and fingerprint go with its append (the application
 *   stores them in the same transaction as the events, so a retry racing the first request, or
 *   one after a crash before the answer was kept, stores nothing twice either), and its 2xx
 *   answer is kept for the next retry.
 *
 * A malformed key is left to the route's own header validation (422); a request without a
 * valid token is left to the route's authentication (401).
 */
export function idempotentWrites(responses: IdempotentResponses, logger: Logger): RequestHandler {
  return (req, res, next) => {
    const key = req.header('idempotency-key');
    if (key === undefined || !WRITES.has(req.method) || !KEY.test(key)) {
      next();
      return;
    }
    void (async () => {
      const principal = await principalOf(req);
      if (!principal) return next();
      const scoped = { key: `${principal.id}:${key}`, fingerprint: fingerprintOf(req) };
      res.locals.idempotency = scoped;
      const first = await responses.find(scoped.key);
      if (first) {
        if (first.fingerprint !== scoped.fingerprint) return next(new IdempotencyKeyReused(key));
        return replay(res, first);
      }
      keepAnswer(res, (answer) => responses.save(scoped.key, { ...answer, fingerprint: scoped.fingerprint }), logger);
      next();
    })().catch(next);
  };
}

function replay(res: Response, first: StoredResponse): void {
  res.status(first.status).set(first.headers).set('Idempotent-Replayed', 'true');
  if (first.body === null) res.end();
  else res.send(JSON.stringify(first.body));
}

/** Keeps a 2xx JSON answer before it is sent, so a retry arriving right after it finds it. */
function keepAnswer(res: Response, keep: (answer: Omit<StoredResponse, 'fingerprint'>) => Promise<void>, logger: Logger): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (res.statusCode < 200 || res.statusCode >= 300) return json(body);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    for (const name of KEPT_HEADERS) {
      const value = res.getHeader(name);
      if (typeof value === 'string') headers[name] = value;
    }
    keep({ status: res.statusCode, headers, body })
      .catch((err: unknown) => logger.warn(logged(err), 'the answer to an idempotent request could not be kept; a retry re-reads it'))
      .finally(() => json(body));
    return res;
  };
}

/** Method, path and body: JSON as data (key order and spacing do not matter), a file as its bytes and media type (a form's: its file part's). */
export function fingerprintOf(req: Request): string {
  const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n`);
  if (Buffer.isBuffer(req.body)) hash.update(`${fileFingerprintLabel(req)}\n`).update(req.body);
  else hash.update(JSON.stringify(canonical(req.body ?? null)));
  return hash.digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
