import type { RequestHandler } from 'express';
import { operationMatcher, type OpenApiPaths } from './openapi/operations.js';
import { problem, sendProblem } from './problem.js';

interface Operation {
  parameters?: readonly { in: string; name: string }[];
}

/**
 * A query parameter the operation does not declare is a mistake the caller should hear about
 * (`?limit=` where there is none would otherwise return everything): 400 naming each. Paths that
 * are not operations of the document (the docs, the document itself) are left alone.
 */
export function declaredQueryOnly(spec: OpenApiPaths): RequestHandler {
  const match = operationMatcher<Operation>(spec);
  return (req, res, next) => {
    const keys = Object.keys(req.query);
    if (keys.length === 0) return next();
    const matched = match(req.method, req.path);
    if (!matched) return next();
    const declared = (matched.operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const unknown = keys.filter((k) => !declared.includes(k));
    if (unknown.length === 0) return next();
    const takes = declared.length ? declared.sort().join(', ') : 'no query parameters';
    const verb = unknown.length === 1 ? 'is not a parameter' : 'are not parameters';
    sendProblem(
      res,
      problem(
        400,
        'unknown-query-parameter',
        'Unknown query parameter',
        `${unknown.join(', ')} ${verb} of this operation; it takes ${takes}`,
        {
          errors: unknown.map((name) => ({ in: 'query', pointer: `/${name}`, detail: 'not a parameter of this operation' })),
        },
      ),
    );
  };
}
