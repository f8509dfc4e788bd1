import { Migration } from '@mikro-orm/migrations';

/**
 * Appends a group of appends in one transaction (group commit): each append is checked
 * against its stream's version independently; a failed check skips only that append.
 * Exported so that a later migration that replaces it can put it back on the way down.
 */
export const ES_APPEND_V1 = `
      create or replace function es_append(p_appends jsonb) returns jsonb language plpgsql as $$
      declare
        a jsonb;
        r jsonb;
        results jsonb := '[]'::jsonb;
        cur integer;
        ids uuid[];
        n integer;
        seen integer;
        written boolean := false;
      begin
        for a in select value from jsonb_array_elements(p_appends) loop
          r := null;
          if a->>'k' is not null then
            select case when i.fingerprint = a->>'f'
                        then i.result || '{"dup": true}'::jsonb
                        else jsonb_build_object('err', 'idempotency') end
              into r from es_idempotency i where i.key = a->>'k';
          end if;
          if r is null then
            select s.version into cur from es_streams s where s.stream_id = a->>'s' for update;
            if not found then
              -- A new stream: concurrent creators meet on the primary key, the loser then locks the row.
              insert into es_streams (stream_id, stream_type, version)
                values (a->>'s', a->>'t', 0) on conflict (stream_id) do nothing;
              select s.version into cur from es_streams s where s.stream_id = a->>'s' for update;
            end if;

            select array_agg((x->>'id')::uuid order by o), count(*)
              into ids, n from jsonb_array_elements(a->'ev') with ordinality as t(x, o);
            -- 'g': the adapter drew every id itself, so no earlier try can have stored them.
            if a ? 'g' then
              seen := 0;
            else
              select count(*) into seen from es_events e where e.event_id = any(ids);
            end if;
            if seen > 0 then
              -- A retry carrying the same event ids: answer with what was stored the first time.
              select case
                  when count(*) = n and bool_and(e.stream_id = a->>'s')
                       and bool_and(e.event_id = ids[e.version - min_v + 1])
                  then jsonb_build_object(
                    'v', max(e.version), 'dup', true,
                    'ids', jsonb_agg(e.event_id order by e.version),
                    'pos', jsonb_agg(jsonb_build_array(e.transaction_id::text, e.position::text) order by e.version))
                  else jsonb_build_object('err', 'event_id', 'id', min(e.event_id::text)) end
                into r
                from (select *, min(version) over () as min_v from es_events where event_id = any(ids)) e;
            elsif a ? 'e' and (a->>'e')::integer <> cur then
              r := jsonb_build_object('err', 'version', 'expected', (a->>'e')::integer, 'actual', cur);
            else
              with ins as (
                insert into es_events (event_id, stream_id, stream_type, version, type, payload, metadata)
                select (x->>'id')::uuid, a->>'s', a->>'t', cur + o::integer, x->>'type', x->'data', x->'meta'
                  from jsonb_array_elements(a->'ev') with ordinality as t(x, o)
                 order by o
                returning event_id, version, transaction_id, position
              )
              select jsonb_build_object(
                  'v', cur + n, 'dup', false,
                  'ids', jsonb_agg(event_id order by version),
                  'pos', jsonb_agg(jsonb_build_array(transaction_id::text, position::text) order by version))
                into r from ins;
              update es_streams set version = cur + n, updated_at = now() where stream_id = a->>'s';
              if a->>'k' is not null then
                insert into es_idempotency (key, fingerprint, result) values (a->>'k', a->>'f', r);
              end if;
              written := true;
            end if;
          end if;
          results := results || jsonb_build_array(r);
        end loop;
        if written then
          perform pg_notify('es_events', '');
        end if;
        return results;
      end $$`;

/**
 * The event log. Global order is (transaction_id, position): position alone is not safe,
 * because a transaction that drew position N may commit after N+1 is visible. Readers take
 * only rows whose transaction is older than the oldest running one (pg_snapshot_xmin).
 */
export class Migration20261123000100_event_store extends Migration {
  override up(): void {
    this.addSql(`
      create table es_streams (
        stream_id   text primary key,
        stream_type text not null,
        version     integer not null check (version >= 0),
        created_at  timestamptz not null default now(),
        updated_at  timestamptz not null default now()
      ) with (fillfactor = 50)`); // room on each page keeps the version bump a HOT update
    this.addSql(`
      create table es_events (
        position       bigint generated always as identity primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        event_id       uuid not null unique,
        stream_id      text not null,
        stream_type    text not null,
        version        integer not null check (version >= 1),
        type           text not null,
        payload        jsonb not null,
        metadata       jsonb not null,
        recorded_at    timestamptz not null default now(),
        unique (stream_id, version)
      )`);
    this.addSql(`create index es_events_global_order on es_events (transaction_id, position)`);
    this.addSql(`create index es_events_recorded_at on es_events (recorded_at)`);
    this.addSql(`
      create table es_idempotency (
        key         text primary key,
        fingerprint text not null,
        result      jsonb not null,
        created_at  timestamptz not null default now()
      )`);

    // Append-only, enforced by the database itself: no UPDATE, DELETE or TRUNCATE, whoever asks.
    this.addSql(`
      create function es_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'the event log is append-only: % on % is refused', tg_op, tg_table_name
          using errcode = 'insufficient_privilege';
      end $$`);
    this.addSql(`
      create trigger es_events_append_only before update or delete on es_events
      for each row execute function es_refuse_change()`);
    this.addSql(`
      create trigger es_events_no_truncate before truncate on es_events
      for each statement execute function es_refuse_change()`);
    this.addSql(`revoke update, delete, truncate on es_events from public`);

    this.addSql(ES_APPEND_V1);

    // Projections: one row per generation of a read model. A generation fills its own tables;
    // the active one serves queries through views; checkpoint moves with the rows it covers.
    this.addSql(`
      create table projection_generations (
        projection      text not null,
        generation      integer not null,
        code_version    integer not null,
        status          text not null check (status in ('building', 'active', 'retired')),
        checkpoint_tx   xid8 not null default '0',
        checkpoint_pos  bigint not null default 0,
        events_applied  bigint not null default 0,
        created_at      timestamptz not null default now(),
        updated_at      timestamptz not null default now(),
        activated_at    timestamptz,
        primary key (projection, generation)
      )`);
    this.addSql(`
      create unique index projection_one_active on projection_generations (projection)
      where status = 'active'`);
  }

  override down(): void {
    this.addSql('drop table if exists projection_generations');
    this.addSql('drop function if exists es_append(jsonb)');
    this.addSql('drop table if exists es_idempotency');
    this.addSql('drop table if exists es_events');
    this.addSql('drop function if exists es_refuse_change()');
    this.addSql('drop table if exists es_streams');
  }
}
