import { fold, type Command, type CommandContext, type DomainEvent } from '../domain/decider.js';
import { NotFound, PreconditionFailed } from '../domain/errors.js';
import { passportStream, passportStreamId } from '../domain/passport/decider.js';
import type { ProjectRef, StreamType } from '../domain/stream.js';
import { ConcurrencyError } from '../eventstore/errors.js';
import type { Attribution, EventStore, ReadStreamOptions, StoredEvent } from '../eventstore/port.js';
import { metadataOf, type Caller } from './caller.js';
import { statesOf } from './stream-states.js';

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
 * The stream's events, each narrowed to the stream type's own; one of another type
 * means the stream id was given to the wrong stream type, which is a bug, not a request error.
 */
export function readOwn<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: StreamType<C, E, S>,
  streamId: string,
  range: ReadStreamOptions = {},
): Promise<StoredEvent<E>[]> {
  return statesOf(store).read(stream, streamId, range);
}

/**
 * Folds a stream (optionally only up to a version) into its decider's state. A stream type that
 * keeps its states (a budget) starts from the state kept and reads only the events after it.
 */
export function load<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: StreamType<C, E, S>,
  streamId: string,
  toVersion?: number,
): Promise<Loaded<S>> {
  return statesOf(store).load(stream, streamId, toVersion);
}

/** A stream's events folded from the start: the state, and the version of the last one (0: none). */
function folded<C extends Command, E extends DomainEvent, S>(stream: StreamType<C, E, S>, events: readonly StoredEvent<E>[]): Loaded<S> {
  return { state: fold(stream.decider, stream.decider.initialState, events), version: events.at(-1)?.version ?? 0 };
}

/**
 * A stream as it stood at `asOf`: only its events recorded at or before that instant are
 * folded, so nothing recorded later can change the answer; the version is the last of them
 * (0: nothing recorded by then). Without `asOf`, every event stored: the current state.
 * The one rule for every as-of read of a stream's state.
 */
export async function loadAsOf<C extends Command, E extends DomainEvent, S>(
  store: EventStore,
  stream: StreamType<C, E, S>,
  streamId: string,
  asOf: Date | undefined,
): Promise<Loaded<S>> {
  if (asOf === undefined) return load(store, stream, streamId);
  // From the start: a kept state is cut at a version, not at an instant, and versions are not in recorded-time order across a stream's writers.
  return folded(
    stream,
    (await readOwn(store, stream, streamId)).filter((e) => e.recordedAt.getTime() <= asOf.getTime()),
  );
}

/** The 404 of an as-of read when the object exists now but nothing of it was recorded by `asOf`. */
export function notYetAt(what: string, id: string, asOf: Date): NotFound {
  const err = new NotFound(what, id);
  err.message = `${what} ${id} did not exist yet at ${asOf.toISOString()}`;
  return err;
}

export interface ExecuteOptions<S> {
  /** Checked on the loaded state before If-Match and the decision (e.g. the caller may not see this object: 404). */
  readonly authorize?: (state: S) => void;
  /** Names the object in messages ("Project 42 does not exist"). */
  readonly subject?: string;
  /** Ids for the events, by position: a workflow's follow-up step derives them, so a repeated step is recognised. */
  readonly eventIds?: (index: number) => string;
  /** The instant the command is decided at; default the clock (a workflow step takes its trigger's). */
  readonly now?: Date;
  /**
   * The stream as the caller already holds it, so it is not read again (an import job appends
   * chunk after chunk to a budget of 100,000 invoices). If it is stale, the append loses the
   * race on the version, as to a concurrent writer, and the command is decided again on the stream as loaded then.
   */
  readonly loaded?: Loaded<S>;
}

/** How often a command whose append lost a race on its stream's version is decided again, in all. */
export const MAX_ATTEMPTS = 16;

