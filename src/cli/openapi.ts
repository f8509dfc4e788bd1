import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateSpec, type ExtendedSpecConfig } from '@tsoa/cli';
import { finishSpec } from '../http/openapi/finish.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The OpenAPI document of the code as it is now: tsoa's spec of the controllers, finished (src/http/openapi/finish.ts). */
export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const tsoa = JSON.parse(await readFile(path.join(root, 'tsoa.json'), 'utf8')) as {
    spec: ExtendedSpecConfig;
    entryFile: string;
    noImplicitAdditionalProperties: ExtendedSpecConfig['noImplicitAdditionalProperties'];
    controllerPathGlobs: string[];
  };
  const out = mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  try {
    await generateSpec({
      ...tsoa.spec,
      outputDirectory: out,
      entryFile: tsoa.entryFile,
      noImplicitAdditionalProperties: tsoa.noImplicitAdditionalProperties,
      controllerPathGlobs: tsoa.controllerPathGlobs,
    });
    return finishSpec(JSON.parse(await readFile(path.join(out, 'openapi.json'), 'utf8')));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export const serialise = (spec: unknown): string => `${JSON.stringify(spec, null, 2)}\n`;

if (process.argv[1] === import.meta.filename) {
  const spec = await generateOpenApi();
  mkdirSync(path.join(root, 'openapi'), { recursive: true });
  writeFileSync(path.join(root, 'openapi/openapi.json'), serialise(spec));
  console.log('openapi/openapi.json written');
}
