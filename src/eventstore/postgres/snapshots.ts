import type pg from 'pg';
import type { KeptState, SnapshotStore } from '../snapshots.js';

/** Snapshots in `es_snapshots`, one row per stream: the latest written wins, an older one never replaces a newer one. */
export class PostgresSnapshots implements SnapshotStore {
  constructor(private readonly pool: pg.Pool) {}

  async read(streamId: string): Promise<KeptState | null> {
    const { rows } = await this.pool.query<{ version: number; schema: string; state: unknown }>(
      'select version, schema, state from es_snapshots where stream_id = $1',
      [streamId],
    );
    return rows[0] ?? null;
  }

  async write(streamId: string, kept: KeptState): Promise<void> {
    await this.pool.query(
      `insert into es_snapshots (stream_id, version, schema, state) values ($1, $2, $3, $4::jsonb)
       on conflict (stream_id) do update set version = excluded.version, schema = excluded.schema, state = excluded.state, taken_at = now()
        where es_snapshots.schema <> excluded.schema or es_snapshots.version < excluded.version`,
      [streamId, kept.version, kept.schema, JSON.stringify(kept.state)],
    );
  }
}
