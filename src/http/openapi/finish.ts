/**
 * What tsoa cannot say, said once for every operation. tsoa 6 writes OpenAPI 3.0 and declares
 * only the responses a controller lists; the service, though, answers the same way on every
 * route (src/http/problem.ts, src/http/query.ts, src/http/caller.ts, src/http/idempotency.ts).
 * This step turns tsoa's document into the one the service keeps:
 *
 * - OpenAPI 3.1: `nullable` becomes a `null` type, schema `example` becomes `examples`.
 * - Every 4xx and 5xx is `application/problem+json` with the Problem schema (or the one declared).
 * - The answers every operation can give are declared from the operation's own shape: 400
 *   (malformed request, unknown query parameter), 500 and 503 everywhere; 401 and 403 where it is
 *   secured; 404 and 410 where it has path parameters; 422 where it takes parameters or a body; 413 and
 *   415 where it takes a body; 409 on writes (a lost race); 412 with If-Match; 428 on PUT and PATCH.
 * - A response's headers given as one named object (tsoa writes `@SuccessResponse<StreamStateHeaders>`
 *   as a single header called StreamStateHeaders) become one header per property.
 * - A parameter whose schema is a named scalar (a page limit, a version tag) carries it inline, with
 *   its description, so every parameter documents itself; names left unused are dropped.
 * - `x-request-media-types` on an operation lists the bodies it reads besides JSON (a file import).
 * - If-Match is required on PUT and PATCH (the service answers 428 without it); the headers every
 *   write answers with are declared on its successes: ETag (the stream's new version; not on a
 *   202, which has written nothing yet), Location on 201, Idempotent-Replayed where it takes an
 *   Idempotency-Key.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const WRITES = new Set(['put', 'post', 'delete', 'patch']);

/** Descriptions of the answers every operation of a kind can give. */
const COMMON: Readonly<Record<string, string>> = {
  '400': 'Malformed request: an unknown query parameter, a body that is not JSON, or a cursor this service did not issue',
  '401': 'No valid bearer token',
  '403': 'Your roles or organisation may not do this',
  '404': 'No such resource, or not visible to you',
  '409': 'Conflicts with the current state, or another write to the same record won the race',
  '410': 'The record was deleted on purpose by an operator of the event store (KurrentDB); retrying cannot help',
  '412': 'If-Match names a version that is no longer current; nothing was changed',
  '413': 'The request body is larger than this operation accepts',
  '415': 'The body is not of a media type this operation reads',
  '422': 'A parameter or the body is invalid; `errors` names each field at fault with a JSON pointer',
  '428': 'If-Match is required: send the ETag of the version you read',
  '500': 'Unexpected error; the log has the details under the request id',
  '503': 'The database or the identity provider cannot be reached, or the answer was not ready within REQUEST_TIMEOUT_MS; try again shortly',
};

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenAPI 3.0 schema keywords that 3.1 (JSON Schema 2020-12) spells differently, converted in place. */
function toJsonSchema2020(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema2020);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = toJsonSchema2020(value);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else {
      const { description, ...schema } = out;
      for (const key of Object.keys(out)) delete out[key];
      out.anyOf = [simplify(schema), { type: 'null' }];
      if (description !== undefined) out.description = description;
    }
  } else if (out.nullable === false) {
    delete out.nullable;
  }
  if ('example' in out && !('examples' in out) && (typeof out.type === 'string' || Array.isArray(out.type) || '$ref' in out)) {
    out.examples = [out.example!];
    delete out.example;
  }
  return out;
}

/** `{ allOf: [x] }` alone is x. */
const simplify = (schema: JsonObject): JsonObject =>
  Array.isArray(schema.allOf) && schema.allOf.length === 1 && Object.keys(schema).length === 1 && isObject(schema.allOf[0])
    ? schema.allOf[0]
    : schema;

const problemRef = { $ref: '#/components/schemas/Problem' };

/** The error answers an operation can give, from what it takes and how it is secured. */
function commonStatuses(method: string, op: JsonObject, rootSecured: boolean): string[] {
  const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
  const has = (where: string, name?: string) => params.some((p) => p.in === where && (name === undefined || p.name === name));
  const secured = Array.isArray(op.security) ? op.security.length > 0 : rootSecured;
  const statuses = ['400', '500', '503'];
  if (secured) statuses.push('401', '403');
  if (has('path')) statuses.push('404', '410');
  if (params.length > 0 || op.requestBody) statuses.push('422');
  if (op.requestBody) statuses.push('413', '415');
  if (WRITES.has(method)) statuses.push('409');
  if (has('header', 'If-Match')) statuses.push('412');
  if (method === 'put' || method === 'patch') statuses.push('428');
  return statuses;
}

const isText = (type: string) => type.startsWith('text/') || type === 'application/csv';

/**
 * Request bodies besides JSON: a file as bytes, or as the `file` field of a form. The example
 * tsoa wrote for the text body serves the other text types and the form; binary types have none.
 */
function requestContent(mediaTypes: Json[], textExample: Json | undefined): JsonObject {
  const content: JsonObject = {};
  for (const type of mediaTypes) {
    if (typeof type !== 'string') continue;
    const example: JsonObject = {};
    if (textExample !== undefined && type === 'multipart/form-data') example.example = { file: textExample };
    else if (textExample !== undefined && isText(type)) example.example = textExample;
    content[type] =
      type === 'multipart/form-data'
        ? {
            schema: {
              type: 'object',
              required: ['file'],
              properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The file' } },
            },
            ...example,
          }
        : { schema: { type: 'string', contentMediaType: type }, ...example };
  }
  return content;
}

