import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Flags from the machine notes: no sandbox (root in CI), no network chatter, a fresh profile per run. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Loads `html` from a file in headless Chromium after appending `probe`, a script that writes
 * its findings as JSON into `<pre id="probe">`, and returns them: the page itself needs no
 * script, the probe only measures what Chromium laid out (`--dump-dom` prints the DOM after load).
 */
export async function renderAndProbe<T>(html: string, probe: string): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'report-chromium-'));
  try {
    const file = path.join(dir, 'page.html');
    const script = `<pre id="probe"></pre><script>document.getElementById('probe').textContent = JSON.stringify((() => { ${probe} })());</script>`;
    writeFileSync(file, html.replace('</body>', `${script}</body>`));
    const { stdout } = await promisify(execFile)(
      CHROMIUM,
      [...FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`, '--window-size=1024,4000', '--dump-dom', `file://${file}`],
      {
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const found = /<pre id="probe">([^<]*)<\/pre>/.exec(stdout);
    if (!found) throw new Error(`the probe did not run; Chromium printed ${stdout.slice(0, 500)}`);
    return JSON.parse(found[1]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>')) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints `html` to a PDF (A4 from the page's print CSS) and returns its size in bytes. */
export async function printToPdf(html: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'report-chromium-'));
  try {
    const file = path.join(dir, 'page.html');
    writeFileSync(file, html);
    const pdf = path.join(dir, 'page.pdf');
    await promisify(execFile)(
      CHROMIUM,
      [...FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${file}`],
      { timeout: 60_000 },
    );
    const { readFileSync } = await import('node:fs');
    return readFileSync(pdf);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
