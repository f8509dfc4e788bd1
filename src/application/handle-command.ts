import { fold, type Command, type Decider, type DomainEvent } from '../domain/decider.js';
import { PreconditionFailed } from '../domain/errors.js';
import type { EventMetadata, EventStore } from '../eventstore/port.js';

export interface Loaded<S> {
  readonly state: S;
  /** Stream version the state was folded to (0: no events). */
  readonly version: number;
}

export interface Handled<S> extends Loaded<S> {
  /** True when this was a retry of an idempotent request: nothing new was stored. */
  readonly replayed: boolean;
}

export interface HandleOptions<S = unknown> {
  readonly metadata: EventMetadata;
  /** From If-Match: the version the client last saw; a different current version is refused. */
  readonly ifMatch?: number;
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  /** Checked on the current state before anything is decided (e.g. organisation scoping). */
  readonly authorize?: (state: S) => void;
}

/** Folds a stream (optionally only up to a version) into its decider's state. */
export async function load<S, E extends DomainEvent>(
  store: EventStore,
  decider: Pick<Decider<any, E, S>, 'evolve' | 'evolveAll' | 'initialState'>,
  streamId: string,
  toVersion?: number,
): Promise<Loaded<S>> {
  const events = await store.readStream(streamId, toVersion === undefined ? {} : { to: toVersion });
  return {
    state: fold(decider, decider.initialState, events as unknown as E[]),
    version: events.at(-1)?.version ?? 0,
  };
}

/**
 * Read, decide, append: the one way commands change the system. The append expects the
 * version that was read, so a concurrent writer in between makes this fail (409) rather
 * than decide on stale state.
 */
export async function handleCommand<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  options: HandleOptions<S>,
): Promise<Handled<S>> {
  if (options.idempotency) {
    const { key, fingerprint } = options.idempotency;
    const first = await store.findIdempotentResult(key, fingerprint);
    if (first) return { ...(await load(store, decider, first.streamId, first.nextVersion)), replayed: true };
  }
  const { state, version } = await load(store, decider, streamId);
  options.authorize?.(state);
  if (options.ifMatch !== undefined && options.ifMatch !== version) {
    throw new PreconditionFailed(options.ifMatch, version);
  }
  const events = decider.decide(command, state);
  if (events.length === 0) return { state, version, replayed: false };
  const result = await store.append(
    streamId,
    events.map((e) => ({ type: e.type, data: e.data, metadata: options.metadata })),
    { expectedVersion: version, ...(options.idempotency ? { idempotency: options.idempotency } : {}) },
  );
  if (result.duplicate) {
    // A concurrent retry with the same key won the race: answer with what it stored.
    return { ...(await load(store, decider, streamId, result.nextVersion)), replayed: true };
  }
  return { state: fold(decider, state, events), version: result.nextVersion, replayed: false };
}
