import type { z } from 'zod';
import { InvalidEventPayload, UnknownEventType } from './errors.js';
import type { EventShape, NewEvent } from './port.js';

/** A versioned event type: `<PastTenseName>.v<N>`, e.g. `PassportSubmitted.v1`. */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$/;

export interface EventDefinition<T = unknown, N extends string = string> {
  readonly type: N;
  readonly schema: z.ZodType<T>;
}

/**
 * A definition of any payload type. A zod schema is invariant in the type it parses to, so a list
 * of definitions of different events has no narrower element type than this.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEventDefinition<N extends string = string> = EventDefinition<any, N>;

/** The domain event a definition describes: `{ type, data }`, for a stream type's event union. */
export type EventOf<D> = D extends EventDefinition<infer T, infer N> ? { type: N; data: T } : never;

/** What an upcaster may know of the stream besides the payload: the types stored before the event, in the same stream. */
export interface UpcastContext {
  readonly earlierTypes: ReadonlySet<string>;
}

/** Turns a stored payload of a retired type into the next type; chains until a current type. */
export type Upcaster = (payload: unknown, context: UpcastContext) => { type: string; data: unknown };

export function defineEvent<const N extends string, T>(type: N, schema: z.ZodType<T>): EventDefinition<T, N> {
  if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`Event type "${type}" must look like Name.v1`);
  return { type, schema };
}

const NO_CONTEXT: UpcastContext = { earlierTypes: new Set() };

/**
 * Knows every event type the system may store: validates payloads on append and on read,
 * and upcasts stored events of retired types to their current shape when read. `E` is the
 * union of the registered events: what the store hands back is an `E` because it was parsed
 * here with the schema registered for its type name.
 */
export class EventRegistry<E extends EventShape = EventShape> {
  private readonly definitions = new Map<string, EventDefinition>();
  private readonly upcasters = new Map<string, { upcast: Upcaster; contextual: boolean }>();

  private constructor() {}

  /** A registry of exactly these event definitions; its event union is theirs. */
  static of<const D extends readonly AnyEventDefinition[]>(...definitions: D): EventRegistry<EventOf<D[number]>> {
    const registry = new EventRegistry<EventOf<D[number]>>();
    for (const d of definitions) {
      if (registry.definitions.has(d.type)) throw new Error(`Event type ${d.type} is registered twice`);
      registry.definitions.set(d.type, d);
    }
    return registry;
  }

  /**
   * Declares that stored events of `fromType` (no longer written) are read through `upcast`.
   * `contextual`: the upcaster needs the types stored before the event in its stream (the
   * adapters then supply them; only these types pay for it).
   */
  upcast(fromType: string, upcast: Upcaster, options: { contextual?: boolean } = {}): this {
    if (this.definitions.has(fromType)) throw new Error(`${fromType} is current; retire it before upcasting`);
    if (this.upcasters.has(fromType)) throw new Error(`${fromType} already has an upcaster`);
    this.upcasters.set(fromType, { upcast, contextual: options.contextual ?? false });
    return this;
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  /** Stored types whose upcaster needs the earlier types of the stream. */
  get contextualTypes(): readonly string[] {
    return [...this.upcasters].filter(([, u]) => u.contextual).map(([type]) => type);
  }

  isContextual(type: string): boolean {
    return this.upcasters.get(type)?.contextual ?? false;
  }

  /** Parses a payload about to be appended: only current types may be written. */
  parseForAppend(event: NewEvent<E>): unknown {
    const def = this.definitions.get(event.type);
    if (!def) throw new UnknownEventType(event.type);
    return parseWith(def, event.data);
  }

  /** Parses a stored payload, upcasting it first if its type is retired. */
  parseStored(type: string, data: unknown, context: UpcastContext = NO_CONTEXT): E {
    let current = { type, data };
    for (let hops = 0; !this.definitions.has(current.type); hops++) {
      const up = this.upcasters.get(current.type);
      if (!up || hops > 20) throw new UnknownEventType(current.type);
      current = up.upcast(current.data, context);
    }
    const parsed = { type: current.type, data: parseWith(this.definitions.get(current.type)!, current.data) };
    // The only place the event union is asserted: the type name is registered and the payload passed its schema.
    return parsed as E;
  }

  /**
   * A stored payload as the store holds it, for a reader that hands stored events back out (an
   * export) rather than acting on them: a current type is not parsed again, since its payload
   * is the output of this schema when it was appended (`parseForAppend`, in every adapter) and
   * the log is append-only, with its hash chain to show it unchanged. Parsing each again took
   * an eighth of an export. A retired type is upcast and the result parsed, as when read.
   */
  readStored(type: string, data: unknown, context: UpcastContext = NO_CONTEXT): E {
    if (this.definitions.has(type)) return { type, data } as E;
    return this.parseStored(type, data, context);
  }
}

function parseWith(def: EventDefinition, data: unknown): unknown {
  const result = def.schema.safeParse(data);
  if (!result.success) {
    throw new InvalidEventPayload(
      def.type,
      result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return result.data;
}
