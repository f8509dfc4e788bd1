import type { Express, Request } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { Forbidden, Unauthenticated } from './errors.js';
import { resolveVerificationKey } from './keys.js';
import type { AuthenticatedUser, Principal } from './principal.js';
import { createTokenVerifier, type TokenVerifier } from './verify.js';

const VERIFIER = 'tokenVerifier';

declare global {
  // Express's own declaration merging is done through its namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by tsoa's authentication (below) on secured routes; absent on public ones. */
      user?: AuthenticatedUser;
    }
  }
}

/** Resolves the keys once at start and makes them reachable from every request. */
export function installAuthentication(app: Express, config: Config, logger: Pick<Logger, 'warn'>): void {
  const key = resolveVerificationKey(config);
  if (key.kind === 'secret' && key.devFile) {
    logger.warn(
      { file: key.devFile },
      'no AUTH_JWT_SECRET or AUTH_JWKS_URL: accepting development tokens signed with the local secret (make one with `npm run token`)',
    );
  }
  app.locals[VERIFIER] = createTokenVerifier(key, config);
}

/**
 * tsoa's authentication hook (tsoa.json `authenticationModule`): runs before validation and
 * the controller on every route with `@Security('jwt', roles)`. What it returns becomes
 * `req.user`; `role` is the first of the user's roles that the route accepts.
 */
export async function expressAuthentication(request: Request, securityName: string, scopes: string[] = []): Promise<AuthenticatedUser> {
  if (securityName !== 'jwt') throw new Error(`unknown security scheme ${securityName}`);
  const principal = await verifierOf(request)(bearerToken(request));
  // A route that names no role admits nobody: access is never granted by omission.
  const role = principal.roles.find((r) => scopes.includes(r));
  if (!role) throw new Forbidden(scopes, principal.roles);
  return { ...principal, role };
}

/** Who the request's bearer token says is calling, or null when it carries none that verifies (the route then answers 401). */
export async function principalOf(request: Request): Promise<Principal | null> {
  try {
    return await verifierOf(request)(bearerToken(request));
  } catch {
    return null;
  }
}

/** The user a secured route was allowed for. Only a route without @Security lacks one: a programming error, not a client's. */
export function authenticatedUser(request: Request): AuthenticatedUser {
  if (!request.user) throw new Error(`${request.method} ${request.path} needs the caller but is not authenticated`);
  return request.user;
}

function verifierOf(request: Request): TokenVerifier {
  const verify = request.app.locals[VERIFIER] as TokenVerifier | undefined;
  if (!verify) throw new Error('installAuthentication was not called on this app');
  return verify;
}

function bearerToken(request: Request): string {
  const header = request.header('authorization');
  if (!header) throw new Unauthenticated('send Authorization: Bearer <token>', false);
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (!match) throw new Unauthenticated('the Authorization header must be Bearer followed by a token', true);
  return match[1]!;
}
