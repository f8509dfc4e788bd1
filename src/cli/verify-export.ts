import { readFileSync } from 'node:fs';
import { verifyExport } from '../audit/offline-verify.js';

/**
 * `npm run verify-export -- FILE`: checks a log export (GET /audit/export) offline, with no
 * database. Prints one JSON line; exit code 0 when intact, 1 at the first problem, 2 on misuse.
 */
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run verify-export -- FILE.jsonl\n');
  process.exit(2);
}
const report = verifyExport(readFileSync(file, 'utf8').split('\n'));
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(report.ok ? 0 : 1);
