import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

it('when a process that loaded the embedded PostgreSQL module ends with an exit code, it exits with that code (CI can fail)', () => {
  const script = `await import('./src/db/embedded.ts'); process.exitCode = 3;`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(3);
});

it('when such a process ends without an exit code, it exits 0 and prints nothing', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import('./src/db/embedded.ts');`], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});
