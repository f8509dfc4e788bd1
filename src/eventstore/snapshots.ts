/** A stream's state as folded up to a version, and the fold it was made by (the stream type's snapshot schema). */
export interface KeptState {
  readonly version: number;
  readonly schema: string;
  readonly state: unknown;
}

/**
 * Where snapshots are written (PostgreSQL: `es_snapshots`, ./postgres/snapshots.ts; kept and read by src/application/stream-states.ts).
 * A snapshot is a cache of a fold of stored events: losing one, or all, only costs a longer read.
 */
export interface SnapshotStore {
  /** The stream's last snapshot, or null. */
  read(streamId: string): Promise<KeptState | null>;
  /** Keeps `kept` unless a snapshot of a later version of the same schema is there already. */
  write(streamId: string, kept: KeptState): Promise<void>;
}
