import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The log is not in PostgreSQL (EVENT_STORE=kurrentdb): this chain does not cover it. */
export class TamperEvidenceUnavailable extends Error {
  constructor() {
    super('The hash chain covers the PostgreSQL event log; this service keeps its events in KurrentDB');
    this.name = 'TamperEvidenceUnavailable';
  }
}

/** An event's (`e`) recording time in the exact text the chain hashes: microseconds, UTC (as es_chain_input renders it). */
export const RECORDED_TEXT = `to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The first link of the chain hashes onto 32 zero bytes. */
export const GENESIS = Buffer.alloc(32);

export interface ChainHead {
  /** Number of events linked so far (the last chain_seq). */
  seq: number;
  /** Hex sha256 of the last link: record it outside the database as an anchor. */
  hash: string;
  /** Global position of the last linked event, `"<txid>.<seq>"`. */
  position: string | null;
}

export interface ChainProblem {
  /** Where in the chain it breaks (for an event missing from the chain: where it would be). */
  chainSeq: number;
  /** The event row's position (sequence number), when there is one. */
  position: string | null;
  reason: 'gap' | 'missing' | 'moved' | 'order' | 'hash' | 'unchained';
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  head: ChainHead;
  /** Committed events not linked yet (the chain runs just behind the log). */
  pending: number;
  firstProblem: ChainProblem | null;
}

const DETAIL: Record<ChainProblem['reason'], string> = {
  gap: 'a link of the chain is missing (chain row deleted)',
  missing: 'the event this link covers is gone (event row deleted)',
  moved: "the event's transaction id differs from the one linked (event row moved in the global order)",
  order: 'the links are not in global order (chain rows reordered)',
  hash: 'the event does not hash to its link (event row altered, or rows swapped)',
  unchained: 'an event lies inside the linked range but is not linked (event row inserted)',
};

/** The chain's last link: its number, the event's global position and the hash; undefined before the first. */
export interface LastLink {
  seq: string;
  tx: string;
  pos: string;
  hash: Buffer;
}

export async function lastLink(db: pg.Pool | pg.PoolClient): Promise<LastLink | undefined> {
  const { rows } = await db.query<LastLink>(
    `select chain_seq as seq, transaction_id::text as tx, position as pos, hash from es_chain order by chain_seq desc limit 1`,
  );
  return rows[0];
}

/**
 * Links the next committed events into the chain, in global order, in one transaction. One
 * process at a time (advisory lock, which takes no transaction id, so the read horizon is
 * not held back). Returns how many were linked, or -1 when another process holds the chain.
 */
export async function extendChain(pool: pg.Pool, limit: number): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows: lock } = await client.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(hashtext('es_chain')) as ok`);
    if (!lock[0]?.ok) {
      await client.query('rollback');
      return -1;
    }
    const last = await lastLink(client);
    const { rows } = await client.query<{ tx: string; pos: string; input: Buffer }>(
      `select e.transaction_id::text as tx, e.position as pos, es_chain_input(e) as input
         from es_events e
        where (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
          and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        order by e.transaction_id, e.position
        limit $3`,
      [last?.tx ?? '0', last?.pos ?? '0', limit],
    );
    if (rows.length === 0) {
      await client.query('rollback');
      return 0;
    }
    let seq = Number(last?.seq ?? 0);
    let prev = last?.hash ?? GENESIS;
    const seqs: number[] = [];
    const hashes: string[] = [];
    for (const r of rows) {
      prev = createHash('sha256').update(prev).update(r.input).digest();
      seqs.push(++seq);
      hashes.push(`\\x${prev.toString('hex')}`);
    }
    await client.query(
      `insert into es_chain (chain_seq, transaction_id, position, hash)
       select * from unnest($1::bigint[], $2::text[]::xid8[], $3::bigint[], $4::bytea[])`,
      [seqs, rows.map((r) => r.tx), rows.map((r) => r.pos), hashes],
    );
    await client.query('commit');
    return rows.length;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Recomputes every link from the stored events and reports the first place the chain breaks. */
