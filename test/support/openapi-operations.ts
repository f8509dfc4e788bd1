import { readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * The operations of the committed OpenAPI document, as tests that probe every one of them read it
 * (test/http/cross-organisation.spec.ts, test/http/hostile-input.spec.ts): a new operation is
 * probed the moment it exists.
 */

export interface SpecParameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { type?: string | string[]; format?: string; enum?: string[]; minimum?: number; maximum?: number };
}
export interface SpecOperation {
  security?: Record<string, string[]>[];
  parameters?: SpecParameter[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
export const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, SpecOperation>>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
export const operations = Object.entries(spec.paths).flatMap(([p, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, method, path: p, op })),
);
export type Operation = (typeof operations)[number];

/** The path with each `{name}` replaced by its value, percent-encoded unless `raw` (a value already encoded, or deliberately not). */
export const urlOf = (op: Operation, values: Record<string, string>, raw: readonly string[] = []) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) => (raw.includes(name) ? values[name]! : encodeURIComponent(values[name]!)));

/** The JSON body example the document gives; undefined when the operation reads no JSON. */
export const jsonExample = (op: Operation) => op.op.requestBody?.content?.['application/json']?.example;

export const parametersIn = (op: Operation, where: string): SpecParameter[] => (op.op.parameters ?? []).filter((p) => p.in === where);

/** Values for path parameters that name no object, so a call reaches its route. */
export const SAMPLE: Readonly<Record<string, string>> = {
  version: '1',
  a: '1',
  b: '2',
  report: '1',
  code: 'RRF',
  programme: 'ANM',
  period: '2021-2026',
  name: 'stream_catalogue',
};
