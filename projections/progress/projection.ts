import type pg from 'pg';
import { indicatorStream } from '../../src/domain/indicator/decider.js';
import type { IndicatorEvent } from '../../src/domain/indicator/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import { valuesAsOf, type HistoryEntry, type Point } from '../../src/domain/indicator/status.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection, TableNames } from '../../src/projection-engine/projection.js';

/**
 * Progress to target, in three tables:
 * - `indicators`: each indicator's definition, with the time it was recorded;
 * - `indicator_history`: every report and review with the time it was recorded, append-only
 *   (an investment target summed from its projects needs the parts' whole series);
 * - `indicator_states`: after each report or review, what it left the indicator at (latest
 *   verified value, the one before it for the pace, the pending report), valid from the
 *   time it was recorded until the next one (`valid_to`, 'infinity' while current);
 * - `indicator_current`: the current state of each indicator again, one dense row each.
 * An answer as of any instant reads one state per indicator instead of replaying every
 * history: the current one if it began by then, else the one valid then. That is what lets a
 * council report over 50,000 indicators with a million values stay near a second (bench/report.ts).
 * Rows are keyed by (indicator, stream version) and inserted "on conflict do nothing"; the
 * state a batch closes is only ever one older than the batch, so a replayed batch changes nothing.
 */
export const progress: Projection<AnyEvent> = {
  name: 'progress',
  version: 3,
  tables: ['indicators', 'indicator_history', 'indicator_states', 'indicator_current'],
  // Dates are ISO text (`YYYY-MM-DD`): they are only ever compared and shown, and formatting
  // 200,000 dates per council report cost PostgreSQL more than the rest of the query.
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
       baseline_date  text,
       target_value   numeric,
       due_date       text not null,
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
    `create table ${t.indicator_states} (
       indicator_id       uuid not null,
       stream_version     integer not null,
       valid_from         timestamptz not null,
       valid_to           timestamptz not null default 'infinity',
       verified_value     float8,
       verified_date      text,
       verified_qualifier text,
       previous_value     float8,
       previous_date      text,
       previous_qualifier text,
       pending_value      float8,
       pending_date       text,
       pending_qualifier  text,
       primary key (indicator_id, stream_version)
     )`,
    // "As of t" reads the rows that ended after t; the current ones are read from indicator_current.
    `create index on ${t.indicator_states} (valid_to) where valid_to <> 'infinity'`,
    `create table ${t.indicator_current} (like ${t.indicator_states} including defaults, primary key (indicator_id)) with (fillfactor = 70)`,
  ],
  async apply(tx, events, t) {
    const defined: StoredEvent<Extract<IndicatorEvent, { type: 'IndicatorDefined.v1' }>>[] = [];
    const entries: HistoryRow[] = [];
    for (const e of events) {
      if (!indicatorStream.owns(e)) continue;
      if (e.type === 'IndicatorDefined.v1') defined.push(e);
      else entries.push(historyEntryOf(e));
    }
    if (defined.length) await insertDefinitions(tx, t, defined);
    if (entries.length) await insertHistory(tx, t, entries);
  },
};

/** A report or review as the history keeps it: the one mapping the read model and explanations of its values share. */
export function historyEntryOf(e: StoredEvent<Exclude<IndicatorEvent, { type: 'IndicatorDefined.v1' }>>): HistoryRow {
  const row = (event: HistoryRow['event'], report: number, actor: string): HistoryRow => ({
    indicatorId: e.streamId.slice('indicator-'.length),
    streamVersion: e.version,
    event,
    report,
    actor,
    recordedAt: e.recordedAt,
    value: null,
    asOfDate: null,
    qualifier: null,
    corrects: null,
  });
  switch (e.type) {
    case 'IndicatorValueReported.v1': {
      const d = e.data;
      return {
        ...row('reported', d.report, d.reportedBy),
        value: d.value,
        asOfDate: d.asOfDate,
        qualifier: d.qualifier,
        corrects: d.corrects,
      };
    }
    case 'IndicatorValueVerified.v1':
      return row('verified', e.data.report, e.data.verifiedBy);
    case 'IndicatorValueRejected.v1':
      return row('rejected', e.data.report, e.data.rejectedBy);
    default: {
      const exhaustive: never = e;
      throw new Error(`progress projection: unhandled ${(exhaustive as { type: string }).type}`);
    }
  }
}

/** Every entry up to a state counts for it, whatever the clocks said. */
const END_OF_TIME = new Date(8.64e15);

export type HistoryRow = HistoryEntry & { indicatorId: string; streamVersion: number; actor: string };

async function insertDefinitions(
  tx: pg.ClientBase,
  t: TableNames,
  events: (StoredEvent & Extract<IndicatorEvent, { type: 'IndicatorDefined.v1' }>)[],
) {
  const rows = events.map(({ streamId, version, recordedAt, data: d }) => ({
    indicator_id: streamId.slice('indicator-'.length),
    level: d.on.level,
    fund: d.on.fund,
    programme: d.on.programme,
    period: d.on.period,
    investment: d.on.investment,
    project_id: d.on.level === 'project' ? d.on.projectId : null,
    code: d.code,
    name_lv: d.name.lv,
    name_en: d.name.en,
    kind: d.kind,
    unit_lv: d.unit?.lv ?? null,
    unit_en: d.unit?.en ?? null,
    baseline_value: d.baseline?.value ?? null,
    baseline_date: d.baseline?.date ?? null,
    target_value: d.target.value,
    due_date: d.target.dueDate,
    contributing_projects: d.contributingProjects,
    defined_at: recordedAt,
    stream_version: version,
  }));
  await tx.query(
    `insert into ${t.indicators}
     select * from jsonb_populate_recordset(null::${t.indicators}, $1::jsonb)
     on conflict (indicator_id) do nothing`,
    [JSON.stringify(rows)],
  );
}

