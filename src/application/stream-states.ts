import { fold, type Command, type DomainEvent } from '../domain/decider.js';
import type { StreamType } from '../domain/stream.js';
import type { EventStore, ReadStreamOptions, StoredEvent } from '../eventstore/port.js';
import type { KeptState, SnapshotStore } from '../eventstore/snapshots.js';

/** What loading streams cost: the events read from the store and folded, the snapshots read and written. */
export interface StreamStateStats {
  eventsRead: number;
  snapshotsRead: number;
  snapshotsWritten: number;
}

const MAX_KEPT_EVENTS = 2_000_000;
const MAX_KEPT_STREAMS = 20_000;

/**
 * The latest state of streams whose type keeps them (`snapshots` in defineStreamType): in
 * memory (least recently used first out, bounded by the events they fold), and in a snapshot
 * store every `every` events, or every quarter of the stream's length once that is more (writing
 * a budget of 10,000 invoices serialises 3 MB: a snapshot every 500 events of it would cost more
 * than the events it saves reading), so a process that has not seen a stream yet starts from the
 * last snapshot and reads at most a quarter of the stream after it. Loading reads only the events after the state kept, however long the stream is (a
 * budget grows by an event per invoice). A kept state is only ever made by folding events read
 * from the store, so it is the state a fold from the start would give; events are never changed,
 * so a state kept at version n stays right however stale, and the events after it always come
 * from the store. One per event store ({@link statesOf}).
 */
export class StreamStates {
  readonly stats: StreamStateStats = { eventsRead: 0, snapshotsRead: 0, snapshotsWritten: 0 };
  private readonly memory = new Map<string, KeptState>();
  private weight = 0;
  /** The version of each stream's last snapshot written or read, so one is written only every `every` events. */
  private readonly persisted = new Map<string, number>();
  private readonly writing = new Set<Promise<void>>();
  private snapshots: SnapshotStore | undefined;
  private onError: (err: unknown) => void = () => undefined;

  constructor(private readonly store: EventStore) {}

  /** Snapshots of the stream types that ask for them are read from and written to `snapshots`. */
  useSnapshots(snapshots: SnapshotStore, onError: (err: unknown) => void): void {
    this.snapshots = snapshots;
    this.onError = onError;
  }

  /** The stream's state at its last version, or at `toVersion`: the state kept plus the events after it. */
  async load<C extends Command, E extends DomainEvent, S>(
    stream: StreamType<C, E, S>,
    streamId: string,
    toVersion?: number,
  ): Promise<{ state: S; version: number }> {
    const policy = stream.snapshots;
    let kept = policy ? await this.kept(streamId, policy) : undefined;
    if (kept && toVersion !== undefined && kept.version > toVersion) kept = undefined; // an earlier version: from the start
    if (kept && kept.version === toVersion) return { state: kept.state as S, version: kept.version };
    const range: ReadStreamOptions = { ...(kept ? { from: kept.version + 1 } : {}), ...(toVersion === undefined ? {} : { to: toVersion }) };
    const tail = await this.read(stream, streamId, range);
    // Nothing new: the state kept as it is (a budget's fold copies its collections, 10,000 invoices of them).
    const state =
      kept && tail.length === 0 ? (kept.state as S) : fold(stream.decider, kept ? (kept.state as S) : stream.decider.initialState, tail);
    const version = tail.at(-1)?.version ?? kept?.version ?? 0;
    if (policy && version > 0 && (kept === undefined || version > kept.version)) {
      this.remember(streamId, { version, schema: policy.schema, state });
      if (policy.every !== undefined && version - (this.persisted.get(streamId) ?? 0) >= Math.max(policy.every, Math.floor(version / 4))) {
        this.persist(streamId, { version, schema: policy.schema, state });
      }
    }
    return { state, version };
  }

  /** The stream's events in a range, each narrowed to the stream type's own; counted in {@link stats}. */
  async read<C extends Command, E extends DomainEvent, S>(
    stream: StreamType<C, E, S>,
    streamId: string,
    range: ReadStreamOptions = {},
  ): Promise<StoredEvent<E>[]> {
    const events: StoredEvent[] = await this.store.readStream(streamId, range);
    this.stats.eventsRead += events.length;
    return events.map((e) => stream.own(e));
  }

  /** Resolves once the snapshots being written are written (or have failed). */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.allSettled([...this.writing]);
  }

  /** Forgets every state kept in memory (snapshots stay): tests load as a process that has not seen a stream would. */
  forget(): void {
    this.memory.clear();
    this.persisted.clear();
    this.weight = 0;
  }

  private async kept(streamId: string, policy: { schema: string; every?: number }): Promise<KeptState | undefined> {
    const inMemory = this.memory.get(streamId);
    if (inMemory?.schema === policy.schema) {
      // Least recently used goes first: this one moves to the end.
      this.memory.delete(streamId);
      this.memory.set(streamId, inMemory);
      return inMemory;
    }
    if (policy.every === undefined || !this.snapshots) return undefined;
    let snapshot: KeptState | null;
    try {
      snapshot = await this.snapshots.read(streamId);
    } catch (err) {
      this.onError(err);
      return undefined;
    }
    if (snapshot?.schema !== policy.schema) return undefined;
    this.stats.snapshotsRead++;
    this.persisted.set(streamId, snapshot.version);
    return snapshot;
  }

  private remember(streamId: string, kept: KeptState): void {
    const earlier = this.memory.get(streamId);
    if (earlier) {
      if (earlier.schema === kept.schema && earlier.version >= kept.version) return; // a concurrent load got further
      this.memory.delete(streamId);
      this.weight -= earlier.version;
    }
    this.memory.set(streamId, kept);
    this.weight += kept.version;
    for (const [id, old] of this.memory) {
      if (this.weight <= MAX_KEPT_EVENTS && this.memory.size <= MAX_KEPT_STREAMS) break;
      this.memory.delete(id);
      this.persisted.delete(id);
      this.weight -= old.version;
    }
  }

  /** Written in the background: the command that loaded the stream does not wait for it. */
  private persist(streamId: string, kept: KeptState): void {
    if (!this.snapshots) return;
    this.persisted.set(streamId, kept.version);
    const writing: Promise<void> = this.snapshots.write(streamId, kept).then(
      () => void this.stats.snapshotsWritten++,
      (err: unknown) => {
        this.persisted.delete(streamId);
        this.onError(err);
      },
    );
    this.writing.add(writing);
    void writing.finally(() => this.writing.delete(writing));
  }
}

const byStore = new WeakMap<EventStore, StreamStates>();

/** The kept states of one event store's streams. */
export function statesOf(store: EventStore): StreamStates {
  let states = byStore.get(store);
  if (!states) byStore.set(store, (states = new StreamStates(store)));
  return states;
}