/**
 * Load, authorise, decide, append: the one way a command changes a stream.
 *
 * - Idempotency-Key: a request already stored under the caller's key is answered from the
 *   stream as that request left it, and nothing is stored again (the append finds the key; a
 *   decision refused on the stream the first request changed looks the key up).
 * - If-Match: a stale version is refused (412) before anything is decided.
 * - The append expects the version that was read, so nothing is ever stored on stale state.
 *   Commands of one stream in this process take turns (load, decide, append), so they never
 *   race each other; an append that still loses the race (another process, or the background
 *   thread, wrote in between) is decided again on the fresh state, after a random pause of up
 *   to 2^attempt ms (at most 50 ms), keeping its turn, up to {@link MAX_ATTEMPTS} times in all:
 *   the client sees only real conflicts, the decider's own refusals (409 naming the rule). With
 *   If-Match the client asked for the version it saw, so a lost race is 412 at once.
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
  /**
   * The answer to a retry: the stream as the request stored under the caller's key left it, or
   * null. Looked up only when this try cannot be the first (its decision was refused, or decided
   * nothing): a retry that decides again is recognised by the append itself, which finds the key
   * and stores nothing. A first request, the usual case, costs no lookup.
   */
  const replay = async (): Promise<Outcome<S> | null> => {
    if (!caller.idempotency) return null;
    const first = await store.findIdempotentResult(caller.idempotency.key, caller.idempotency.fingerprint);
    if (!first) return null;
    return {
      ...(await load(store, stream, first.streamId, first.nextVersion)),
      streamId: first.streamId,
      replayed: true,
      eventIds: first.eventIds,
    };
  };
  /** One try: load (or take the state given), authorise, check If-Match, decide, append. */
  const attempt = async (given: Loaded<S> | undefined): Promise<Outcome<S>> => {
    const { state, version } = given ?? (await load(store, stream, streamId));
    options.authorize?.(state);
    if (caller.ifMatch !== undefined && caller.ifMatch !== version) throw new PreconditionFailed(caller.ifMatch, version);
    const context = { now: options.now ?? deps.clock(), actor: caller.user.id, ...(options.subject ? { subject: options.subject } : {}) };
    const events = stream.decider.decide(command(context, state), state);
    if (events.length === 0) return (await replay()) ?? { state, version, streamId, replayed: false, eventIds: [] };
    const metadata = metadataOf(caller);
    const next = fold(stream.decider, state, events);
    const result = await store.append(
      streamId,
      events.map((e, i) => ({ ...(options.eventIds ? { id: options.eventIds(i) } : {}), type: e.type, data: e.data, metadata })),
      {
        expectedVersion: version,
        attribution: await attribution(store, stream.projects(next)),
        ...(caller.idempotency ? { idempotency: caller.idempotency } : {}),
      },
    );
    if (result.duplicate) {
      // The request was stored before (a retry, or a concurrent one with the same key or event ids): answer with what
      // it stored, in the stream it stored it in (a retry of a draft decides a new project id; the first one's counts).
      const answer = await replay();
      return (
        answer ?? { ...(await load(store, stream, streamId, result.nextVersion)), streamId, replayed: true, eventIds: result.eventIds }
      );
    }
    return { state: next, version: result.nextVersion, streamId, replayed: false, eventIds: result.eventIds };
  };
  return inTurn(store, streamId, async () => {
    for (let n = 1; ; n++) {
      try {
        // Only the first try may start from the state the caller holds; a retry loads the stream as it is now.
        return await attempt(n === 1 ? options.loaded : undefined);
      } catch (err) {
        // Refused (a rule, If-Match, a lost race): if this is a retry of a stored request, its answer.
        if (!(err instanceof ConcurrencyError) || caller.ifMatch !== undefined || n >= MAX_ATTEMPTS) {
          const answer = await replay();
          if (answer) return answer;
        }
        if (!(err instanceof ConcurrencyError)) throw err;
        if (caller.ifMatch !== undefined) throw new PreconditionFailed(caller.ifMatch, err.actualVersion);
        if (n >= MAX_ATTEMPTS) throw err;
        await sleep(Math.random() * Math.min(50, 2 ** n));
      }
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Per event store, per stream: the end of the line of commands taking turns on it (gone once nobody waits). */
const turns = new WeakMap<EventStore, Map<string, Promise<void>>>();

/**
 * Runs `fn` once every command of the stream that came before it here has finished, so commands
 * of one stream in this process never decide on the same version. Streams do not wait for each
 * other, and appends of different streams still share the store's group commits.
 */
function inTurn<T>(store: EventStore, streamId: string, fn: () => Promise<T>): Promise<T> {
  let line = turns.get(store);
  if (!line) turns.set(store, (line = new Map<string, Promise<void>>()));
  const before = line.get(streamId);
  const mine = before ? before.then(fn) : fn();
  const done = mine.then(
    () => undefined,
    () => undefined,
  );
  line.set(streamId, done);
  void done.then(() => {
    if (line.get(streamId) === done) line.delete(streamId);
  });
  return mine;
}

/** Beneficiary of each project, by project id: it never changes (a passport's recipient is fixed), so it is read once per process. */
const beneficiaries = new WeakMap<EventStore, Map<string, string>>();

/**
 * The projects the events belong to, each with its beneficiary: from the stream's state when it
 * knows it (passport, budget), otherwise from the project's passport, whose first event names the recipient.
 */
async function attribution(store: EventStore, projects: readonly ProjectRef[]): Promise<Attribution[]> {
  let known = beneficiaries.get(store);
  if (!known) beneficiaries.set(store, (known = new Map<string, string>()));
  return Promise.all(
    projects.map(async ({ projectId, organisation }) => {
      let owner = organisation ?? known.get(projectId);
      if (owner === undefined) {
        const [drafted] = await store.readStream(passportStreamId(projectId), { to: 1 });
        owner =
          drafted && passportStream.owns(drafted)
            ? passportStream.projects(fold(passportStream.decider, passportStream.decider.initialState, [drafted]))[0]?.organisation
            : undefined;
      }
      if (owner !== undefined) {
        if (known.size >= 50_000) known.clear();
        known.set(projectId, owner);
      }
      return { projectId, organisation: owner ?? null };
    }),
  );
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
