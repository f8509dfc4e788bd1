import type { StoredEvent } from '../eventstore/port.js';
import type { AnyEventDefinition, EventDefinition, Upcaster } from '../eventstore/registry.js';
import type { Command, Decider, DomainEvent } from './decider.js';

/** A stored type that is no longer written, and how it is read as a current one. */
export interface RetiredEvent {
  readonly type: string;
  readonly upcast: Upcaster;
  /** The upcaster needs the types stored before the event in its stream. */
  readonly contextual?: boolean;
}

/**
 * Everything the rest of the system knows about one stream type: the prefix of its stream ids,
 * its events (current and retired) and its pure decider. The application layer loads and
 * appends through it; the store's events are narrowed to the stream's own with `owns`.
 */
export interface StreamType<C extends Command, E extends DomainEvent, S> {
  /** Prefix of the stream ids: `passport` in `passport-<projectId>`. */
  readonly name: string;
  readonly decider: Decider<C, E, S>;
  readonly events: readonly EventDefinition<unknown, E['type']>[];
  readonly retired: readonly RetiredEvent[];
  /**
   * The projects the stream's events belong to, from its state after them: every event is
   * attributed to them when it is stored. Reference data (funds, programmes, nodes) belongs to none.
   */
  projects(this: void, state: S): readonly ProjectRef[];
  /** True when the event is one of this stream type's: narrows a store-wide event union to the stream's. */
  owns<X extends DomainEvent>(this: void, event: X): event is Extract<X, { type: E['type'] }>;
  /** The stored event as one of this stream type's; any other type is an error (a stream id handed to the wrong stream type). */
  own(this: void, event: StoredEvent): StoredEvent<E>;
  /** How its folded states may be kept between commands (src/application/stream-states.ts); absent: folded from the start each time. */
  readonly snapshots?: SnapshotPolicy;
}

/**
 * A stream type whose states are kept: the latest state of each stream in memory, and (with
 * `every`) written to the snapshot table every that many events, so loading a stream reads and
 * folds only the events after the state kept. A kept state is always the fold of stored events,
 * never a decider's output, so it is what a fold from the start would give.
 */
export interface SnapshotPolicy {
  /**
   * Names the state's shape and the fold that made it (`budget.1`). Change it whenever
   * `evolve`, the state's type or an upcaster of the stream's events changes: snapshots under
   * another name are ignored (and replaced), so an old fold never answers for a new one.
   */
  readonly schema: string;
  /** Write a snapshot once this many events (or a quarter of the stream, if more) were stored after the last one; absent: memory only. */
  readonly every?: number;
}

/**
 * A project a stream's events belong to. The organisation (the beneficiary's registration
 * number) is given when the state knows it; otherwise the application looks it up from the
 * project's passport.
 */
export interface ProjectRef {
  readonly projectId: string;
  readonly organisation?: string;
}

/** Any stream type, for code that handles every one of them alike (history, time travel). */
export type AnyStreamType = StreamType<Command, DomainEvent, unknown>;

export function defineStreamType<C extends Command, E extends DomainEvent, S>(definition: {
  name: string;
  decider: Decider<C, E, S>;
  events: readonly AnyEventDefinition<E['type']>[];
  retired?: readonly RetiredEvent[];
  projects?: (state: S) => readonly ProjectRef[];
  snapshots?: SnapshotPolicy;
}): StreamType<C, E, S> {
  const types = new Set<string>(definition.events.map((e) => e.type));
  function owns<X extends DomainEvent>(event: X): event is Extract<X, { type: E['type'] }> {
    return types.has(event.type);
  }
  function own(event: StoredEvent): StoredEvent<E> {
    if (!types.has(event.type)) throw new Error(`${event.streamId} holds ${event.type}, which is not a ${definition.name} event`);
    // Its type name is one of this stream type's, and the registry parsed its payload with that type's schema.
    return event as StoredEvent<E>;
  }
  return {
    name: definition.name,
    decider: definition.decider,
    events: definition.events,
    retired: definition.retired ?? [],
    projects: definition.projects ?? (() => []),
    owns,
    own,
    ...(definition.snapshots ? { snapshots: definition.snapshots } : {}),
  };
}
