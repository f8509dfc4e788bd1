import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_FILE, generateSchema, SCHEMA_FILE } from '../../clients/typescript/generate.js';

const root = path.resolve(import.meta.dirname, '../..');
const RUN = 'run `npm run generate:client`';

/** The first line where two texts differ, with both versions of it; undefined when they are equal. */
function firstDifference(committed: string, generated: string): { line: number; committed?: string; generated?: string } | undefined {
  if (committed === generated) return undefined;
  const a = committed.split('\n');
  const b = generated.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return { line: i + 1, committed: a[i], generated: b[i] };
}

describe('the typed client', () => {
  it(`when its types are generated from the committed openapi/openapi.json, they equal the committed clients/typescript/schema.ts (${RUN} if not)`, async () => {
    const relative = path.relative(root, SCHEMA_FILE);
    expect(existsSync(SCHEMA_FILE), `${relative} is missing: ${RUN}`).toBe(true);
    const generated = await generateSchema(DOCUMENT_FILE);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(
      firstDifference(committed, generated),
      `${relative} is not what ${path.relative(root, DOCUMENT_FILE)} generates: ${RUN} (and commit the result)`,
    ).toBeUndefined();
  });
});
