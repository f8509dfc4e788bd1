import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { AuthenticatedUser } from '../auth/principal.js';
import type { EventMetadata } from '../eventstore/port.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id: the caller's X-Request-Id when it is a sane token, else a new UUID. */
export function requestIdFor(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && ID.test(given) ? given : randomUUID();
}

/**
 * Metadata for events caused by this request. Who acted, for which organisation and in what
 * role comes from the verified token only, never from the body or a header.
 */
export function requestMetadata(req: Request): EventMetadata {
  const correlation = req.header('x-correlation-id');
  const principal = req.user;
  // Only a route without @Security can get here without one; an event must never be anonymous.
  if (!principal) throw new Error(`${req.method} ${req.path} writes events but is not authenticated`);
  return {
    actor: principal.id,
    organisation: principal.organisation,
    role: principal.role,
    roles: principal.roles,
    correlationId: correlation && ID.test(correlation) ? correlation : String(req.id),
    causationId: null,
    requestId: String(req.id),
  };
}

/**
 * Idempotency is per caller and per operation: the key is scoped to the actor and the
 * fingerprint covers method, path and body, so a reused key on another request is caught.
 */
export function idempotencyFor(req: Request): { key: string; fingerprint: string } | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  const actor = req.user?.id ?? 'anonymous';
  const fingerprint = createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
  return { key: `${actor}:${key}`, fingerprint };
}

declare global {
  namespace Express {
    interface Request {
      /** Set by tsoa's authentication (src/auth/express.ts) on secured routes; absent on public ones. */
      user?: AuthenticatedUser;
    }
  }
}
