import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { RequestHandler, Response } from 'express';
import type { Middleware } from 'openapi-fetch';
import request from 'supertest';
import spec from '../../openapi/openapi.json' with { type: 'json' };
import { operationMatcher } from '../../src/http/openapi/operations.js';

/**
 * Every response an HTTP test receives is checked against the committed OpenAPI document:
 * the status is declared for the operation, the media type is declared for that status, and a
 * JSON body is valid against the declared schema. A mismatch fails the request's test, whatever
 * the test itself asserts. Installed for every test file (vitest.config.ts `setupFiles`).
 */

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
  headers?: Record<string, unknown>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}

const DOCUMENT_ID = 'https://grants.example.lv/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
// ajv-formats is CommonJS: its plugin is the module itself, typed as the default export's `default`.
const addFormats = formats as unknown as typeof formats.default;
addFormats(ajv);
ajv.addSchema({ ...spec, $id: DOCUMENT_ID });

const match = operationMatcher<Operation>(spec);
const validators = new Map<string, ValidateFunction>();
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function validatorFor(template: string, method: string, status: string, mediaType: string): ValidateFunction {
  const key = `${method} ${template} ${status} ${mediaType}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile({
      $ref: `${DOCUMENT_ID}#/${pointer('paths', template, method, 'responses', status, 'content', mediaType, 'schema')}`,
    });
    validators.set(key, validate);
  }
  return validate;
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
const mediaTypeOf = (contentType: string | null) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();
/** A body received as text, parsed where its media type is JSON. */
const bodyOf = (contentType: string | null, text: string): unknown => (isJson(mediaTypeOf(contentType)) && text ? JSON.parse(text) : text);

/** What a check needs of a response, whichever client received it. */
export interface ReceivedResponse {
  status: number;
  contentType: string | null;
  /** The parsed body of a JSON answer. */
  body: unknown;
  /** The names of the headers it carries, any case. */
  headerNames: readonly string[];
}

/** The headers a client acts on: when one is sent, the document must declare it for that answer. */
const CONTRACT_HEADERS = ['etag', 'location', 'idempotent-replayed'];

/** What is wrong with a response, against the operation the request was for; null when nothing is, or the path is no operation. */
export function responseMismatch(method: string, url: string, res: ReceivedResponse): string | null {
  const path = new URL(url, 'http://localhost').pathname;
  const matched = match(method, path);
  if (!matched) return null;
  const m = method.toLowerCase();
  const at = `${method.toUpperCase()} ${matched.template} → ${res.status}`;
  const statuses = matched.operation.responses;
  const status = String(res.status);
  const declared = statuses[status] ?? statuses[`${status[0]}XX`] ?? statuses.default;
  if (!declared) return `${at}: status not declared (declared: ${Object.keys(statuses).join(', ')})`;
  const declaredHeaders = Object.keys(declared.headers ?? {}).map((h) => h.toLowerCase());
  const undeclared = res.headerNames
    .map((h) => h.toLowerCase())
    .filter((h) => CONTRACT_HEADERS.includes(h) && !declaredHeaders.includes(h));
  if (undeclared.length > 0) return `${at}: header ${undeclared.join(', ')} sent but not declared`;
  const mediaType = mediaTypeOf(res.contentType);
  const content = declared.content ?? {};
  if (Object.keys(content).length === 0) {
    return mediaType === '' || res.status === 304 ? null : `${at}: no body declared, but ${mediaType} sent`;
  }
  if (!(mediaType in content))
    return `${at}: media type ${mediaType || '(none)'} not declared (declared: ${Object.keys(content).join(', ')})`;
  if (!isJson(mediaType) || content[mediaType]!.schema === undefined) return null;
  const declaredStatus = statuses[status] ? status : statuses[`${status[0]}XX`] ? `${status[0]}XX` : 'default';
  const validate = validatorFor(matched.template, m, declaredStatus, mediaType);
  if (validate(res.body)) return null;
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  return `${at}: body does not match the schema: ${errors.join('; ')}`;
}

/** supertest hands every response to Test#assert before the test sees it; a mismatch becomes the request's error. */
const TestClass = request.Test as unknown as {
  prototype: { assert: (this: { method: string; url: string }, err: unknown, res: request.Response | undefined, fn?: Callback) => void };
};
type Callback = (this: unknown, err: Error | null, res?: request.Response) => void;
const { prototype } = TestClass;
const assert = prototype.assert;
prototype.assert = function (err, res, fn) {
  const received = res && {
    status: res.status,
    contentType: res.headers['content-type'] ?? null,
    body: res.body,
    headerNames: Object.keys(res.headers),
  };
  const mismatch = received ? responseMismatch(this.method, this.url, received) : null;
  if (mismatch && fn) return fn.call(this, new Error(`Response does not match openapi/openapi.json: ${mismatch}`), res);
  assert.call(this, err, res, fn);
};

/** The same check for the typed client's calls (openapi-fetch): a mismatch rejects the call. */
export const checkedAgainstDocument: Middleware = {
  async onResponse({ request: sent, response }) {
    const contentType = response.headers.get('content-type');
    const body = bodyOf(contentType, await response.clone().text());
    const headerNames = [...response.headers.keys()];
    const mismatch = responseMismatch(sent.method, sent.url, { status: response.status, contentType, body, headerNames });
    if (mismatch) throw new Error(`Response does not match openapi/openapi.json: ${mismatch}`);
    return undefined;
  },
};

/**
 * The same check on the server side, for clients that are neither (the API guide's curl): mounted
 * in front of the app, it records what each response sends and pushes every mismatch to `found`.
 */
export function recordingMismatches(found: string[]): RequestHandler {
  return (req, res, next) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((chunk: unknown, ...rest: unknown[]) => (keep(chunk), write(chunk, ...rest))) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => (keep(chunk), end(chunk, ...rest))) as Response['end'];
    res.on('finish', () => {
      const contentType = res.getHeader('content-type')?.toString() ?? null;
      const body = bodyOf(contentType, Buffer.concat(chunks).toString('utf8'));
      const mismatch = responseMismatch(req.method, req.originalUrl, {
        status: res.statusCode,
        contentType,
        body,
        headerNames: res.getHeaderNames(),
      });
      if (mismatch) found.push(mismatch);
    });
    next();
  };
}
