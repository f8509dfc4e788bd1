import type { Request, RequestHandler, Response } from 'express';
import { operationMatcher, type MatchedOperation, type OpenApiPaths } from './openapi/operations.js';
import { problem, sendProblem, type FieldError } from './problem.js';

interface Operation {
  parameters?: readonly { in: string; name: string }[];
  requestBody?: unknown;
}

/*
 * The URL of a request, checked once for every operation before any route sees it, so no
 * controller, query or database ever receives what it cannot handle:
 * - a path segment or query value that is not percent-encoded UTF-8 (`%FF`, `%C3%28`, a lone `%`)
 *   is 400 naming it, instead of being read as U+FFFD and looked up;
 * - a query parameter the operation does not declare is 400 naming it (`?limit=` where there is
 *   none would otherwise return everything; `?offset=` where lists take a cursor);
 * - text PostgreSQL cannot store (a NUL character, a lone UTF-16 surrogate) in a path or query
 *   value is 422 naming it; request bodies get the same check once parsed (src/http/body.ts).
 * Paths that are not operations of the document (the docs, the document itself) are left alone.
 */

/** The operation of the document a request is for, kept for the body check and the metrics. */
export function matchedOperation(res: Response): MatchedOperation<Operation> | null {
  return (res.locals.operation as MatchedOperation<Operation> | undefined) ?? null;
}

/** Why text cannot be stored, or null: PostgreSQL's text and jsonb refuse NUL and unpaired surrogates. */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain a NUL character (U+0000)';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s))
    return 'must be valid Unicode (an unpaired surrogate was sent)';
  return null;
}

/** `decodeURIComponent` that says no instead of guessing: null for broken encoding or bytes that are not UTF-8. */
function strictDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

const NOT_UTF8 = 'not percent-encoded UTF-8';

function pathErrors(template: string, path: string): { malformed: FieldError[]; invalid: FieldError[] } {
  const names = template.split('/').filter(Boolean);
  const values = path.split('/').filter(Boolean);
  const malformed: FieldError[] = [];
  const invalid: FieldError[] = [];
  names.forEach((segment, i) => {
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    const raw = values[i];
    if (name === undefined || raw === undefined) return;
    const value = strictDecode(raw);
    if (value === null) return malformed.push({ in: 'path', pointer: `/${name}`, detail: NOT_UTF8 });
    const why = unstorableText(value);
    if (why) invalid.push({ in: 'path', pointer: `/${name}`, detail: why });
  });
  return { malformed, invalid };
}

function queryErrors(rawQuery: string, declared: readonly string[]): { malformed: FieldError[]; invalid: FieldError[] } {
  const malformed: FieldError[] = [];
  const invalid: FieldError[] = [];
  const seen = new Set<string>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const rawKey = at < 0 ? pair : pair.slice(0, at);
    const key = strictDecode(rawKey.replaceAll('+', ' '));
    const value = strictDecode((at < 0 ? '' : pair.slice(at + 1)).replaceAll('+', ' '));
    const name = key ?? rawKey;
    if (seen.has(name)) continue;
    if (key === null) {
      seen.add(name);
      malformed.push({ in: 'query', pointer: `/${name}`, detail: `the name is ${NOT_UTF8}` });
    } else if (!declared.includes(key)) {
      seen.add(name);
      malformed.push({ in: 'query', pointer: `/${key}`, detail: 'not a parameter of this operation' });
    } else if (value === null) {
      seen.add(name);
      malformed.push({ in: 'query', pointer: `/${key}`, detail: NOT_UTF8 });
    } else {
      const why = unstorableText(value) ?? unstorableText(key);
      if (why) {
        seen.add(name);
        invalid.push({ in: 'query', pointer: `/${key}`, detail: why });
      }
    }
  }
  return { malformed, invalid };
}

/** Checks the path and query of every request for an operation of the document; see above. */
export function wellFormedUrl(spec: OpenApiPaths): RequestHandler {
  const match = operationMatcher<Operation>(spec);
  return (req: Request, res, next) => {
    const [rawPath = '', rawQuery = ''] = splitUrl(req.url);
    const matched = match(req.method, rawPath);
    if (!matched) return next();
    res.locals.operation = matched;
    const declared = (matched.operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const path = pathErrors(matched.template, rawPath);
    const query = queryErrors(rawQuery, declared);
    const malformed = [...path.malformed, ...query.malformed];
    if (malformed.length > 0) {
      const unknown = query.malformed.filter((e) => e.detail.startsWith('not a parameter')).map((e) => e.pointer.slice(1));
      const takes = declared.length ? [...declared].sort().join(', ') : 'no query parameters';
      const detail = unknown.length
        ? `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a parameter' : 'are not parameters'} of this operation; it takes ${takes}`
        : `${malformed.map((e) => e.pointer.slice(1)).join(', ')}: ${NOT_UTF8}`;
      const [slug, title] = unknown.length ? ['unknown-query-parameter', 'Unknown query parameter'] : ['malformed', 'Malformed request'];
      return sendProblem(res, { ...problem(400, slug, title, detail, { errors: malformed }), instance: req.originalUrl });
    }
    const invalid = [...path.invalid, ...query.invalid];
    if (invalid.length > 0) {
      const detail = `${invalid.length} field(s) at fault`;
      return sendProblem(res, {
        ...problem(422, 'validation', 'Request is invalid', detail, { errors: invalid }),
        instance: req.originalUrl,
      });
    }
    next();
  };
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
}
