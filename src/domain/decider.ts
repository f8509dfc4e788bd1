/** A domain event before it is stored: type and payload; metadata is added by the command handler. */
export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/** Time, ids and the actor come in with the command, so deciders stay pure. */
export interface CommandContext {
  readonly now: Date;
  readonly actor: string;
  /** Id of the object the command is about, for messages (e.g. "Project 42 does not exist"). */
  readonly subject?: string;
}

export interface Command<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
  readonly context: CommandContext;
}

/** A stream type's pure business logic: no I/O anywhere in it. */
export interface Decider<C extends Command, E extends DomainEvent, S> {
  decide(this: void, command: C, state: S): E[];
  evolve(this: void, state: S, event: E): S;
  /**
   * Many events at once, for streams that grow long (a budget with thousands of invoices):
   * the same result as reducing with `evolve`, without copying the state once per event.
   * Must not change `state`.
   */
  evolveAll?(this: void, state: S, events: readonly E[]): S;
  readonly initialState: S;
}

/** The state after `events`: `evolveAll` when the decider has one, else `evolve` one by one. */
export function fold<S, E extends DomainEvent>(
  decider: Pick<Decider<Command, E, S>, 'evolve' | 'evolveAll'>,
  state: S,
  events: readonly E[],
): S {
  return decider.evolveAll ? decider.evolveAll(state, events) : events.reduce((s, e) => decider.evolve(s, e), state);
}

export class UnknownMessage extends Error {
  constructor(readonly message_: never) {
    super(`Unknown message ${JSON.stringify(message_)}`);
    this.name = 'UnknownMessage';
  }
}
