/** An OpenAPI document as far as matching a request to its operation needs it. */
export interface OpenApiPaths {
  paths: Record<string, Record<string, unknown>>;
}

export interface MatchedOperation<Op> {
  /** The path template, e.g. `/projects/{projectId}/passport`. */
  readonly template: string;
  readonly operation: Op;
}

interface Candidate {
  readonly template: string;
  readonly pattern: RegExp;
  /** Literal segments: the more, the more specific (`/passport/versions/{v}` before `/{a}/{b}/{c}`). */
  readonly literals: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Finds the operation of the document a request is for: method and path (without the query),
 * the most specific template first, as the router does. Null when the document has none.
 */
export function operationMatcher<Op = unknown>(spec: OpenApiPaths): (method: string, path: string) => MatchedOperation<Op> | null {
  const candidates: Candidate[] = Object.keys(spec.paths)
    .map((template) => {
      const segments = template.split('/').filter(Boolean);
      const pattern = new RegExp(`^/${segments.map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : escape(s))).join('/')}/?$`, 'i');
      return { template, pattern, literals: segments.filter((s) => !s.startsWith('{')).length };
    })
    .sort((a, b) => b.literals - a.literals);
  return (method, path) => {
    const m = method.toLowerCase();
    for (const c of candidates) {
      const operation = spec.paths[c.template]![m];
      if (operation !== undefined && c.pattern.test(path)) return { template: c.template, operation: operation as Op };
    }
    return null;
  };
}
