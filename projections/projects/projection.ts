import { UnknownMessage } from '../../src/domain/decider.js';
import { passportStream } from '../../src/domain/passport/decider.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/**
 * Project list: one row per project (passport stream) with what officers filter on —
 * fund, programme, period, investment, the organisations involved, status and money.
 * Each event is applied only if it is newer than the row (stream version guard), so a
 * replayed batch changes nothing.
 */
export const projects: Projection<AnyEvent> = {
  name: 'projects',
  version: 2,
  tables: ['projects'],
  createTables: (t) => [
    `create table ${t.projects} (
       project_id        uuid primary key,
       title_lv          text not null,
       title_en          text not null,
       fund              text not null,
       programme         text not null,
       period            text not null,
       investment        text not null,
       recipient_org     text not null,
       recipient_name    text not null,
       partner_orgs      text[] not null default '{}',
       status            text not null,
       submitted_version integer not null default 0,
       approved_version  integer,
       total_cents       bigint,
       warnings          integer not null default 0,
       ict_working       integer not null default 0,
       ict_approved      integer not null default 0,
       -- The approved version's values, restored when an amendment of it is rejected.
       approved_recipient_name text,
       approved_partner_orgs   text[],
       approved_total_cents    bigint,
       drafted_at        timestamptz not null,
       updated_at        timestamptz not null,
       stream_version    integer not null
     )`,
    `create index on ${t.projects} (fund, programme, period, investment)`,
    `create index on ${t.projects} (recipient_org)`,
    `create index on ${t.projects} using gin (partner_orgs)`,
  ],
  async apply(tx, events, t) {
    for (const e of events) {
      if (!passportStream.owns(e)) continue;
      const id = e.streamId.slice('passport-'.length);
      const guard = `where project_id = $1 and stream_version < $2`;
      const set = (sql: string, params: unknown[]) =>
        tx.query(`update ${t.projects} set ${sql}, updated_at = $3, stream_version = $2 ${guard}`, [
          id,
          e.version,
          e.recordedAt,
          ...params,
        ]);
      switch (e.type) {
        case 'PassportDrafted.v1': {
          const d = e.data;
          await tx.query(
            `insert into ${t.projects} (project_id, title_lv, title_en, fund, programme, period, investment,
               recipient_org, recipient_name, status, drafted_at, updated_at, stream_version)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $10, $11)
             on conflict (project_id) do nothing`,
            [
              id,
              d.title.lv,
              d.title.en,
              d.programme.fund,
              d.programme.programme,
              d.programme.period,
              d.programme.investment,
              d.recipient.registrationNumber,
              d.recipient.name,
              e.recordedAt,
              e.version,
            ],
          );
          break;
        }
        case 'PassportSectionUpdated.v1': {
          const d = e.data;
          if (d.section === 'partners') {
            await set(`status = 'draft', partner_orgs = $4`, [d.value.map((p) => p.registrationNumber)]);
          } else if (d.section === 'financing') {
            await set(`status = 'draft', total_cents = $4`, [d.value.totalCents]);
          } else if (d.section === 'contribution') {
            await set(`status = 'draft', ict_working = $4`, [d.value.ictSolutions.reduce((n, x) => n + x.count, 0)]);
          } else if (d.section === 'recipient') {
            await set(`status = 'draft', recipient_name = $4`, [d.value.name]);
          } else {
            await set(`status = 'draft'`, []);
          }
          break;
        }
        case 'PassportSubmitted.v1':
          await set(`status = 'submitted', submitted_version = $4, warnings = $5`, [e.data.version, e.data.warnings.length]);
          break;
        case 'PassportReturned.v1':
        case 'PassportAmendmentStarted.v1':
          await set(`status = 'draft'`, []);
          break;
        case 'PassportVerified.v1':
          await set(`status = 'verified'`, []);
          break;
        case 'PassportApproved.v1':
          await set(
            `status = 'approved', approved_version = $4, ict_approved = ict_working, approved_recipient_name = recipient_name,
             approved_partner_orgs = partner_orgs, approved_total_cents = total_cents`,
            [e.data.version],
          );
          break;
        case 'PassportRejected.v2':
          await set(`status = 'rejected'`, []);
          break;
        case 'PassportAmendmentRejected.v1':
          // The approved version stays in force, and with it what it contributes.
          await set(
            `status = 'approved', ict_working = ict_approved, recipient_name = approved_recipient_name,
             partner_orgs = approved_partner_orgs, total_cents = approved_total_cents`,
            [],
          );
          break;
        case 'PassportWithdrawn.v1':
          await set(`status = 'withdrawn'`, []);
          break;
        default: {
          const exhaustive: never = e;
          throw new UnknownMessage(exhaustive);
        }
      }
    }
  },
};
