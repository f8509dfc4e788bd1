/**
 * Errors that mean "the database is not there right now" (stopped, restarting, a network cut),
 * as opposed to a fault in a query: they are answered 503 and retried, and logged as one line,
 * not as a stack trace per connection.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now, and class 08 (connection exceptions). */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);
const MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Cannot use a pool after calling end on the pool',
  'Client was closed and is not queryable',
  'the database system is shutting down',
  'the database system is starting up',
  'the database system is in recovery mode',
];

export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SHUTDOWN_STATES.has(code) || /^08/.test(code))) return true;
    if (MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true;
    if (e instanceof AggregateError && e.errors.some(isConnectionError)) return true;
  }
  return false;
}

/** What a log line carries for `err`: the reason alone for an expected disconnection, the whole error otherwise. */
export function logged(err: unknown): { reason: string } | { err: unknown } {
  if (!isConnectionError(err)) return { err };
  const e = err as Error & { code?: string };
  const message = e.message || (e instanceof AggregateError ? e.errors.map((x: Error) => x.message).join('; ') : '');
  return { reason: e.code ? `${e.code}: ${message}` : message };
}

/**
 * The service cannot start, for a reason its operator can fix; `message` is one line saying which
 * and what to do (printed as is, without a stack, exit code 1).
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
