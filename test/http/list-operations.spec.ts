import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * No list may return an unbounded result, read from the published OpenAPI document (kept equal to
 * the code by test/http/openapi.spec.ts): every GET that answers a list answers the page envelope
 * `{ items, nextCursor }` and takes `limit` and `cursor`; no GET answers a bare array; and every
 * other GET whose answer holds an array at its top level was judged not to be a list, with the
 * reason written down here. A new list, or a new array in an answer, fails here until it is paged
 * or judged.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
};
interface Parameter {
  name: string;
  in: string;
  description?: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const resolve = (s: Schema): Schema => (s.$ref ? resolve(spec.components.schemas[s.$ref.split('/').at(-1)!]!) : s);
const types = (s: Schema): string[] => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);
const isArray = (s: Schema) => types(resolve(s)).includes('array');
/** A schema's own properties, those of `allOf` members included. */
const propertiesOf = (s: Schema): Record<string, Schema> => {
  const r = resolve(s);
  return Object.assign({}, ...(r.allOf ?? []).map(propertiesOf), r.properties ?? {}) as Record<string, Schema>;
};
const requiredOf = (s: Schema): string[] => {
  const r = resolve(s);
  return [...(r.allOf ?? []).flatMap(requiredOf), ...(r.required ?? [])];
};
/** The page envelope: `items` an array, `nextCursor` a string or null, both always present. */
const isPage = (s: Schema) => {
  const props = propertiesOf(s);
  const cursor = props.nextCursor ? resolve(props.nextCursor) : undefined;
  const nullable = cursor !== undefined && (types(cursor).includes('null') || (cursor.anyOf ?? []).some((x) => types(x).includes('null')));
  return props.items !== undefined && isArray(props.items) && nullable && ['items', 'nextCursor'].every((k) => requiredOf(s).includes(k));
};

/** Every 200 answer schema of every GET: one per media type, and per alternative of an `anyOf`/`oneOf`. */
const gets = Object.entries(spec.paths).flatMap(([p, item]) =>
  item.get
    ? [
        {
          label: `GET ${p}`,
          operation: item.get,
          answers: Object.values(item.get.responses['200']?.content ?? {}).flatMap(({ schema }) =>
            schema ? (resolve(schema).anyOf ?? resolve(schema).oneOf ?? [schema]) : [],
          ),
        },
      ]
    : [],
);

/** The lists: every one of them answers the page envelope. */
const LISTS = [
  'GET /projections',
  'GET /streams',
  'GET /projects',
  'GET /projects/{projectId}/double-funding',
  'GET /projects/{projectId}/passport/versions/{a}/diff/{b}',
  'GET /programmes',
  'GET /programmes/{programme}/{period}/nodes',
  'GET /findings',
  'GET /double-funding/alerts',
  'GET /history/streams/{streamId}',
  'GET /history/events',
  'GET /history/projects/{projectId}',
  'GET /projects/{projectId}/budget/import-jobs/{jobId}/invoices',
];

/** GETs whose answer holds arrays at its top level but is not a list, and why. */
const NOT_LISTS: Record<string, { arrays: string[]; why: string }> = {
  'GET /ready': { arrays: ['projections', 'reasons'], why: 'a probe: one row per projection the code defines' },
  'GET /reports/council': { arrays: ['overdue', 'atRisk'], why: 'a report: its sections are read together, for one window' },
  'GET /progress': { arrays: ['indicators', 'rollup'], why: 'a report: the roll-up needs every indicator the filters select' },
  'GET /budget-execution': {
    arrays: ['projects', 'investments', 'bySource'],
    why: 'a report: per project, investment and source with totals over every project the filters select',
  },
  'GET /programmes/{programme}/{period}/nodes/{code}': { arrays: ['targets'], why: 'one node with its few targets' },
  'GET /projects/{projectId}/passport': { arrays: ['versions', 'comments'], why: 'one passport (one stream) as it stands' },
  'GET /indicators/{indicatorId}': { arrays: ['contributingProjects', 'reports'], why: 'one indicator (one stream) with its history' },
  'GET /findings/{findingId}': { arrays: ['followUps', 'corrections'], why: 'one finding (one stream)' },
  'GET /double-funding/alerts/{alertId}': {
    arrays: ['eventIds', 'projectIds', 'invoiceIds', 'suppliers', 'organisations', 'funds', 'programmes', 'investments', 'findingIds'],
    why: 'one alert and its decision',
  },
  'GET /budget-execution/explain': {
    arrays: ['contributions'],
    why: 'an explanation: every event behind one figure, read together so that they sum to it',
  },
  'GET /indicators/{indicatorId}/progress/explain': {
    arrays: ['contributions'],
    why: 'an explanation: every event behind one value, read together so that they sum to it',
  },
  'GET /reports/council/explain': {
    arrays: ['contributions'],
    why: 'an explanation: every event behind one total, read together so that they sum to it',
  },
  'GET /projects/{projectId}/budget': {
    arrays: ['shares', 'costLines', 'invoices', 'claims', 'corrections'],
    why: 'one budget (one stream, its ETag the stream version) as it stands',
  },
};

describe('list operations in the OpenAPI document', () => {
  it('when a GET answers JSON, it never answers a bare array', () => {
    const bare = gets.flatMap((g) => (g.answers.some(isArray) ? [g.label] : []));
    expect(bare).toEqual([]);
  });

  it('when a GET answers the page envelope, it is one of the known lists, and every known list answers it', () => {
    const paged = gets.flatMap((g) => (g.answers.some(isPage) ? [g.label] : []));
    expect(paged.sort()).toEqual([...LISTS].sort());
  });

  it('when a list is read, it takes limit (integer 1–500, default 50, both documented) and cursor, and no other paging parameter', () => {
    for (const g of gets.filter((x) => LISTS.includes(x.label))) {
      const params = g.operation.parameters ?? [];
      const limit = params.find((p) => p.name === 'limit' && p.in === 'query');
      expect(limit?.schema, g.label).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
      expect(limit?.description, g.label).toMatch(/500/);
      expect(limit?.description, g.label).toMatch(/default 50/);
      const cursor = params.find((p) => p.name === 'cursor' && p.in === 'query');
      expect(cursor?.schema, g.label).toMatchObject({ type: 'string' });
      expect(cursor?.description, g.label).toMatch(/nextCursor/);
      expect(
        params.filter((p) => ['after', 'offset', 'position', 'page', 'next'].includes(p.name)).map((p) => p.name),
        g.label,
      ).toEqual([]);
    }
  });

  it('when any other GET holds arrays at the top of its answer, each was judged not to be a list (a report, a file or one resource)', () => {
    const unjudged = gets
      .filter((g) => !LISTS.includes(g.label))
      .flatMap((g) =>
        g.answers.flatMap((answer) =>
          Object.entries(propertiesOf(answer))
            .filter(([, s]) => isArray(s))
            .filter(([name]) => !NOT_LISTS[g.label]?.arrays.includes(name))
            .map(([name]) => `${g.label} .${name}`),
        ),
      );
    expect(unjudged).toEqual([]);
    for (const label of Object.keys(NOT_LISTS))
      expect(
        gets.map((g) => g.label),
        label,
      ).toContain(label);
  });
});
