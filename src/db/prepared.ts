import { createHash } from 'node:crypto';
import pg from 'pg';

/** Most statement texts marked; beyond, a marked statement runs unprepared as before. */
const MAX_PREPARED = 256;

const names = new Map<string, string>();

/**
 * Marks a statement to be prepared on every connection that runs it, and returns its text:
 * `pool.query(prepared(\`select … where stream_id = $1\`), [id])`. For the statements the
 * service runs on every request or batch whose plan cannot depend on the values: reads by key,
 * the append, the idempotency rows. Not for a query whose best plan depends on its filters
 * (the officers' queue, a report): PostgreSQL keeps a prepared statement's generic plan once it
 * looks no dearer than a custom one, and a generic plan of the queue page made its p99 79 ms
 * instead of 19 ms. The same text always gets the same name (a hash of it).
 */
export function prepared(text: string): string {
  if (!names.has(text) && names.size < MAX_PREPARED) names.set(text, `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`);
  return text;
}

/** The name a statement marked by {@link prepared} runs under; undefined for any other. */
export function statementName(text: string): string | undefined {
  return names.get(text);
}

type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const isQuery = (f: unknown): f is Query => typeof f === 'function';
const plain: unknown = Reflect.get(pg.Client.prototype, 'query');
if (!isQuery(plain)) throw new Error('pg.Client has no query method');
const plainQuery = plain;

/**
 * A client that prepares the statements marked by {@link prepared}, by name, once per
 * connection. An unnamed statement is parsed, analysed and planned by the server on every run:
 * on the submission path (the stream's events, the idempotency rows) that was a third of
 * PostgreSQL's CPU, more than running them. A named one is parsed once, and planned once where
 * PostgreSQL finds its generic plan no dearer than a custom one. Only statements with values are
 * named (they already use the extended protocol, one statement to a text); a statement already
 * named, a cursor or a COPY passes through as it is. DDL on a table a prepared statement reads
 * makes the server re-plan it.
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
