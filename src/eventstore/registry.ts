import type { z } from 'zod';
import { InvalidEventPayload, UnknownEventType } from './errors.js';

/** A versioned event type: `<PastTenseName>.v<N>`, e.g. `PassportSubmitted.v1`. */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Za-z0-9]*\.v[1-9][0-9]*$/;

export interface EventDefinition<T = unknown, N extends string = string> {
  readonly type: N;
  readonly schema: z.ZodType<T>;
}

/** The domain event a definition describes: `{ type, data }`, for a stream type's event union. */
export type EventOf<D> = D extends EventDefinition<infer T, infer N> ? { type: N; data: T } : never;

/** Turns a stored payload of an old type into the next type; chains until a current type. */
export type Upcaster = (payload: unknown) => { type: string; data: unknown };

export function defineEvent<const N extends string, T>(type: N, schema: z.ZodType<T>): EventDefinition<T, N> {
  if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`Event type "${type}" must look like Name.v1`);
  return { type, schema };
}

/**
 * Knows every event type the system may store: validates payloads on append and on read,
 * and upcasts stored events of retired types to their current shape when read.
 */
export class EventRegistry {
  private readonly definitions = new Map<string, EventDefinition>();
  private readonly upcasters = new Map<string, Upcaster>();

  register(...definitions: EventDefinition<any, string>[]): this {
    for (const d of definitions) {
      if (this.definitions.has(d.type) || this.upcasters.has(d.type)) {
        throw new Error(`Event type ${d.type} is registered twice`);
      }
      this.definitions.set(d.type, d);
    }
    return this;
  }

  /** Declares that stored events of `fromType` (no longer written) are read through `upcast`. */
  upcast(fromType: string, upcast: Upcaster): this {
    if (this.definitions.has(fromType)) throw new Error(`${fromType} is current; retire it before upcasting`);
    this.upcasters.set(fromType, upcast);
    return this;
  }

  has(type: string): boolean {
    return this.definitions.has(type);
  }

  /** Parses a payload about to be appended: only current types may be written. */
  parseForAppend(type: string, data: unknown): unknown {
    const def = this.definitions.get(type);
    if (!def) throw new UnknownEventType(type);
    return parseWith(def, data);
  }

  /** Parses a stored payload, upcasting it first if its type is retired. */
  parseStored(type: string, data: unknown): { type: string; data: unknown } {
    let current = { type, data };
    for (let hops = 0; !this.definitions.has(current.type); hops++) {
      const up = this.upcasters.get(current.type);
      if (!up || hops > 20) throw new UnknownEventType(current.type);
      current = up(current.data);
    }
    return { type: current.type, data: parseWith(this.definitions.get(current.type)!, current.data) };
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
