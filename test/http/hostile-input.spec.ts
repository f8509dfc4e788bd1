import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/auth/principal.js';
import type { TestApp } from '../support/app.js';
import { SEED_SHARES } from '../support/budget-builders.js';
import { jsonExample, operations, parametersIn, SAMPLE, spec, urlOf, type Operation } from '../support/openapi-operations.js';
import { castOf, givenProject, PEOPLE, seededSuite, VRAA } from '../support/seeded.js';

/*
 * Hostile input never answers 5xx and never hangs. For every operation of the OpenAPI document
 * (read here, so a new operation is covered the moment it exists), as every role and without a
 * token, fast-check sends requests whose path, query and body hold what a careless or malicious
 * client sends: NUL bytes, invalid UTF-8 and broken percent-encoding, lone surrogates, negative,
 * huge and non-numeric limits, impossible dates, `from` after `to`, repeated and bracketed query
 * keys, deep and huge JSON, JSON that is not an object, bodies that are not UTF-8. Each answer
 * must come within a deadline, be below 500, and a 4xx must be problem+json (its schema and
 * status are checked against the document by test/support/response-contract.ts); a 400 or 422
 * must name the field at fault.
 */

/** Requests per operation and role (seeds differ on every run, so runs add up); HOSTILE_RUNS=20 for a long search. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 1);
const DEADLINE_MS = 15_000;

let app: TestApp;
const people = {
  ...PEOPLE,
  ...Object.fromEntries(ROLES.map((r) => [`as-${r}`, [`hostile-${r}`, [r], r === 'beneficiary' ? VRAA : '90009963334'] as const])),
};
const as = seededSuite(people, (a) => (app = a), { IMPORT_SYNC_MAX_ROWS: '5' });
const WHO = [...ROLES.map((r) => `as-${r}`), 'nobody'] as const;

/** Real objects, so a request with a hostile query or body can reach past the lookup of its path. */
const real: Record<string, string> = {};

// --- hostile values ------------------------------------------------------------------------

/** Text as sent (a JSON string, or a value percent-encoded into the URL by us). */
const hostileText = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\uD800',
    'x\uDFFFy',
    '-1',
    '-5',
    '0',
    '-0',
    '1e309',
    '99999999999999999999999999',
    '9007199254740993',
    'NaN',
    'Infinity',
    '1.5',
    '0x10',
    '',
    ' ',
    'notadate',
    '2024-02-30',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '0000-00-00',
    '2024-01-01T25:00:00Z',
    '2024-06-31T00:00:00+02:00',
    '+275760-09-13T00:00:00.001Z',
    '-271821-04-20T00:00:00.000Z',
    '9999-12-31T23:59:60Z',
    '99999-01-01',
    '1970-01-01',
    "'; drop table es_events; --",
    '../../../etc/passwd',
    '<script>alert(1)</script>',
    '=HYPERLINK("http://x")',
    '\u202egnp.exe',
    '😀',
    'true',
    'null',
    '[]',
    '{}',
    'passport-\u0000',
    `passport-${randomUUID()}`,
    '__proto__',
    'constructor',
    'x'.repeat(2_000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
);

