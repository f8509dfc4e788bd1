import { BACKWARDS, END, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { EventStoreUnavailable } from '../errors.js';
import type { KurrentClient } from './adapter.js';
import { STORE_NAME, toEventStoreError } from './mapping.js';

/** A client for `kurrentdb://…` / `esdb://…` (single node, or `+discover` for a cluster's gossip). */
export function createKurrentDbClient(url: string): KurrentDBClient {
  return KurrentDBClient.connectionString(url);
}

/**
 * Proves at start that the server answers and lets this user read $all (what the adapter
 * does most): reads the last event of $all within `timeoutMs`. Throws
 * EventStoreUnavailable (unreachable, no answer in time) or EventStoreAccessDenied
 * (wrong credentials, or a user that may not read $all).
 */
export async function checkKurrentDbConnection(client: KurrentClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new EventStoreUnavailable(STORE_NAME, `no answer within ${timeoutMs} ms (is the server running and KURRENTDB_URL right?)`)),
      timeoutMs,
    );
  });
  const probe = (async () => {
    try {
      for await (const _ of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1n, deadline: timeoutMs })) break;
    } catch (err) {
      throw toEventStoreError(err);
    }
  })();
  try {
    await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
    probe.catch(() => undefined);
  }
}
