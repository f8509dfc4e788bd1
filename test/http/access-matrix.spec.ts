import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRole, ROLES, type Role } from '../../src/auth/principal.js';
import { on } from '../../src/application/command.js';
import { passportStream, passportStreamId } from '../../src/domain/passport/decider.js';
import { createTestApp, eventCount, type TestApp } from '../support/app.js';
import { eAdrese } from '../support/passport-builders.js';
import { bearer, tokenFor } from '../support/auth.js';

/**
 * Who may call what, read from the published OpenAPI document rather than listed here, so a
 * new operation is covered the moment it exists. test/http/openapi.spec.ts keeps the document
 * equal to the code, so the declared roles are the enforced ones.
 */
interface Operation {
  readonly method: string;
  readonly path: string;
  /** Roles from the `jwt` security requirement; null for a public operation. */
  readonly roles: readonly string[] | null;
  readonly pathParams: readonly string[];
  /** A value of the right type for each path parameter, so the call reaches the route. */
  readonly samples: Readonly<Record<string, string>>;
  /** The request body example when the spec has one, else `{}`; undefined for no body. */
  readonly body: unknown;
}

interface SpecOperation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: { type?: string; format?: string } }[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
}

/** Plausible path values; the call only has to reach the route, not succeed. */
const SAMPLE: Record<string, string> = { code: 'RRF', streamId: 'fund-RRF', name: 'stream_catalogue' };
const sampleOfType = ({ type, format }: { type?: string; format?: string }): string | undefined =>
  format === 'uuid' ? '00000000-0000-4000-8000-000000000000' : type === 'integer' || type === 'number' ? '1' : undefined;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
/** The only operations anyone may call without a token: probes for orchestrators, and open data (public by law). */
const PUBLIC = ['GET /health', 'GET /ready', 'GET /open-data/operations.csv', 'GET /open-data/rrf-top-recipients.csv'];
/** A beneficiary of this organisation owns nothing the probes touch. */
const OTHER_ORG = '50000000077';
const OWNER_ORG = '90000012345';

const spec = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../openapi/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, SpecOperation>>;
};

const operations: Operation[] = Object.entries(spec.paths).flatMap(([p, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      path: p,
      roles: op.security?.length ? op.security.flatMap((s) => Object.values(s).flat()) : null,
      pathParams: (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name),
      samples: Object.fromEntries(
        (op.parameters ?? [])
          .filter((x) => x.in === 'path')
          .map((x) => [x.name, SAMPLE[x.name] ?? sampleOfType(x.schema ?? {}) ?? `sample-${x.name}`]),
      ),
      body: op.requestBody ? (op.requestBody.content?.['application/json']?.example ?? {}) : undefined,
    })),
);

const urlOf = (op: Operation, values: Record<string, string> = {}) =>
  op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? op.samples[name]!));
const label = (op: Operation) => `${op.method} ${op.path}`;

let app: TestApp;
const called = new Map<string, Set<string>>();
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

async function call(op: Operation, as: { role?: Role; org?: string; values?: Record<string, string> } = {}) {
  const caller = as.role ?? 'anonymous';
  called.set(label(op), (called.get(label(op)) ?? new Set()).add(caller));
  const req = request(app.service.app)[op.method.toLowerCase() as 'get'](urlOf(op, as.values));
  // A PUT or PATCH without If-Match is refused (428) before it reaches the object; a version lets it go on to the checks probed here.
  if (op.method === 'PUT' || op.method === 'PATCH') req.set('If-Match', '"1"');
  if (as.role) req.set('Authorization', bearer(await tokenFor({ roles: [as.role], org: as.org ?? OWNER_ORG, sub: `${as.role}.user` })));
  return op.body === undefined ? req : req.send(op.body as object);
}

