import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { isFileRoute } from './file-upload.js';
import { matchedOperation, unstorableText } from './query.js';
import { MalformedBody, problem, sendProblem, type FieldError } from './problem.js';

/*
 * JSON request bodies, read only where the operation takes one (the OpenAPI document says which),
 * so a GET or a command without a body never spends time or memory on one, whatever is sent.
 * Where one is taken:
 * - it must be application/json (or +json) in UTF-8 (415 otherwise; file routes read files, see
 *   src/http/file-upload.ts);
 * - it must fit the operation's limit (413): BODY_LIMIT for most, BODY_LIMIT_LARGE for the few
 *   that carry whole documents (a passport's sections, a claim's items, an indicator's parts);
 * - its bytes must be UTF-8 and its text JSON (400 naming the body);
 * - once parsed, it may nest at most {@link MAX_DEPTH} levels and hold no text PostgreSQL cannot
 *   store (NUL, unpaired surrogates): 422 naming the field. Both are checked without recursion,
 *   so no body can exhaust the stack of the validators, the fingerprint or the error mapping.
 */

/** Deeper than any body of the API (a passport's sections nest 5 levels). */
export const MAX_DEPTH = 32;

/** Operations whose bodies are documents: `METHOD /template`. */
const LARGE_BODIES = new Set([
  'PATCH /projects/{projectId}/passport',
  'POST /projects/{projectId}/passport/amend',
  'POST /projects/{projectId}/budget/claims',
  'POST /projects/{projectId}/budget/corrections',
  'POST /indicators',
  'PUT /programmes/{programme}/{period}',
  'POST /programmes',
]);

/** The first field at fault in a parsed body: too deep, or text that cannot be stored. */
export function bodyFieldError(body: unknown): FieldError | null {
  const escape = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');
  const stack: { value: unknown; pointer: string; depth: number }[] = [{ value: body, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const why = unstorableText(value);
      if (why) return { in: 'body', pointer, detail: why };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return { in: 'body', pointer, detail: `nests deeper than ${MAX_DEPTH} levels` };
    for (const [key, child] of Object.entries(value)) {
      const why = unstorableText(key);
      if (why) return { in: 'body', pointer: `${pointer}/${escape(key)}`, detail: `the name ${why}` };
      stack.push({ value: child, pointer: `${pointer}/${escape(key)}`, depth: depth + 1 });
    }
  }
  return null;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

export function jsonBodies(limits: { small: string; large: string }): RequestHandler {
  const verify = (_req: unknown, _res: unknown, buf: Buffer) => {
    if (!isUtf8(buf)) throw new MalformedBody('The request body is not UTF-8');
  };
  const parsers = {
    small: express.json({ limit: limits.small, type: JSON_TYPES, verify }),
    large: express.json({ limit: limits.large, type: JSON_TYPES, verify }),
  };
  return (req, res, next) => {
    const matched = matchedOperation(res);
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || isFileRoute(req)) return next();
    // A body the operation does not take is read and dropped as it comes, so a sender is never left waiting to send it.
    if (!matched || matched.operation.requestBody === undefined) {
      req.resume();
      return next();
    }
    const charset = /;\s*charset=("?)([^";]*)\1/i.exec(req.headers['content-type'] ?? '')?.[2]?.toLowerCase();
    if (!req.is(JSON_TYPES) || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
      const p = problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the body as application/json in UTF-8');
      return sendProblem(res, { ...p, instance: req.originalUrl });
    }
    const parse = LARGE_BODIES.has(`${req.method} ${matched.template}`) ? parsers.large : parsers.small;
    parse(req, res, (err?: unknown) => {
      if (err) return next(err);
      const fault = bodyFieldError(req.body);
      if (!fault) return next();
      sendProblem(res, {
        ...problem(422, 'validation', 'Request is invalid', `${fault.pointer || 'the body'}: ${fault.detail}`, { errors: [fault] }),
        instance: req.originalUrl,
      });
    });
  };
}
