import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { verifyExport } from '../audit/offline-verify.js';
import {
  EXPORT_CSV_COLUMNS,
  PROJECT_EXPORT_FORMAT,
  verifyProjectCsv,
  verifyProjectJsonl,
  type ExportCsvColumn,
} from '../audit/project-export.js';

/**
 * `npm run verify-export -- FILE`: checks an export offline, with no database: the whole log's
 * chain (GET /audit/export) or a project's history (GET /history/projects/{id}/export, JSON Lines
 * or CSV), told apart by the first line. Reads the file as a stream, so its size does not matter.
 * Prints one JSON line; exit code 0 when intact, 1 at the first problem, 2 on misuse.
 */
const argument = process.argv[2];
if (!argument) {
  process.stderr.write('usage: npm run verify-export -- FILE.jsonl|FILE.csv\n');
  process.exit(2);
}
const file: string = argument;

const lines = () => createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });

async function firstLine(): Promise<string> {
  for await (const line of lines()) return line;
  return '';
}

async function main(): Promise<{ ok: boolean }> {
  const first = await firstLine();
  if (first.startsWith(`${EXPORT_CSV_COLUMNS[0]},`)) {
    const rows = createReadStream(file, 'utf8').pipe(parse({ columns: true, bom: true })) as AsyncIterable<Record<ExportCsvColumn, string>>;
    return verifyProjectCsv(rows);
  }
  if (first.includes(PROJECT_EXPORT_FORMAT)) return verifyProjectJsonl(lines());
  // The whole log's export: every link from the first.
  const all: string[] = [];
  for await (const line of lines()) all.push(line);
  return verifyExport(all);
}

main().then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(report.ok ? 0 : 1);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
