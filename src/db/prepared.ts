import { createHash } from 'node:crypto';
import pg from 'pg';

/** A statement text is prepared once it has run this many times in the process. */
const HOT_AFTER = 3;
/** Most statement texts counted, and most prepared; beyond, statements run unprepared as before. */
const MAX_COUNTED = 4096;
const MAX_PREPARED = 512;

const runs = new Map<string, number>();
const names = new Map<string, string>();

/**
 * The name a parameterised statement is prepared under on every connection, once the process
 * has run its text {@link HOT_AFTER} times: the same text always gets the same name (a hash of
 * it). Statements built with literals in their text (a list of ids, a COPY) rarely repeat and
 * stay unnamed; both maps are bounded, so a process that builds texts freely cannot grow them.
 */
export function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined) return known;
  const n = (runs.get(text) ?? 0) + 1;
  if (n < HOT_AFTER) {
    if (runs.size < MAX_COUNTED || runs.has(text)) runs.set(text, n);
    return undefined;
  }
  if (names.size >= MAX_PREPARED) return undefined;
  runs.delete(text);
  const name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  names.set(text, name);
  return name;
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const isQuery = (f: unknown): f is Query => typeof f === 'function';
const plain: unknown = Reflect.get(pg.Client.prototype, 'query');
if (!isQuery(plain)) throw new Error('pg.Client has no query method');
const plainQuery = plain;

/**
 * A client whose repeated parameterised statements are prepared, by name, once per connection.
 * An unnamed statement is parsed, analysed and planned by the server on every run: on the
 * submission path (the stream's events, the idempotency rows, the projections' checkpoints)
 * that was a third of PostgreSQL's CPU, more than running them. A named one is parsed once, and
 * PostgreSQL keeps its generic plan where that plan costs no more than a custom one (custom
 * plans otherwise, as before). Only statements with values are named (they already use the
 * extended protocol, one statement to a text); a statement already named, a cursor or a COPY
 * passes through as it is. DDL on a table a prepared statement reads makes the server re-plan it.
 */
export class PreparingClient extends pg.Client {}

function preparingQuery(this: pg.Client, ...args: unknown[]): unknown {
  const [first, second] = args;
  if (typeof first === 'string' && Array.isArray(second) && second.length > 0) {
    const name = statementName(first);
    if (name !== undefined) return plainQuery.call(this, { name, text: first, values: second }, ...args.slice(2));
  } else if (isPlainConfig(first) && Array.isArray(first.values) && first.values.length > 0) {
    const name = statementName(first.text);
    if (name !== undefined) return plainQuery.call(this, { ...first, name }, ...args.slice(1));
  }
  return plainQuery.apply(this, args);
}
Object.defineProperty(PreparingClient.prototype, 'query', { value: preparingQuery, writable: true, configurable: true });

/** A `{ text, values }` query config without a name or a submit function of its own (a cursor, a COPY stream). */
function isPlainConfig(value: unknown): value is { text: string; values?: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const config = value as Record<string, unknown>;
  return typeof config.text === 'string' && config.name === undefined && typeof config.submit !== 'function';
}
