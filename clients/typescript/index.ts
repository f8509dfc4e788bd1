import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

/*
 * A typed client of the grants API: openapi-fetch over the types openapi-typescript generates from
 * the OpenAPI document (schema.ts; `npm run generate:client` rewrites it). Calls are by path and
 * method, so they do not depend on operation ids:
 *
 *   const api = createGrantsClient({ baseUrl: 'https://grants.example.lv', token });
 *   const { data, error, response } = await api.POST('/projects/{projectId}/budget/invoices', {
 *     params: { path: { projectId }, header: { 'Idempotency-Key': key } },
 *     body: invoice,
 *   });
 *
 * `data` is the typed success body; `error` the parsed problem+json of a 4xx/5xx; `response` the
 * fetch Response, for its headers (ETag, Location, Idempotent-Replayed, X-Request-Id).
 */

export type { components, operations, paths } from './schema.js';

/** Every named schema of the document, e.g. `Schemas['InvoiceInput']`. */
export type Schemas = components['schemas'];

/** An RFC 9457 problem, the body of every error answer (with extensions such as `errors`, `rule`, `currentState`). */
export type Problem = components['schemas']['Problem'];

/** The client: `GET`, `POST`, `PATCH`, `PUT`, … by path, typed from the document. */
export type GrantsClient = Client<paths>;

/** A bearer token, or a function giving the current one (called before every request, e.g. to refresh it). */
export type TokenSource = string | (() => string | Promise<string>);

export interface GrantsClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API is, e.g. `http://localhost:3000` (absolute: requests are made with fetch). */
  baseUrl: string;
  /** The JWT sent as `Authorization: Bearer …`. */
  token: TokenSource;
}

/** A middleware that sets `Authorization: Bearer <token>` on every request. */
export function bearerAuth(token: TokenSource): Middleware {
  return {
    async onRequest({ request }) {
      const value = typeof token === 'function' ? await token() : token;
      request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/** A typed client of the grants API that authenticates every request with `token`. */
export function createGrantsClient({ token, ...options }: GrantsClientOptions): GrantsClient {
  const client = createClient<paths>(options);
  client.use(bearerAuth(token));
  return client;
}

/** Whether a value is a problem+json body (what `error` holds after a 4xx or 5xx answer). */
export function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    typeof value.type === 'string' &&
    'title' in value &&
    typeof value.title === 'string' &&
    'status' in value &&
    typeof value.status === 'number'
  );
}
