import type { IndicatorEvent } from '../../src/domain/indicator/events.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/**
 * Progress to target: each indicator's definition, and an append-only history of its reports
 * and reviews with the time each was recorded. Nothing is updated in place, so the query can
 * answer as of any past instant by reading only rows recorded up to it (see queries.ts).
 * Rows are keyed by (indicator, stream version) and inserted "on conflict do nothing", so a
 * replayed batch changes nothing.
 */
export const progress: Projection = {
  name: 'progress',
  version: 1,
  tables: ['indicators', 'indicator_history'],
  createTables: (t) => [
    `create table ${t.indicators} (
       indicator_id   uuid primary key,
       level          text not null,
       fund           text not null,
       programme      text not null,
       period         text not null,
       investment     text not null,
       project_id     uuid,
       code           text not null,
       name_lv        text not null,
       name_en        text not null,
       kind           text not null,
       unit_lv        text,
       unit_en        text,
       baseline_value numeric,
       baseline_date  date,
       target_value   numeric,
       due_date       date not null,
       contributing_projects uuid[] not null default '{}',
       defined_at     timestamptz not null,
       stream_version integer not null
     )`,
    `create index on ${t.indicators} (fund, programme, period, investment)`,
    `create index on ${t.indicators} (project_id)`,
    `create table ${t.indicator_history} (
       indicator_id   uuid not null,
       stream_version integer not null,
       event          text not null,
       report         integer not null,
       value          numeric,
       as_of_date     date,
       qualifier      text,
       corrects       integer,
       actor          text not null,
       recorded_at    timestamptz not null,
       primary key (indicator_id, stream_version)
     )`,
    `create index on ${t.indicator_history} (recorded_at)`,
  ],
  async apply(tx, events, t) {
    for (const stored of events) {
      if (stored.streamType !== 'indicator') continue;
      const e = stored as StoredEvent & IndicatorEvent;
      const id = stored.streamId.slice('indicator-'.length);
      const history = (event: string, report: number, actor: string, values: unknown[] = [null, null, null, null]) =>
        tx.query(
          `insert into ${t.indicator_history} (indicator_id, stream_version, event, report, actor, recorded_at, value, as_of_date, qualifier, corrects)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
          [id, stored.version, event, report, actor, stored.recordedAt, ...values],
        );
      switch (e.type) {
        case 'IndicatorDefined.v1': {
          const d = e.data;
          await tx.query(
            `insert into ${t.indicators} (indicator_id, level, fund, programme, period, investment, project_id, code, name_lv, name_en,
               kind, unit_lv, unit_en, baseline_value, baseline_date, target_value, due_date, contributing_projects, defined_at, stream_version)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
             on conflict (indicator_id) do nothing`,
            [id, d.on.level, d.on.fund, d.on.programme, d.on.period, d.on.investment, d.on.level === 'project' ? d.on.projectId : null,
              d.code, d.name.lv, d.name.en, d.kind, d.unit?.lv ?? null, d.unit?.en ?? null, d.baseline?.value ?? null,
              d.baseline?.date ?? null, d.target.value, d.target.dueDate, d.contributingProjects, stored.recordedAt, stored.version],
          );
          break;
        }
        case 'IndicatorValueReported.v1': {
          const d = e.data;
          await history('reported', d.report, d.reportedBy, [d.value, d.asOfDate, d.qualifier, d.corrects]);
          break;
        }
        case 'IndicatorValueVerified.v1':
          await history('verified', e.data.report, e.data.verifiedBy);
          break;
        case 'IndicatorValueRejected.v1':
          await history('rejected', e.data.report, e.data.rejectedBy);
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`progress projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
  },
};