/** Appends the reports and reviews, then the state each one leaves its indicator in. */
async function insertHistory(tx: pg.ClientBase, t: TableNames, entries: HistoryRow[]) {
  const col = <K extends keyof HistoryRow>(k: K) => entries.map((e) => e[k]);
  await tx.query(
    `insert into ${t.indicator_history} (indicator_id, stream_version, event, report, actor, recorded_at, value, as_of_date, qualifier, corrects)
     select * from unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::numeric[], $8::date[], $9::text[], $10::int[])
     on conflict do nothing`,
    [
      col('indicatorId'),
      col('streamVersion'),
      col('event'),
      col('report'),
      col('actor'),
      col('recordedAt'),
      col('value'),
      col('asOfDate'),
      col('qualifier'),
      col('corrects'),
    ],
  );
  // Each touched indicator's whole history (earlier batches' rows and this one's) gives the states.
  const ids = [...new Set(entries.map((e) => e.indicatorId))];
  const { rows } = await tx.query<HistoryRow>(
    `select indicator_id as "indicatorId", stream_version as "streamVersion", event, report, value::float8 as value,
            to_char(as_of_date, 'YYYY-MM-DD') as "asOfDate", qualifier, corrects, actor, recorded_at as "recordedAt"
       from ${t.indicator_history} where indicator_id = any($1::uuid[]) order by indicator_id, stream_version`,
    [ids],
  );
  const firstNew = new Map<string, number>();
  for (const e of entries) firstNew.set(e.indicatorId, Math.min(firstNew.get(e.indicatorId) ?? Infinity, e.streamVersion));
  const states: StateRow[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j]!.indicatorId === rows[i]!.indicatorId) j++;
    const history = rows.slice(i, j);
    const from = firstNew.get(rows[i]!.indicatorId)!;
    for (let k = 0; k < history.length; k++) {
      const h = history[k]!;
      if (h.streamVersion < from) continue;
      const { series, pending } = valuesAsOf(history.slice(0, k + 1), END_OF_TIME);
      const next = history[k + 1];
      states.push({
        indicatorId: h.indicatorId,
        streamVersion: h.streamVersion,
        validFrom: h.recordedAt,
        validTo: next ? next.recordedAt : null,
        verified: series.at(-1) ?? null,
        previous: series.at(-2) ?? null,
        pending,
      });
    }
    i = j;
  }
  // The state that was current before this batch now ends where the batch's first one starts.
  const startOf = new Map(states.filter((s) => s.streamVersion === firstNew.get(s.indicatorId)).map((s) => [s.indicatorId, s.validFrom]));
  await tx.query(
    `update ${t.indicator_states} s set valid_to = x.valid_to
       from unnest($1::uuid[], $2::int[], $3::timestamptz[]) as x(indicator_id, first_new, valid_to)
      where s.indicator_id = x.indicator_id and s.valid_to = 'infinity' and s.stream_version < x.first_new`,
    [ids, ids.map((id) => firstNew.get(id)), ids.map((id) => startOf.get(id))],
  );
  const p = (k: 'verified' | 'previous' | 'pending', f: keyof Point) => states.map((s) => s[k]?.[f] ?? null);
  await tx.query(
    `insert into ${t.indicator_states} (indicator_id, stream_version, valid_from, valid_to, verified_value, verified_date, verified_qualifier,
       previous_value, previous_date, previous_qualifier, pending_value, pending_date, pending_qualifier)
     select i, v, f, coalesce(t, 'infinity'), vv, vd, vq, pv, pd, pq, nv, nd, nq
       from unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::float8[], $6::text[], $7::text[],
                   $8::float8[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::text[]) as x(i, v, f, t, vv, vd, vq, pv, pd, pq, nv, nd, nq)
     on conflict do nothing`,
    [
      states.map((s) => s.indicatorId),
      states.map((s) => s.streamVersion),
      states.map((s) => s.validFrom),
      states.map((s) => s.validTo),
      p('verified', 'value'),
      p('verified', 'asOfDate'),
      p('verified', 'qualifier'),
      p('previous', 'value'),
      p('previous', 'asOfDate'),
      p('previous', 'qualifier'),
      p('pending', 'value'),
      p('pending', 'asOfDate'),
      p('pending', 'qualifier'),
    ],
  );
  await tx.query(
    `insert into ${t.indicator_current} as c select * from ${t.indicator_states}
      where indicator_id = any($1::uuid[]) and valid_to = 'infinity'
     on conflict (indicator_id) do update
       set stream_version = excluded.stream_version, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
           verified_value = excluded.verified_value, verified_date = excluded.verified_date, verified_qualifier = excluded.verified_qualifier,
           previous_value = excluded.previous_value, previous_date = excluded.previous_date, previous_qualifier = excluded.previous_qualifier,
           pending_value = excluded.pending_value, pending_date = excluded.pending_date, pending_qualifier = excluded.pending_qualifier
       where c.stream_version < excluded.stream_version`,
    [ids],
  );
}

interface StateRow {
  indicatorId: string;
  streamVersion: number;
  validFrom: Date;
  validTo: Date | null;
  verified: Point | null;
  previous: Point | null;
  pending: Point | null;
}
