import { Migration } from '@mikro-orm/migrations';
import { ES_APPEND_V1 } from './Migration20261123000100_event_store.js';

/**
 * Attribution: every event is indexed with the projects it belongs to and each project's
 * beneficiary organisation, written by es_append() in the transaction that stores the event,
 * so a project's history is an index range in global order rather than a scan of the log.
 * Events stored before this migration are attributed by the backfill below, from the same facts
 * the application uses (passport and budget streams are named by their project; an indicator,
 * a finding and an alert decision name theirs in their payload; the passport names the
 * recipient). Reference data (funds, programmes, programme nodes, programme-level indicators)
 * belongs to no project. The feed's other filters get indexes in global order too.
 */
export class Migration20261202000400_event_attribution extends Migration {
  override up(): void {
    this.addSql(`
      create table es_event_projects (
        project_id     text not null,
        -- The beneficiary's registration number; null only for a backfilled project without a passport.
        organisation   text,
        transaction_id xid8 not null,
        position       bigint not null,
        primary key (project_id, transaction_id, position)
      )`);
    this.addSql(`create index es_event_projects_organisation on es_event_projects (organisation, transaction_id, position)`);
    this.addSql(`create index es_event_projects_position on es_event_projects (position)`);
    this.addSql(`
      create trigger es_event_projects_append_only before update or delete on es_event_projects
      for each row execute function es_refuse_change()`);
    this.addSql(`
      create trigger es_event_projects_no_truncate before truncate on es_event_projects
      for each statement execute function es_refuse_change()`);
    this.addSql(`revoke update, delete, truncate on es_event_projects from public`);

    // The feed's filters, each an index in global order so a filtered page is a range scan.
    this.addSql(`create index es_events_stream_type_order on es_events (stream_type, transaction_id, position)`);
    this.addSql(`create index es_events_type_order on es_events (type, transaction_id, position)`);
    this.addSql(`create index es_events_actor_order on es_events ((metadata->>'actor'), transaction_id, position)`);
    this.addSql(`create index es_events_organisation_order on es_events ((metadata->>'organisation'), transaction_id, position)`);
    // Exports join each event to its link.
    this.addSql(`create unique index es_chain_position on es_chain (position)`);

    this.addSql(`
      with owner as (
        select distinct on (e.stream_id) substr(e.stream_id, length('passport-') + 1) as project_id,
               e.payload->'recipient'->>'registrationNumber' as organisation
          from es_events e
         where e.stream_type = 'passport' and e.type = 'PassportDrafted.v1'
         order by e.stream_id, e.version
      ), stream_project as (
        select s.stream_id, substr(s.stream_id, length('passport-') + 1) as project_id from es_streams s where s.stream_type = 'passport'
        union
        select s.stream_id, substr(s.stream_id, length('budget-') + 1) from es_streams s where s.stream_type = 'budget'
        union
        select e.stream_id, e.payload->'on'->>'projectId' from es_events e
         where e.stream_type = 'indicator' and e.type = 'IndicatorDefined.v1' and e.payload->'on'->>'level' = 'project'
        union
        select e.stream_id, e.payload->>'projectId' from es_events e where e.stream_type = 'finding' and e.type = 'FindingRaised.v1'
        union
        select e.stream_id, p.project_id from es_events e cross join jsonb_array_elements_text(e.payload->'projectIds') as p(project_id)
         where e.stream_type = 'dupalert'
      )
      insert into es_event_projects (project_id, organisation, transaction_id, position)
      select sp.project_id, o.organisation, e.transaction_id, e.position
        from stream_project sp
        join es_events e on e.stream_id = sp.stream_id
        left join owner o on o.project_id = sp.project_id
       where sp.project_id is not null
      on conflict do nothing`);
    this.addSql(`analyze es_event_projects`);

    this.addSql(`
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
              ), attributed as (
                -- 'p': the projects the events belong to, indexed with them in the same transaction.
                insert into es_event_projects (project_id, organisation, transaction_id, position)
                select p->>'p', p->>'o', ins.transaction_id, ins.position
                  from ins cross join jsonb_array_elements(coalesce(a->'p', '[]'::jsonb)) as p
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
      end $$`);
  }

  override down(): void {
    // es_append as it was, before the table it writes to goes.
    this.addSql(ES_APPEND_V1);
    this.addSql('drop index if exists es_chain_position');
    for (const index of ['stream_type', 'type', 'actor', 'organisation']) this.addSql(`drop index if exists es_events_${index}_order`);
    this.addSql('drop table if exists es_event_projects');
  }
}