/** Encoded into a URL: valid percent-encoding of a hostile text, or encoding that is itself broken. */
const hostileUrlPart = fc.oneof(
  { weight: 3, arbitrary: hostileText.map((t) => encodeURIComponent(t.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('%00', 'a%00', '%FF', '%C3%28', '%ED%A0%80', '%E0%A4%A', '%', '%zz', '%C0%AF', '%F4%90%80%80', '%EF%BB%BF'),
  },
);

/** A JSON leaf of any type, hostile. */
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.constantFrom(-1, -5, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, 2 ** 31, -(2 ** 63), null, true, false, [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A body as raw bytes and its content type. */
interface RawBody {
  type: string;
  bytes: Buffer;
}
const deep = (n: number) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`);
const deepObject = (n: number) => Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
const hostileRawBody: fc.Arbitrary<RawBody> = fc.oneof(
  fc.constantFrom<RawBody>(
    { type: 'application/json', bytes: deep(100_000) },
    { type: 'application/json', bytes: deep(5_000) },
    {
      type: 'application/json',
      bytes: Buffer.from(JSON.stringify({ a: 'x'.repeat(50_000), b: Array.from({ length: 5000 }, (_, i) => i) })),
    },
    { type: 'application/json', bytes: deepObject(3_000) },
    { type: 'application/json', bytes: Buffer.from(`{"a":"${'x'.repeat(3 * 1024 * 1024)}"}`) },
    { type: 'application/json', bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]) },
    { type: 'application/json', bytes: Buffer.from('{"a":"\\u0000"}') },
    { type: 'application/json', bytes: Buffer.from('{"a":"\\ud800"}') },
    { type: 'application/json', bytes: Buffer.from('{"a":1,"a":2}') },
    { type: 'application/json', bytes: Buffer.from('{"__proto__":{"admin":true}}') },
    { type: 'application/json', bytes: Buffer.from('null') },
    { type: 'application/json', bytes: Buffer.from('42') },
    { type: 'application/json', bytes: Buffer.from('"text"') },
    { type: 'application/json', bytes: Buffer.from('[]') },
    { type: 'application/json', bytes: Buffer.from('{') },
    { type: 'application/json', bytes: Buffer.from('\u0000') },
    { type: 'application/json; charset=utf-16', bytes: Buffer.from('{}', 'utf16le') },
    { type: 'application/json; charset=klingon', bytes: Buffer.from('{}') },
    { type: 'text/csv', bytes: Buffer.from('a;b\n\u0000;\xff\n', 'latin1') },
    { type: 'text/csv', bytes: Buffer.from('=cmd|"/c calc"!A1;x\n') },
    { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', bytes: Buffer.from('PK\u0003\u0004 not really') },
    {
      type: 'multipart/form-data; boundary=x',
      bytes: Buffer.from('--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n\u0000\r\n--x'),
    },
    { type: 'application/xml', bytes: Buffer.from('<a/>') },
  ),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ type: 'application/json', bytes: Buffer.from(a) })),
);

/** The example body with one leaf (or a subtree) replaced by a hostile value, or keys added. */
function mutated(example: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = [];
  const walk = (v: unknown, at: string[]) => {
    paths.push(at);
    if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) walk(c, [...at, k]);
  };
  walk(example, []);
  return fc.tuple(fc.constantFrom(...paths), hostileLeaf, fc.boolean()).map(([at, value, asExtraKey]) => {
    if (at.length === 0) return value;
    const copy = structuredClone(example) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (const k of at.slice(0, -1)) node = node[k] as Record<string, unknown>;
    if (asExtraKey && typeof value === 'string' && !Array.isArray(node)) node[value.slice(0, 50)] = 1;
    else node[at.at(-1)!] = value;
    return copy;
  });
}

// --- requests ------------------------------------------------------------------------------

interface Hostile {
  who: (typeof WHO)[number];
  path: Record<string, string>;
  query: [string, string][];
  body?: { json: unknown } | { raw: RawBody };
  ifMatch?: string;
}

/** A value a parameter is meant to take, so the rest of the request is what is hostile. */
function sane(name: string, op: Operation): string {
  if (name === 'projectId') return real.projectId!;
  if (name === 'limit') return '2';
  if (name === 'from') return '2024-01-01T00:00:00Z';
  if (name === 'to') return '2025-01-01T00:00:00Z';
  if (name === 'asOf') return '2025-01-01';
  // A real projection's name would let the admin's probes start rebuilds, during which reads answer 503 by design.
  if (name === 'name') return 'no_such_projection';
  const p = (op.op.parameters ?? []).find((x) => x.name === name);
  if (p?.schema?.enum?.length) return p.schema.enum[0]!;
  if (p?.schema?.format === 'uuid') return randomUUID();
  return SAMPLE[name] ?? 'x';
}

function hostileRequest(op: Operation, who: fc.Arbitrary<(typeof WHO)[number]>): fc.Arbitrary<Hostile> {
  const pathNames = parametersIn(op, 'path').map((p) => p.name);
  const queryNames = parametersIn(op, 'query').map((p) => p.name);
  const pathArb = fc.tuple(...pathNames.map((n) => fc.oneof(fc.constant(encodeURIComponent(sane(n, op))), hostileUrlPart)));
  const keyArb = fc.oneof(
    { weight: 6, arbitrary: queryNames.length ? fc.constantFrom(...queryNames) : fc.constant('limit') },
    { weight: 1, arbitrary: fc.constantFrom('limit[]', 'limit[0]', 'asOf[a]', 'offset', '%00', '%FF', '__proto__', '') },
  );
  const queryArb = fc.array(fc.tuple(keyArb, fc.oneof(hostileUrlPart, fc.constant(''))), { maxLength: 4 });
  // `from` after `to`, both well-formed: an impossible range, not an impossible date.
  const reversed = queryNames.includes('from') && queryNames.includes('to');
  const rangeArb = reversed
    ? fc.option(
        fc
          .tuple(
            fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2030-01-01') }),
            fc.integer({ min: 1, max: 10 ** 9 }),
          )
          .map(([to, ms]): [string, string][] => [
            ['from', new Date(to.getTime() + ms).toISOString()],
            ['to', to.toISOString()],
          ]),
      )
    : fc.constant(null);
  const example = jsonExample(op);
  const takesBody = op.op.requestBody !== undefined;
  const bodyArb: fc.Arbitrary<Hostile['body']> = takesBody
    ? fc.oneof(
        { weight: 3, arbitrary: (example === undefined ? fc.constant(undefined) : mutated(example)).map((json) => ({ json })) },
        { weight: 2, arbitrary: hostileRawBody.map((raw) => ({ raw })) },
      )
    : fc.option(
        hostileRawBody.map((raw) => ({ raw })),
        { nil: undefined },
      );
  return fc.record({
    who,
    path: pathArb.map((vs) => Object.fromEntries(pathNames.map((n, i) => [n, vs[i]!]))),
    query: fc.tuple(queryArb, rangeArb).map(([q, r]) => [...q, ...(r ?? [])]),
    body: bodyArb,
    ifMatch: fc.option(fc.constantFrom('"1"', '"-1"', '"99999999999999999999"', '*', 'W/"1"', '"x"', '1', '""'), { nil: undefined }),
  });
}

const tokens = new Map<string, string>();
async function send(op: Operation, h: Hostile): Promise<request.Response> {
  const qs = h.query.map(([k, v]) => `${k}=${v}`).join('&');
  const url = `${urlOf(op, h.path, Object.keys(h.path))}${qs ? `?${qs}` : ''}`;
  let req = request(app.service.app)[op.method as 'get'](url).timeout({ deadline: DEADLINE_MS });
  if (h.who !== 'nobody') req = req.set('Authorization', tokens.get(h.who)!);
  if (h.ifMatch !== undefined) req = req.set('If-Match', h.ifMatch);
  if (op.method === 'put' || op.method === 'patch') req = req.set('If-Match', h.ifMatch ?? '"1"');
  if (h.body && 'json' in h.body) {
    if (h.body.json !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(h.body.json));
  } else if (h.body) {
    req = req.set('Content-Type', h.body.raw.type).send(h.body.raw.bytes);
  }
  return req;
}

function expectNotBroken(op: Operation, h: Hostile, res: request.Response): void {
  const shown = () =>
    `${op.key} as ${h.who}: path ${JSON.stringify(h.path)} query ${JSON.stringify(h.query).slice(0, 300)} → ${res.status} ${res.text?.slice(0, 400)}`;
  expect(res.status, shown()).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.type, shown()).toBe('application/problem+json');
    if (res.status === 400 || res.status === 422) {
      const errors = (res.body as { errors?: { in: string; pointer: string }[] }).errors ?? [];
      expect(errors.length, `names no field: ${shown()}`).toBeGreaterThan(0);
    }
  }
}

describe('hostile input, on every operation of the OpenAPI document, as every role', () => {
  it('when the probes are set up, there is a project to aim at and a token per role', async () => {
    real.projectId = await givenProject(as, { shares: SEED_SHARES });
    for (const [who, token] of Object.entries(await castOf(people))) tokens.set(who, token);
    expect(WHO.filter((w) => w !== 'nobody' && !tokens.has(w))).toEqual([]);
    expect(operations.length).toBeGreaterThan(50);
    expect(Object.keys(spec.paths)).toContain('/streams/{streamId}');
  });

  it("when the issue's request is sent, it is a 4xx naming each field at fault, not a 500", async () => {
    const res = await request(app.service.app)
      .get('/streams/%00?limit=-1&offset=-5&asOf=notadate')
      .set('Authorization', tokens.get('as-auditor')!)
      .timeout({ deadline: DEADLINE_MS });
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
    expect(res.type).toBe('application/problem+json');
    expect((res.body as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
  });

  for (const op of operations) {
    it(`${op.key}: no 5xx and no hang, whoever sends what`, async () => {
      for (const who of WHO) {
        await fc.assert(
          fc.asyncProperty(hostileRequest(op, fc.constant(who)), async (h) => {
            expectNotBroken(op, h, await send(op, h));
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
    });
  }
});