export async function verifyChain(pool: pg.Pool): Promise<ChainReport> {
  const { rows: bad } = await pool.query<{ seq: string; pos: string | null; reason: ChainProblem['reason'] }>(
    `with c as (
       select c.chain_seq, c.position, c.transaction_id as c_tx, c.hash,
              lag(c.hash) over w as prev_hash, lag(c.chain_seq) over w as prev_seq,
              lag(c.transaction_id) over w as prev_tx, lag(c.position) over w as prev_pos,
              e.position as e_pos, e.transaction_id as e_tx,
              case when e.position is null then null else es_chain_input(e) end as input
         from es_chain c left join es_events e on e.position = c.position
       window w as (order by c.chain_seq)
     ), judged as (
       select chain_seq, position, case
           when chain_seq <> coalesce(prev_seq, 0) + 1 then 'gap'
           when e_pos is null then 'missing'
           when e_tx <> c_tx then 'moved'
           when prev_tx is not null and (c_tx, position) <= (prev_tx, prev_pos) then 'order'
           when hash <> sha256(coalesce(prev_hash, '\\x${GENESIS.toString('hex')}'::bytea) || input) then 'hash'
         end as reason
         from c)
     select chain_seq as seq, position::text as pos, reason from judged where reason is not null order by chain_seq limit 1`,
  );
  const last = await lastLink(pool);
  // An event inside the linked range that no link covers was put there behind the chain's back.
  const { rows: unchained } = last
    ? await pool.query<{ pos: string; before: string }>(
        `with unlinked as (
           select e.transaction_id, e.position from es_events e left join es_chain c on c.position = e.position
            where (e.transaction_id, e.position) <= ($1::text::xid8, $2::bigint) and c.position is null
            order by e.transaction_id, e.position limit 1)
         select u.position::text as pos,
                (select count(*) from es_chain c where (c.transaction_id, c.position) < (u.transaction_id, u.position)) + 1 as before
           from unlinked u`,
        [last.tx, last.pos],
      )
    : { rows: [] };
  const { rows: pending } = await pool.query<{ n: number }>(
    `select count(*)::int as n from es_events e
      where (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)`,
    [last?.tx ?? '0', last?.pos ?? '0'],
  );
  const problems: ChainProblem[] = [
    ...bad.map((b) => ({ chainSeq: Number(b.seq), position: b.pos, reason: b.reason, detail: DETAIL[b.reason] })),
    ...unchained.map((u) => ({ chainSeq: Number(u.before), position: u.pos, reason: 'unchained' as const, detail: DETAIL.unchained })),
  ].sort((a, b) => a.chainSeq - b.chainSeq);
  return {
    ok: problems.length === 0,
    head: {
      seq: Number(last?.seq ?? 0),
      hash: (last?.hash ?? GENESIS).toString('hex'),
      position: last ? `${last.tx}.${last.pos}` : null,
    },
    pending: pending[0]!.n,
    firstProblem: problems[0] ?? null,
  };
}

/** Links everything committed so far into the chain; waits while another process holds it. */
export async function linkCommitted(pool: pg.Pool, batchSize = 5000): Promise<void> {
  for (;;) {
    const linked = await extendChain(pool, batchSize);
    if (linked === 0) return;
    if (linked < 0) await new Promise((r) => setTimeout(r, 20));
  }
}

/** Keeps the chain just behind the log: links new events every `pollMs` (and on demand). */
export class ChainKeeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { pollMs: number; batchSize: number; onError: (err: unknown) => void },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.catchUp()
        .catch(this.options.onError)
        .finally(() => (this.running = undefined));
    }, this.options.pollMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Links everything committed so far; waits while another process holds the chain. */
  async catchUp(): Promise<void> {
    await linkCommitted(this.pool, this.options.batchSize);
  }
}

/** The linked log in chain order, one JSON line per event, as `verifyExport` reads it. */
export async function* exportChain(pool: pg.Pool, pageSize = 1000): AsyncGenerator<string> {
  for (let after = 0; ;) {
    const { rows } = await pool.query<{
      seq: string;
      hash: string;
      tx: string;
      pos: string;
      event_id: string;
      stream_id: string;
      version: number;
      type: string;
      payload: string;
      metadata: string;
      recorded: string;
    }>(
      `select c.chain_seq as seq, encode(c.hash, 'hex') as hash, e.transaction_id::text as tx, e.position as pos,
              e.event_id, e.stream_id, e.version, e.type, e.payload::text as payload, e.metadata::text as metadata,
              ${RECORDED_TEXT} as recorded
         from es_chain c join es_events e on e.position = c.position
        where c.chain_seq > $1 order by c.chain_seq limit $2`,
      [after, pageSize],
    );
    for (const r of rows) {
      yield `${JSON.stringify({
        chainSeq: Number(r.seq),
        hash: r.hash,
        position: `${r.tx}.${r.pos}`,
        eventId: r.event_id,
        streamId: r.stream_id,
        version: r.version,
        type: r.type,
        payloadText: r.payload,
        metadataText: r.metadata,
        recordedAt: r.recorded,
      })}\n`;
    }
    if (rows.length < pageSize) return;
    after = Number(rows.at(-1)!.seq);
  }
}