const SUCCESS_HEADERS: Readonly<Record<string, JsonObject>> = {
  ETag: { description: 'The version of the stream now, quoted (`"7"`): send it as If-Match with the next write', schema: { type: 'string' } },
  Location: { description: 'Where the created resource is read', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key; nothing was written again',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** Headers of a write's successful answers, from what the write takes. */
function successHeaders(status: string, has: (where: string, name: string) => boolean): JsonObject {
  const headers: JsonObject = {};
  if (status !== '202') headers.ETag = SUCCESS_HEADERS.ETag!;
  if (status === '201') headers.Location = SUCCESS_HEADERS.Location!;
  if (has('header', 'Idempotency-Key')) headers['Idempotent-Replayed'] = SUCCESS_HEADERS['Idempotent-Replayed']!;
  return headers;
}

function finishOperation(method: string, op: JsonObject, rootSecured: boolean): void {
  const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
  const has = (where: string, name: string) => params.some((p) => p.in === where && p.name === name);
  if (method === 'put' || method === 'patch') {
    for (const p of params) if (p.in === 'header' && p.name === 'If-Match') p.required = true;
  }
  const responses: JsonObject = isObject(op.responses) ? op.responses : {};
  for (const [status, response] of Object.entries(responses)) {
    if (!isObject(response) || !/^2\d\d$/.test(status) || method === 'get') continue;
    const headers = successHeaders(status, has);
    if (Object.keys(headers).length > 0) response.headers = { ...headers, ...(isObject(response.headers) ? response.headers : {}) };
  }
  for (const status of commonStatuses(method, op, rootSecured)) {
    if (!(status in responses)) responses[status] = { description: COMMON[status]! };
  }
  for (const [status, response] of Object.entries(responses)) {
    if (!isObject(response) || Number(status) < 400) continue;
    const declared = isObject(response.content) ? Object.values(response.content).find(isObject) : undefined;
    const schema = declared && isObject(declared.schema) && declared.schema.$ref !== undefined ? declared.schema : problemRef;
    const example = declared?.example ?? declared?.examples;
    response.content = { [PROBLEM_MEDIA_TYPE]: { schema, ...(example !== undefined ? { example } : {}) } };
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
  const extra = op['x-request-media-types'];
  if (Array.isArray(extra)) {
    delete op['x-request-media-types'];
    const body = isObject(op.requestBody) ? op.requestBody : { required: true, content: {} };
    const content = isObject(body.content) ? body.content : {};
    const textExample = Object.entries(content).find(([type, c]) => isText(type) && isObject(c) && c.example !== undefined)?.[1];
    body.content = { ...requestContent(extra, isObject(textExample) ? textExample.example : undefined), ...content };
    op.requestBody = body;
  }
}

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

function inlineNamedParametersAndHeaders(spec: JsonObject, operations: JsonObject[]): void {
  const components = isObject(spec.components) ? spec.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const inlined = new Set<string>();
  for (const op of operations) {
    for (const p of Array.isArray(op.parameters) ? op.parameters.filter(isObject) : []) {
      const ref = isObject(p.schema) && typeof p.schema.$ref === 'string' ? p.schema.$ref : null;
      const name = ref?.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
      const named = name === null ? undefined : schemas[name];
      if (!isObject(named) || typeof named.type !== 'string' || !SCALARS.has(named.type)) continue;
      const { description, ...schema } = named;
      p.schema = schema;
      if (p.description === undefined && description !== undefined) p.description = description;
      inlined.add(name!);
    }
  }
  for (const op of operations) {
    for (const response of Object.values(isObject(op.responses) ? op.responses : {})) {
      if (!isObject(response) || !isObject(response.headers)) continue;
      const headers: JsonObject = {};
      for (const [name, header] of Object.entries(response.headers)) {
        const ref = isObject(header) && isObject(header.schema) && typeof header.schema.$ref === 'string' ? header.schema.$ref : '';
        const named = ref.startsWith('#/components/schemas/') ? schemas[ref.slice('#/components/schemas/'.length)] : undefined;
        if (!isObject(named) || !isObject(named.properties)) {
          headers[name] = header;
          continue;
        }
        for (const [property, schema] of Object.entries(named.properties)) {
          if (!isObject(schema)) continue;
          const { description, ...rest } = schema;
          headers[property] = { schema: rest, ...(description !== undefined ? { description } : {}) };
        }
        inlined.add(ref.slice('#/components/schemas/'.length));
      }
      response.headers = headers;
    }
  }
  const text = JSON.stringify(spec);
  for (const name of inlined) if (!text.includes(`"#/components/schemas/${name}"`)) delete schemas[name];
}

/** The document the service keeps, from the one tsoa wrote; pure, so the staleness test can run it. */
export function finishSpec(tsoaSpec: unknown): JsonObject {
  const spec = toJsonSchema2020(structuredClone(tsoaSpec) as Json);
  if (!isObject(spec)) throw new Error('not an OpenAPI document');
  spec.openapi = '3.1.0';
  const rootSecured = Array.isArray(spec.security) && spec.security.length > 0;
  const paths = isObject(spec.paths) ? spec.paths : {};
  const operations: JsonObject[] = [];
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      finishOperation(method, op, rootSecured);
      operations.push(op);
    }
  }
  inlineNamedParametersAndHeaders(spec, operations);
  return spec;
}
