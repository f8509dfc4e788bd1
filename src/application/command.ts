import { fold, type Command, type CommandContext, type DomainEvent } from '../domain/decider.js';
import { PreconditionFailed } from '../domain/errors.js';
import type { StreamType } from '../domain/stream.js';
import type { EventStore, ReadStreamOptions, StoredEvent } from '../eventstore/port.js';
import { metadataOf, type Caller } from './caller.js';

export interface Loaded<S> {
  readonly state: S;
  /** Stream version the state was folded to (0: no events). */
  readonly version: number;
}

/** What a command did to its stream. */
export interface Outcome<S> extends Loaded<S> {
  readonly streamId: string;
  /** True when this was a retry of an idempotent request: nothing new was stored. */
  readonly replayed: boolean;
  /** Ids of the events this command stored (the first request's, when replayed); empty when it decided nothing. */
  readonly eventIds: readonly string[];
}

/** The store and the clock: all a command needs besides its stream type. */
export interface CommandDeps {
  readonly store: EventStore;
  readonly clock: () => Date;
}

/**
 * The stream's events, each narrowed to the stream type's own events; one of another type
 * means the stream id was given to the wrong stream type, which is a bug, not a request error.
 */
export async function readOwn<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: StreamType<C, E, S>,
  streamId: string,
  range: ReadStreamOptions = {},
): Promise<StoredEvent<E>[]> {
  const events: StoredEvent[] = await store.readStream(streamId, range);
  return events.map((e) => stream.own(e));
}

/** Folds a stream (optionally only up to a version) into its decider's state. */
export async function load<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: StreamType<C, E, S>,
  streamId: string,
  toVersion?: number,
): Promise<Loaded<S>> {
  const events = await readOwn(store, stream, streamId, toVersion === undefined ? {} : { to: toVersion });
  return { state: fold(stream.decider, stream.decider.initialState, events), version: events.at(-1)?.version ?? 0 };
}

export interface ExecuteOptions<S> {
  /** Checked on the loaded state before If-Match and the decision (e.g. the caller may not see this object: 404). */
  readonly authorize?: (state: S) => void;
  /** Names the object in messages ("Passport 42 does not exist"). */
  readonly subject?: string;
  /** Ids for the events, by position: a workflow's follow-up step derives them, so a repeated step is recognised. */
  readonly eventIds?: (index: number) => string;
  /** The instant the command is decided at; default the clock (a workflow step takes its trigger's). */
  readonly now?: Date;
}

/**
 * Load, authorise, decide, append: the one way a command changes a stream.
 *
 * - Idempotency-Key: a request already stored under the caller's key is answered from the
 *   stream as that request left it, and nothing is decided or stored again.
 * - If-Match: a stale version is refused (412) before anything is decided.
 * - The append expects the version that was read, so a concurrent writer in between makes it
 *   fail (409) rather than decide on stale state.
 */
async function execute<C extends Command, E extends DomainEvent, S>(
  deps: CommandDeps,
  stream: StreamType<C, E, S>,
  streamId: string,
  caller: Caller,
  /** The command, given its context (time, actor) and the state it is decided on. */
  command: (context: CommandContext, state: S) => C,
  options: ExecuteOptions<S> = {},
): Promise<Outcome<S>> {
  const { store } = deps;
  if (caller.idempotency) {
    const first = await store.findIdempotentResult(caller.idempotency.key, caller.idempotency.fingerprint);
    if (first)
      return {
        ...(await load(store, stream, first.streamId, first.nextVersion)),
        streamId: first.streamId,
        replayed: true,
        eventIds: first.eventIds,
      };
  }
  const { state, version } = await load(store, stream, streamId);
  options.authorize?.(state);
  if (caller.ifMatch !== undefined && caller.ifMatch !== version) throw new PreconditionFailed(caller.ifMatch, version);
  const context = { now: options.now ?? deps.clock(), actor: caller.user.id, ...(options.subject ? { subject: options.subject } : {}) };
  const events = stream.decider.decide(command(context, state), state);
  if (events.length === 0) return { state, version, streamId, replayed: false, eventIds: [] };
  const metadata = metadataOf(caller);
  const result = await store.append(
    streamId,
    events.map((e, i) => ({ ...(options.eventIds ? { id: options.eventIds(i) } : {}), type: e.type, data: e.data, metadata })),
    { expectedVersion: version, ...(caller.idempotency ? { idempotency: caller.idempotency } : {}) },
  );
  if (result.duplicate) {
    // A concurrent retry with the same key (or the same event ids) won the race: answer with what it stored.
    return { ...(await load(store, stream, streamId, result.nextVersion)), streamId, replayed: true, eventIds: result.eventIds };
  }
  return { state: fold(stream.decider, state, events), version: result.nextVersion, streamId, replayed: false, eventIds: result.eventIds };
}

/**
 * Commands of one stream type, bound to the store: `on(deps, findingStream).execute(id, caller, (context) => ({ type: 'CloseFinding', … }))`.
 * Binding the stream type first lets the command's literal type names check against its union.
 */
export function on<C extends Command, E extends DomainEvent, S>(deps: CommandDeps, stream: StreamType<C, E, S>) {
  return {
    load: (streamId: string, toVersion?: number) => load(deps.store, stream, streamId, toVersion),
    read: (streamId: string, range?: ReadStreamOptions) => readOwn(deps.store, stream, streamId, range),
    execute: (streamId: string, caller: Caller, command: (context: CommandContext, state: S) => C, options?: ExecuteOptions<S>) =>
      execute(deps, stream, streamId, caller, command, options),
  };
}
