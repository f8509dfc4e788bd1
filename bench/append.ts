import type pg from 'pg';
import type { StoredEvent } from '../src/eventstore/port.js';
import { comparePositions, START, type GlobalPosition } from '../src/eventstore/position.js';
import { PostgresEventStore } from '../src/eventstore/postgres/adapter.js';
import { ChainKeeper, verifyChain } from '../src/eventstore/postgres/chain.js';
import { loadConfig } from '../src/config.js';

/** The keeper runs with the service's own defaults (poll interval, batch size). */
const CHAIN_DEFAULTS = loadConfig({});
import { benchEvent, intFromEnv, round, serverCpuSeconds, type Benchmark } from './support.js';

/**
 * WRITERS concurrent writers, each appending single events to its own stream with an
 * expected version, through one store (which group-commits). A reader tails the log from
 * checkpoints meanwhile, as a projection does. Both what the tailing reader saw and a full
 * read afterwards must hold every acknowledged event exactly once, each stream in version order.
 */
export const append: Benchmark = async ({ pool, registry, log }) => {
  const writers = intFromEnv('WRITERS', 16);
  const total = intFromEnv('EVENTS', 8000);
  const readBatch = intFromEnv('READ_BATCH', 1000);
  const commits = measureGroupCommits(pool);
  // COMMITTERS overrides the store's concurrent group commits; unset, the service's default applies.
  const committers = process.env.COMMITTERS ? { writers: intFromEnv('COMMITTERS', 2) } : {};
  const store = new PostgresEventStore(pool, registry, committers);

  // CHAIN=1 runs the tamper-evidence keeper beside the writers, as the service does.
  const chain =
    process.env.CHAIN === '1'
      ? new ChainKeeper(pool, {
          pollMs: CHAIN_DEFAULTS.PROJECTION_POLL_MS,
          batchSize: CHAIN_DEFAULTS.PROJECTION_BATCH_SIZE,
          onError: (err) => log.error({ err }, 'chain'),
        })
      : undefined;
  chain?.start();

  const acked = new Map<string, Seen>();
  let writing = true;
  const tailing = tail(store, readBatch, () => writing);

  log.info({ writers, events: total }, 'appending');
  const pgCpu0 = await serverCpuSeconds(pool);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const writes = Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const streamId = `benchmark-w${w}`;
      const count = Math.floor(total / writers) + (w < total % writers ? 1 : 0);
      for (let version = 0; version < count;) {
        const event = benchEvent(w * count + version);
        const result = await store.append(streamId, [event], { expectedVersion: version });
        version++;
        const id = result.eventIds[0];
        if (result.nextVersion !== version || result.eventIds.length !== 1 || !id || acked.has(id)) {
          throw new Error(`append to ${streamId} acknowledged ${JSON.stringify(result)}, expected version ${version}`);
        }
        acked.set(id, { streamId, version, position: result.positions[0]! });
      }
    }),
  );
  // If a writer fails, the reader must still stop, or the run never ends.
  await writes.finally(() => (writing = false));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pgCpu1 = await serverCpuSeconds(pool);
  await store.close();
  await chain?.stop();
  if (chain) {
    await chain.catchUp();
    const report = await verifyChain(pool);
    if (!report.ok || report.head.seq !== total) throw new Error(`chain after the run: ${JSON.stringify(report)}`);
  }

  const tailed = check(await tailing, acked);
  const full = check(await readEverything(store, readBatch), acked);
  log.info({ tailed, full }, 'read back');
  return {
    bench: 'append',
    events: total,
    writers,
    seconds: round(seconds),
    events_per_s: Math.round(total / seconds),
    chain: chain !== undefined,
    lost: Math.max(tailed.lost, full.lost),
    duplicated: Math.max(tailed.duplicated, full.duplicated),
    tail: tailed,
    full,
    ...commits.summary(),
    // CPU used while writing, by this process and by the server: wall time alone misleads on a busy box.
    node_cpu_s: round((cpu.user + cpu.system) / 1e6),
    pg_cpu_s: pgCpu0 === null || pgCpu1 === null ? null : round(pgCpu1 - pgCpu0, 2),
  };
};

