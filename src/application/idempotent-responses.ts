import type pg from 'pg';
import { prepared } from '../db/prepared.js';

/** The first answer to a request sent with an Idempotency-Key: what a retry gets back. */
export interface StoredResponse {
  readonly fingerprint: string;
  readonly status: number;
  /** Only the headers that describe the answer: content type, ETag, Location. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/**
 * Answers kept per (caller, Idempotency-Key) so a retry gets exactly the first status and body.
 * What keeps a retry from storing anything twice is the append under the same key, in the event
 * store's own transaction; this only remembers the answer, so losing one (a crash between the
 * append and here) costs nothing but a re-rendered answer from the stream.
 */
export class IdempotentResponses {
  constructor(private readonly pool: pg.Pool) {}

  async find(key: string): Promise<StoredResponse | null> {
    const { rows } = await this.pool.query<StoredResponse>(
      prepared('select fingerprint, status, headers, body from http_idempotency where key = $1'),
      [key],
    );
    return rows[0] ?? null;
  }

  /**
   * Keeps the first answer; a concurrent one for the same key does not replace it. Committed
   * without waiting for the disk (`synchronous_commit` off for this statement's transaction): a
   * crash may lose the last answers, which only costs their re-rendering from the stream, and a
   * submission no longer waits for a second flush after its append's.
   */
  async save(key: string, response: StoredResponse): Promise<void> {
    await this.pool.query(
      prepared(`with lazily as (select set_config('synchronous_commit', 'off', true))
       insert into http_idempotency (key, fingerprint, status, headers, body)
       select $1::text, $2::text, $3::integer, $4::jsonb, $5::jsonb from lazily
       on conflict (key) do nothing`),
      [key, response.fingerprint, response.status, JSON.stringify(response.headers), JSON.stringify(response.body ?? null)],
    );
  }
}
