import { Migration } from '@mikro-orm/migrations';

/**
 * Snapshots of long streams' states (a budget holds an event per invoice): the state folded up
 * to a version, and the schema of the fold that made it. Loading such a stream reads its
 * snapshot and only the events after it (src/application/stream-states.ts). Not a source of
 * truth: a cache of a fold of the log, replaced as the stream grows, ignored when its schema is
 * not the stream type's current one, and safe to delete at any time.
 */
export class Migration20261203000500_stream_snapshots extends Migration {
  override up(): void {
    this.addSql(`
      create table es_snapshots (
        stream_id  text primary key,
        version    integer not null check (version > 0),
        schema     text not null,
        state      jsonb not null,
        taken_at   timestamptz not null default now()
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists es_snapshots');
  }
}
