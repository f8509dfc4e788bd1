import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSpec, type ExtendedSpecConfig } from '@tsoa/cli';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('OpenAPI document', () => {
  it('when the spec is generated from the code, it equals the committed openapi/openapi.json (run `npm run build` if not)', async () => {
    const tsoa = JSON.parse(readFileSync(path.join(root, 'tsoa.json'), 'utf8'));
    const out = mkdtempSync(path.join(os.tmpdir(), 'spec-'));
    try {
      const config: ExtendedSpecConfig = {
        ...tsoa.spec,
        outputDirectory: out,
        entryFile: tsoa.entryFile,
        noImplicitAdditionalProperties: tsoa.noImplicitAdditionalProperties,
        controllerPathGlobs: tsoa.controllerPathGlobs,
      };
      await generateSpec(config);
      const fresh = JSON.parse(readFileSync(path.join(out, 'openapi.json'), 'utf8'));
      const committed = JSON.parse(readFileSync(path.join(root, 'openapi/openapi.json'), 'utf8'));
      expect(committed).toEqual(fresh);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
