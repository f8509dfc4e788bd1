import { Migration } from '@mikro-orm/migrations';

/**
 * Tamper evidence. Every event is linked into a hash chain in global order, just behind the
 * readers' safe horizon (so appends never wait for it): hash_n = sha256(hash_{n-1} || input_n),
 * hash_0 = 32 zero bytes, input as es_chain_input() below. The chain is append-only like the
 * log. An event altered, deleted, moved, or slipped in behind the chain's position no longer
 * matches the chain; see "Tamper evidence" in docs/architecture.md for what an anchor adds.
 */
export class Migration20261123000200_event_chain extends Migration {
  override up(): void {
    this.addSql(`
      create table es_chain (
        chain_seq      bigint primary key,
        transaction_id xid8 not null,
        position       bigint not null,
        hash           bytea not null,
        chained_at     timestamptz not null default now()
      )`);
    this.addSql(`
      create trigger es_chain_append_only before update or delete on es_chain
      for each row execute function es_refuse_change()`);
    this.addSql(`
      create trigger es_chain_no_truncate before truncate on es_chain
      for each statement execute function es_refuse_change()`);
    this.addSql(`revoke update, delete, truncate on es_chain from public`);
    // The bytes each link hashes: the row as stored, as text an auditor can rebuild from an export.
    this.addSql(`
      create function es_chain_input(e es_events) returns bytea language sql stable as $$
        select convert_to(concat_ws(E'\\n', e.event_id::text, e.stream_id, e.version::text, e.type,
          e.payload::text, e.metadata::text,
          to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')
      $$`);
  }

  override down(): void {
    this.addSql('drop function if exists es_chain_input(es_events)');
    this.addSql('drop table if exists es_chain');
  }
}
