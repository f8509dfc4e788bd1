import type pg from 'pg';
import type { EventShape, EventStore, StoredEvent } from '../eventstore/port.js';
import { formatPosition, type GlobalPosition } from '../eventstore/position.js';
import { logged } from '../db/errors.js';
import type { Logger } from '../logger.js';

/**
 * Reacts to events of the log by running commands (a workflow's next step). It may see an event
 * again (after a crash between its commands and the checkpoint), so every reaction must be
 * idempotent: the same event twice changes nothing the second time.
 */
export interface Reactor<E extends EventShape = EventShape> {
  /** Checkpoint name, snake_case. */
  readonly name: string;
  react(event: StoredEvent<E>): Promise<void>;
}

export interface ProcessStatus {
  name: string;
  /** The last position reacted to, `"<txid>.<seq>"`. */
  checkpoint: string;
  /** Events committed and visible but not yet reacted to (counted up to 100,000). */
  behind: number;
}

export interface ProcessManagerOptions {
  batchSize: number;
  pollMs: number;
  logger: Logger;
}

/**
 * Feeds a reactor the event log in global order from its checkpoint, in the readers' safe order
 * (nothing that commits late is skipped). The checkpoint moves after each event's reaction
 * has finished, so a process stopped anywhere resumes with the first event it had not finished:
 * at least once, made exactly once by the reactions' idempotency. An advisory lock keeps two
 * processes from feeding the same reactor at once.
 */
export class ProcessManager<E extends EventShape = EventShape> {
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore<E>,
    private readonly reactor: Reactor<E>,
    private readonly options: ProcessManagerOptions,
  ) {}

  /** Runs live: woken every `pollMs`, and at once by {@link nudge}. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.nudge(), this.options.pollMs);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.nudge();
    await this.loop;
  }

  /** How far the reactor has read the log, and how many events are left (counted up to `cap`). */
  async status(cap = 100_000): Promise<ProcessStatus> {
    const client = await this.pool.connect();
    let after: GlobalPosition;
    try {
      after = await this.checkpoint(client);
    } finally {
      client.release();
    }
    return { name: this.reactor.name, checkpoint: formatPosition(after), behind: await this.store.countAfter(after, cap) };
  }

  /** Wakes the loop if it is waiting for new events. */
  nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Reacts to everything committed so far, then returns (tests, and a process that starts or stops). */
  async catchUp(): Promise<void> {
    for (;;) {
      const outcome = await this.batch();
      if (outcome === 'idle') return;
      if (outcome === 'busy') await sleep(5);
    }
  }

  private async run(): Promise<void> {
    const log = this.options.logger.child({ reactor: this.reactor.name });
    let backoff = 100;
    while (!this.stopped) {
      try {
        const outcome = await this.batch();
        backoff = 100;
        if (outcome === 'full') continue;
      } catch (error) {
        log.error(logged(error), 'workflow step failed; retrying from the checkpoint');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      if (!this.stopped) await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** One batch: lock, read from the checkpoint, react event by event, move the checkpoint past each one reacted to. */
  private async batch(): Promise<'full' | 'idle' | 'busy'> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('begin');
      // An advisory lock takes no transaction id, so it does not hold back the readers' horizon.
      const { rows: locked } = await client.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as ok', [
        `process:${this.reactor.name}`,
      ]);
      if (!locked[0]?.ok) {
        await client.query('rollback');
        return 'busy';
      }
      const after = await this.checkpoint(client);
      const events = await this.store.readAll({ after, limit: this.options.batchSize });
      let done: GlobalPosition | null = null;
      let failure: Error | null = null;
      for (const event of events) {
        try {
          await this.reactor.react(event);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(`reacting to event ${event.id} failed`, { cause: error });
          break;
        }
        done = event.position;
      }
      if (done) await this.save(client, done, events.findIndex((e) => e.position === done) + 1);
      await client.query('commit');
      if (failure) throw failure;
      return events.length === this.options.batchSize ? 'full' : 'idle';
    } catch (error) {
      broken = true;
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async checkpoint(client: pg.ClientBase): Promise<GlobalPosition> {
    const { rows } = await client.query<{ tx: string; pos: string }>(
      'select checkpoint_tx::text as tx, checkpoint_pos as pos from process_checkpoints where name = $1',
      [this.reactor.name],
    );
    const row = rows[0];
    return row ? { transactionId: BigInt(row.tx), sequence: BigInt(row.pos) } : { transactionId: 0n, sequence: 0n };
  }

  private async save(client: pg.ClientBase, at: GlobalPosition, events: number): Promise<void> {
    await client.query(
      `insert into process_checkpoints as c (name, checkpoint_tx, checkpoint_pos, events_seen) values ($1, $2::text::xid8, $3, $4)
       on conflict (name) do update set checkpoint_tx = excluded.checkpoint_tx, checkpoint_pos = excluded.checkpoint_pos,
         events_seen = c.events_seen + excluded.events_seen, updated_at = now()`,
      [this.reactor.name, at.transactionId.toString(), at.sequence.toString(), events],
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
