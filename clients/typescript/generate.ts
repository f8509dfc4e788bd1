import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/**
 * `npm run generate:client`: writes clients/typescript/schema.ts, the TypeScript types of the
 * committed OpenAPI document (openapi/openapi.json), with openapi-typescript's defaults — the same
 * file `npx openapi-typescript openapi/openapi.json -o clients/typescript/schema.ts` writes.
 * test/client/generated.spec.ts fails when the committed schema.ts is not what this produces.
 */

const root = path.resolve(import.meta.dirname, '../..');

/** The document the client is generated from. */
export const DOCUMENT_FILE = path.join(root, 'openapi/openapi.json');
/** The generated types (not formatted or linted; never edit it by hand). */
export const SCHEMA_FILE = path.join(root, 'clients/typescript/schema.ts');

/** The text of schema.ts for the OpenAPI document at `documentFile`. */
export async function generateSchema(documentFile: string = DOCUMENT_FILE): Promise<string> {
  const ast = await openapiTS(pathToFileURL(documentFile), { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

/** True when `file` already holds `text`. */
async function holds(file: string, text: string): Promise<boolean> {
  try {
    return (await readFile(file, 'utf8')) === text;
  } catch {
    return false;
  }
}

if (process.argv[1] === import.meta.filename) {
  const schema = await generateSchema();
  const relative = path.relative(root, SCHEMA_FILE);
  if (await holds(SCHEMA_FILE, schema)) {
    console.log(`${relative} is up to date`);
  } else {
    await writeFile(SCHEMA_FILE, schema);
    console.log(`${relative} written from ${path.relative(root, DOCUMENT_FILE)}`);
  }
}
