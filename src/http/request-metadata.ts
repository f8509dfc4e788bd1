import { createHash, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { EventMetadata } from '../eventstore/port.js';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id: the caller's X-Request-Id when it is a sane token, else a new UUID. */
export function requestIdFor(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && ID.test(given) ? given : randomUUID();
}

/**
 * Metadata for events caused by this request. Who acted comes from the authenticated
 * principal only, never from the body.
 */
export function requestMetadata(req: Request): EventMetadata {
  const correlation = req.header('x-correlation-id');
  const principal = req.user;
  return {
    actor: principal?.id ?? 'anonymous',
    organisation: principal?.organisation ?? 'unknown',
    role: principal?.role ?? 'anonymous',
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
      /** Set by authentication (see issue on access control); absent for anonymous calls. */
      user?: { id: string; organisation: string; role: string };
    }
  }
}
