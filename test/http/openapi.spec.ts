import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { generateOpenApi } from '../../src/cli/openapi.js';
import { finishSpec, PROBLEM_MEDIA_TYPE } from '../../src/http/openapi/finish.js';
import type { TestApp } from '../support/app.js';
import { PEOPLE, seededSuite } from '../support/seeded.js';

const root = path.resolve(import.meta.dirname, '../..');
const committed = JSON.parse(readFileSync(path.join(root, 'openapi/openapi.json'), 'utf8')) as Document;

interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { example?: unknown; examples?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const operations = Object.entries(committed.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => ({ method, path: p, op })),
);

describe('OpenAPI document', () => {
  it('when the spec is generated from the code, it equals the committed openapi/openapi.json (run `npm run generate` if not)', async () => {
    expect(committed).toEqual(await generateOpenApi());
  });

  it('when linted by Redocly with the recommended rules (redocly.yaml), it has 0 errors and 0 warnings', async () => {
    const cli = path.join(root, 'node_modules/@redocly/cli/bin/cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', 'openapi/openapi.json', '--format=json'], {
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('is OpenAPI 3.1 and every tag is described', () => {
    expect(committed.openapi).toBe('3.1.0');
    const used = new Set(operations.flatMap(({ op }) => op.tags ?? []));
    for (const tag of used) expect(committed.tags.find((t) => t.name === tag)?.description, tag).toBeTruthy();
  });

  it('names every operation once, in camelCase verb + noun, with a summary, a description and an example of its request body', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path: p, op } of operations) {
      const at = `${method.toUpperCase()} ${p}`;
      expect(op.operationId, at).toMatch(/^[a-z]+(?:[A-Z][a-z0-9]*)+$/);
      expect(op.summary?.trim(), at).toBeTruthy();
      expect(op.description?.trim(), at).toBeTruthy();
      // Every JSON or text body has an example; a binary one (an XLSX file) cannot show one.
      for (const [mediaType, content] of Object.entries(op.requestBody?.content ?? {})) {
        if (/json|text\/|csv|multipart/.test(mediaType)) expect(content.example ?? content.examples, `${at} ${mediaType}`).toBeDefined();
      }
    }
  });

  it('declares every error as problem+json, and the answers each operation can give from what it takes', () => {
    for (const { method, path: p, op } of operations) {
      const at = `${method.toUpperCase()} ${p}`;
      const statuses = Object.keys(op.responses);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(Object.keys(op.responses[status]!.content ?? {}), `${at} ${status}`).toEqual([PROBLEM_MEDIA_TYPE]);
      }
      const expected = ['400', '500', '503'];
      if ((op.security ?? [{}]).length > 0) expected.push('401', '403');
      if (op.parameters?.some((x) => x.in === 'path')) expected.push('404', '410');
      if (op.requestBody) expected.push('413', '415', '422');
      if (op.parameters?.some((x) => x.in === 'header' && x.name === 'If-Match')) expected.push('412');
      if (method === 'put' || method === 'patch') expected.push('428');
      if (method !== 'get') expected.push('409');
      expect(statuses, at).toEqual(expect.arrayContaining(expected));
    }
  });

  it('when tsoa writes OpenAPI 3.0 nullables and examples, the finished document spells them the 3.1 way', () => {
    const finished = finishSpec({
      openapi: '3.0.0',
      paths: {},
      components: {
        schemas: {
          A: {
            type: 'object',
            properties: {
              s: { type: 'string', nullable: true, example: 'x' },
              e: { type: 'string', enum: ['a', 'b'], nullable: true },
              r: { allOf: [{ $ref: '#/components/schemas/B' }], nullable: true, description: 'd' },
            },
          },
        },
      },
    });
    expect(finished.openapi).toBe('3.1.0');
    expect(finished.components).toEqual({
      schemas: {
        A: {
          type: 'object',
          properties: {
            s: { type: ['string', 'null'], examples: ['x'] },
            e: { type: ['string', 'null'], enum: ['a', 'b', null] },
            r: { anyOf: [{ $ref: '#/components/schemas/B' }, { type: 'null' }], description: 'd' },
          },
        },
      },
    });
  });
});

describe('Unknown query parameters', () => {
  let app: TestApp;
  const as = seededSuite(PEOPLE, (a) => (app = a));

  it('when a query parameter is not one the operation declares, it answers 400 naming it and what the operation takes', async () => {
    const res = await as('janis').get('/findings?severity=high&colour=red').expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ in: 'query', pointer: '/colour', detail: 'not a parameter of this operation' }]);
    expect(res.body.detail).toMatch(/colour is not a parameter of this operation; it takes .*severity/);
  });

  it('when an operation takes no query parameters, any one is refused, even before authentication', async () => {
    const res = await request(app.service.app).get('/funds/RRF?limit=5').expect(400);
    expect(res.body.detail).toBe('limit is not a parameter of this operation; it takes no query parameters');
  });

  it('when only declared parameters are sent, the operation answers as usual', async () => {
    await as('janis').get('/findings?severity=high').expect(200);
  });
});