interface Seen {
  streamId: string;
  version: number;
  position: GlobalPosition;
}

type Read = Seen & { id: string };

const slim = (e: StoredEvent): Read => ({ id: e.id, streamId: e.streamId, version: e.version, position: e.position });

/** Reads from a checkpoint like a projection, until the writers are done and nothing is left. */
async function tail(store: PostgresEventStore, limit: number, writing: () => boolean): Promise<Read[]> {
  const seen: Read[] = [];
  let after = START;
  for (;;) {
    // Sampled before reading: an empty read that began after the last acknowledgement is final.
    const stillWriting = writing();
    const batch = await store.readAll({ after, limit });
    for (const e of batch) seen.push(slim(e));
    if (batch.length > 0) after = batch.at(-1)!.position;
    else if (!stillWriting) return seen;
    else await new Promise((r) => setTimeout(r, 2));
  }
}

async function readEverything(store: PostgresEventStore, limit: number): Promise<Read[]> {
  const seen: Read[] = [];
  for (let after = START; ;) {
    const batch = await store.readAll({ after, limit });
    if (batch.length === 0) return seen;
    for (const e of batch) seen.push(slim(e));
    after = batch.at(-1)!.position;
  }
}

/**
 * lost: acknowledged but never read, plus events read out of order (a checkpointing reader
 * would have skipped past them). duplicated: read more than once, or read but never acknowledged.
 */
function check(read: Read[], acked: ReadonlyMap<string, Seen>) {
  const times = new Map<string, number>();
  const streamAt = new Map<string, number>();
  let outOfOrder = 0;
  let unacknowledged = 0;
  let previous: GlobalPosition | undefined;
  for (const e of read) {
    const n = (times.get(e.id) ?? 0) + 1;
    times.set(e.id, n);
    if (n > 1) continue;
    const ack = acked.get(e.id);
    if (!ack) unacknowledged++;
    const expectedVersion = (streamAt.get(e.streamId) ?? 0) + 1;
    const misplaced =
      e.version !== expectedVersion ||
      (previous !== undefined && comparePositions(e.position, previous) <= 0) ||
      (ack !== undefined && (ack.streamId !== e.streamId || ack.version !== e.version || comparePositions(ack.position, e.position) !== 0));
    if (misplaced) outOfOrder++;
    streamAt.set(e.streamId, Math.max(e.version, streamAt.get(e.streamId) ?? 0));
    previous = e.position;
  }
  let missing = 0;
  for (const id of acked.keys()) if (!times.has(id)) missing++;
  let readTwice = 0;
  for (const n of times.values()) readTwice += n - 1;
  return {
    read: read.length,
    lost: missing + outOfOrder,
    duplicated: readTwice + unacknowledged,
    missing,
    out_of_order: outOfOrder,
    read_twice: readTwice,
    unacknowledged,
  };
}

/**
 * Times each es_append call (one group commit) by wrapping pool.query, to tell whether
 * throughput is bound by group size or by the time per commit.
 */
function measureGroupCommits(pool: pg.Pool) {
  let calls = 0;
  let appends = 0;
  let ms = 0;
  let maxGroup = 0;
  const original = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const sql = args[0];
    if (typeof sql !== 'string' || !sql.startsWith('select es_append(')) return original(...args);
    const t0 = performance.now();
    return original(...args).then((result) => {
      const group = (result.rows[0] as { r?: unknown[] } | undefined)?.r?.length ?? 0;
      calls++;
      appends += group;
      maxGroup = Math.max(maxGroup, group);
      ms += performance.now() - t0;
      return result;
    });
  };
  return {
    summary: () => ({
      group_commits: calls,
      avg_group: round(appends / Math.max(calls, 1), 2),
      max_group: maxGroup,
      avg_commit_ms: round(ms / Math.max(calls, 1), 2),
    }),
  };
}
