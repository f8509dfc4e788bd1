import { passportStream } from '../../src/domain/passport/decider.js';
import type { PassportEvent } from '../../src/domain/passport/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/** Passport events that move a project to another status, and the status each leads to. */
const PROJECT_STATUS: Partial<Record<PassportEvent['type'], string>> = {
  'PassportDrafted.v1': 'draft',
  'PassportSubmitted.v1': 'submitted',
  'PassportReturned.v1': 'draft',
  'PassportVerified.v1': 'verified',
  'PassportApproved.v1': 'approved',
  'PassportRejected.v2': 'rejected',
  // A rejected amendment leaves the approved version in force: the project is approved again.
  'PassportAmendmentRejected.v1': 'approved',
  'PassportAmendmentStarted.v1': 'draft',
  'PassportWithdrawn.v1': 'withdrawn',
};

/** What one event tells the council report. */
export interface CouncilFacts {
  /** The UTC day it counts in among the window's events. */
  day: string;
  /** The status a passport event moves its project to. */
  status?: string;
  /** A passport's total financing (euro cents), when the event sets it. */
  totalCents?: number;
}

/** What one event tells the council report: the one rule the projection and explanations of the report's totals share. */
export function councilFacts(e: StoredEvent<AnyEvent>): CouncilFacts {
  const facts: CouncilFacts = { day: e.recordedAt.toISOString().slice(0, 10) };
  if (!passportStream.owns(e)) return facts;
  const status = PROJECT_STATUS[e.type];
  if (status !== undefined) facts.status = status;
  if (e.type === 'PassportSectionUpdated.v1' && e.data.section === 'financing') facts.totalCents = e.data.value.totalCents;
  return facts;
}

/**
 * What the council report needs about activity in a window that no other read model keeps:
 * how many events of each type each stream received per day (`council_activity`), every
 * change of a project's status (`project_status_changes`), and every change of a passport's
 * total (`project_money`), so the portfolio can be told as of the window's end. A batch is folded per stream, day
 * and type; a row moves only with events newer than the stream version it last saw, and status
 * changes are keyed by stream version, so a replayed batch changes nothing.
 */
export const councilReport: Projection<AnyEvent> = {
  name: 'council_report',
  version: 3,
  tables: ['council_activity', 'project_status_changes', 'project_money'],
  createTables: (t) => [
    `create table ${t.council_activity} (
       day          date not null,
       stream_type  text not null,
       event_type   text not null,
       stream_id    text not null,
       events       integer not null,
       last_version integer not null,
       primary key (day, stream_type, event_type, stream_id)
     )`,
    `create table ${t.project_status_changes} (
       project_id     uuid not null,
       stream_version integer not null,
       event_type     text not null,
       status         text not null,
       actor          text not null,
       recorded_at    timestamptz not null,
       primary key (project_id, stream_version)
     )`,
    `create index on ${t.project_status_changes} (recorded_at)`,
    `create table ${t.project_money} (
       project_id     uuid not null,
       stream_version integer not null,
       total_cents    bigint not null,
       primary key (project_id, stream_version)
     )`,
  ],
  async apply(tx, events, t) {
    const facts = events.map((e) => ({ e, ...councilFacts(e) }));
    const folded = new Map<string, { day: string; e: (typeof events)[number]; events: number; last: number }>();
    for (const { e, day } of facts) {
      const key = `${day} ${e.type} ${e.streamId}`;
      const seen = folded.get(key);
      if (seen) {
        seen.events += 1;
        seen.last = Math.max(seen.last, e.version);
      } else folded.set(key, { day, e, events: 1, last: e.version });
    }
    const rows = [...folded.values()];
    await tx.query(
      `insert into ${t.council_activity} as a (day, stream_type, event_type, stream_id, events, last_version)
       select * from unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
       on conflict (day, stream_type, event_type, stream_id) do update
         set events = a.events + excluded.events, last_version = excluded.last_version
         where a.last_version < excluded.last_version`,
      [
        rows.map((r) => r.day),
        rows.map((r) => r.e.streamType),
        rows.map((r) => r.e.type),
        rows.map((r) => r.e.streamId),
        rows.map((r) => r.events),
        rows.map((r) => r.last),
      ],
    );
    const money = facts.flatMap(({ e, totalCents }) => (totalCents === undefined ? [] : [{ e, totalCents }]));
    if (money.length) {
      await tx.query(`insert into ${t.project_money} select * from unnest($1::uuid[], $2::int[], $3::bigint[]) on conflict do nothing`, [
        money.map(({ e }) => e.streamId.slice('passport-'.length)),
        money.map(({ e }) => e.version),
        money.map(({ totalCents }) => totalCents),
      ]);
    }
    const changes = facts.flatMap(({ e, status }) => (status === undefined ? [] : [{ e, status }]));
    if (changes.length === 0) return;
    await tx.query(
      `insert into ${t.project_status_changes} (project_id, stream_version, event_type, status, actor, recorded_at)
       select * from unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       on conflict do nothing`,
      [
        changes.map(({ e }) => e.streamId.slice('passport-'.length)),
        changes.map(({ e }) => e.version),
        changes.map(({ e }) => e.type),
        changes.map(({ status }) => status),
        changes.map(({ e }) => e.metadata.actor),
        changes.map(({ e }) => e.recordedAt),
      ],
    );
  },
};
