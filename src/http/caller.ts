import { randomUUID } from 'node:crypto';
import { ValidateError } from '@tsoa/runtime';
import type { Request, Response } from 'express';
import type { Caller, Idempotency } from '../application/caller.js';
import { authenticatedUser } from '../auth/express.js';
import { PreconditionRequired } from '../domain/errors.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const VERSION_TAG = /^"(\d{1,10})"$/;

/** The request id: the caller's X-Request-Id when it is a sane token, else a new UUID. */
export function requestIdFor(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && ID.test(given) ? given : randomUUID();
}

/**
 * The caller of a request, as the application takes it: the user from the verified token (never
 * from the body or a header), the tracing ids, and the two preconditions of every write:
 *
 * - `If-Match: "<version>"`, the ETag the client read. A PUT or PATCH replaces content, so it
 *   must send one (428 otherwise); a POST command may leave it out, because its decider checks
 *   the state it is decided on.
 * - `Idempotency-Key`, scoped to the user, with the request's fingerprint (src/http/idempotency.ts).
 */
export function callerOf(req: Request): Caller {
  const user = authenticatedUser(req);
  const correlation = req.header('x-correlation-id');
  const ifMatch = ifMatchOf(req);
  if (ifMatch === undefined && (req.method === 'PUT' || req.method === 'PATCH'))
    throw new PreconditionRequired(`${req.method} ${req.path}`);
  const idempotency = idempotencyOf(req.res);
  const requestId = requestIdOf(req);
  return {
    user,
    requestId,
    correlationId: correlation && ID.test(correlation) ? correlation : requestId,
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(idempotency ? { idempotency } : {}),
  };
}

/** The id pino-http gave the request (src/http/app.ts: always {@link requestIdFor}'s string). */
function requestIdOf(req: Request): string {
  if (typeof req.id !== 'string') throw new Error('the request has no id: pino-http is not installed before the routes');
  return req.id;
}

function ifMatchOf(req: Request): number | undefined {
  const header = req.header('if-match');
  if (header === undefined) return undefined;
  const match = VERSION_TAG.exec(header.trim());
  if (!match) {
    const message = `${header} is not an ETag of this service (a stream version in quotes, e.g. "3")`;
    throw new ValidateError({ 'If-Match': { message, value: header } }, message);
  }
  return Number(match[1]);
}

/** Set by the idempotency middleware for a write that carries a key and a verified token. */
export function idempotencyOf(res: Response | undefined): Idempotency | undefined {
  return (res?.locals as { idempotency?: Idempotency } | undefined)?.idempotency;
}