describe('access matrix from the OpenAPI document', () => {
  it('when the matrix is built, it holds every operation in the spec, each secured one names known roles, and only the probes are public', () => {
    const inSpec = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).filter((m) => METHODS.includes(m)).length, 0);
    expect(inSpec).toBeGreaterThan(0);
    expect(operations).toHaveLength(inSpec);
    for (const op of operations.filter((o) => o.roles)) {
      expect(op.roles!.length, `${label(op)} declares no role`).toBeGreaterThan(0);
      expect(
        op.roles!.filter((r) => !isRole(r)),
        `${label(op)} names unknown roles`,
      ).toEqual([]);
    }
    expect(
      operations
        .filter((o) => !o.roles)
        .map(label)
        .sort(),
    ).toEqual([...PUBLIC].sort());
  });

  for (const op of operations) {
    describe(label(op), () => {
      if (!op.roles) {
        it('when called without a token, it answers without asking for one', async () => {
          expect([401, 403]).not.toContain((await call(op)).status);
        });
        return;
      }

      it('when called without a token, it answers 401 problem+json with a Bearer challenge and appends nothing', async () => {
        const before = await eventCount(app);
        const res = await call(op);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
        expect(await eventCount(app)).toBe(before);
      });

      for (const role of ROLES) {
        const allowed = op.roles.includes(role);
        it(`when ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} calls it, ${allowed ? 'it is let through (neither 401 nor 403)' : 'it answers 403 problem+json and appends nothing'}`, async () => {
          const before = await eventCount(app);
          const res = await call(op, { role });
          if (allowed) {
            expect([401, 403], `${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
            return;
          }
          expect(res.status).toBe(403);
          expect(res.body).toMatchObject({ status: 403, allowedRoles: op.roles });
          expect(await eventCount(app)).toBe(before);
        });
      }
    });
  }

  const projectOperations = operations.filter((o) => o.pathParams.includes('projectId') && o.roles?.includes('beneficiary'));
  it(`when a beneficiary of another organisation names a project (${projectOperations.length} operations now), each answers 404 exactly as for a project that does not exist, and appends nothing`, async () => {
    for (const op of projectOperations) {
      const projectId = await givenProjectOf(app, OWNER_ORG);
      const before = await eventCount(app);
      const foreign = await call(op, { role: 'beneficiary', org: OTHER_ORG, values: { projectId } });
      const missing = await call(op, { role: 'beneficiary', org: OTHER_ORG, values: { projectId: randomUUID() } });
      expect(foreign.status, label(op)).toBe(404);
      expect({ ...foreign.body, instance: undefined, detail: undefined }).toEqual({
        ...missing.body,
        instance: undefined,
        detail: undefined,
      });
      expect(await eventCount(app)).toBe(before);
    }
  });

  it('when the matrix has run, every secured operation was called without a token and by every role', () => {
    for (const op of operations) {
      const expected = op.roles ? ['anonymous', ...ROLES] : ['anonymous'];
      expect([...(called.get(label(op)) ?? [])].sort(), label(op)).toEqual(expect.arrayContaining(expected));
    }
  });

  it('when the documentation is fetched without a token, /docs and /openapi.json answer 200', async () => {
    expect((await request(app.service.app).get('/docs/')).status).toBe(200);
    expect((await request(app.service.app).get('/openapi.json')).status).toBe(200);
  });
});

/**
 * Makes a project whose recipient is `org` through the application layer's passport commands
 * (the investment lookup of the HTTP route is not what this probe is about).
 */
async function givenProjectOf(app: TestApp, org: string): Promise<string> {
  const projectId = randomUUID();
  const owner = { id: 'owner.user', name: 'Owner', organisation: org, role: 'beneficiary' as const, roles: ['beneficiary' as const] };
  await on(app.service.context, passportStream).execute(
    passportStreamId(projectId),
    { user: owner, requestId: `draft-${projectId}`, correlationId: `draft-${projectId}` },
    (context) => ({
      type: 'DraftPassport',
      data: { projectId, title: eAdrese.title, programme: eAdrese.programme, recipient: { ...eAdrese.recipient, registrationNumber: org } },
      context,
    }),
    { subject: projectId },
  );
  return projectId;
}
