import type { PassportSections } from '../../src/domain/passport/content.js';
import type { PassportEvent } from '../../src/domain/passport/events.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/**
 * Project list: one row per project (passport stream) with what officers filter on —
 * fund, programme, period, investment, the organisations involved, status and money.
 * Each event is applied only if it is newer than the row (stream version guard), so a
 * replayed batch changes nothing.
 */
export const projects: Projection = {
  name: 'projects',
  version: 1,
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
       drafted_at        timestamptz not null,
       updated_at        timestamptz not null,
       stream_version    integer not null
     )`,
    `create index on ${t.projects} (fund, programme, period, investment)`,
    `create index on ${t.projects} (recipient_org)`,
    `create index on ${t.projects} using gin (partner_orgs)`,
  ],
  async apply(tx, events, t) {
    for (const stored of events) {
      if (stored.streamType !== 'passport') continue;
      const e = stored as unknown as PassportEvent & { version: number; streamId: string; recordedAt: Date };
      const id = stored.streamId.slice('passport-'.length);
      const guard = `where project_id = $1 and stream_version < $2`;
      const set = (sql: string, params: unknown[]) =>
        tx.query(`update ${t.projects} set ${sql}, updated_at = $3, stream_version = $2 ${guard}`, [
          id,
          stored.version,
          stored.recordedAt,
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
              stored.recordedAt,
              stored.version,
            ],
          );
          break;
        }
        case 'PassportSectionUpdated.v1': {
          const { section, value } = e.data;
          if (section === 'partners') {
            const orgs = (value as NonNullable<PassportSections['partners']>).map((p) => p.registrationNumber);
            await set(`status = 'draft', partner_orgs = $4`, [orgs]);
          } else if (section === 'financing') {
            await set(`status = 'draft', total_cents = $4`, [(value as NonNullable<PassportSections['financing']>).totalCents]);
          } else if (section === 'contribution') {
            const ict = (value as NonNullable<PassportSections['contribution']>).ictSolutions.reduce((n, x) => n + x.count, 0);
            await set(`status = 'draft', ict_working = $4`, [ict]);
          } else if (section === 'recipient') {
            await set(`status = 'draft', recipient_name = $4`, [(value as NonNullable<PassportSections['recipient']>).name]);
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
          await set(`status = 'approved', approved_version = $4, ict_approved = ict_working`, [e.data.version]);
          break;
        case 'PassportRejected.v1':
          // A rejected amendment leaves the passport approved at the version in force.
          await set(`status = case when approved_version is null then 'rejected' else 'approved' end, ict_working = ict_approved`, []);
          break;
        case 'PassportWithdrawn.v1':
          await set(`status = 'withdrawn'`, []);
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`projects projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
  },
};
