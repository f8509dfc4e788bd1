import { findingStream } from '../../src/domain/finding/decider.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { Projection } from '../../src/projection-engine/projection.js';

/**
 * Audit findings list: one row per finding (finding stream) with what auditors filter on —
 * project, status, category, severity, reportable, the corrective action's deadline — and
 * the financial corrections so far. Each event is applied only if it is newer than the row
 * (stream version guard), so a replayed batch changes nothing, sums included.
 */
export const findings: Projection<AnyEvent> = {
  name: 'findings',
  version: 1,
  tables: ['findings'],
  createTables: (t) => [
    `create table ${t.findings} (
       finding_id             uuid primary key,
       project_id             uuid not null,
       category               text not null,
       severity               text not null,
       status                 text not null,
       amount_at_risk_cents   bigint not null,
       eu_share_cents         bigint not null,
       reportable             boolean not null,
       invoice_ref            text,
       claim_ref              text,
       indicator_id           uuid,
       description            text not null,
       raised_at              timestamptz not null,
       raised_by              text not null,
       responded_at           timestamptz,
       corrective_action      text,
       deadline               date,
       follow_ups             integer not null default 0,
       last_follow_up_outcome text,
       corrections            integer not null default 0,
       corrected_cents        bigint not null default 0,
       closed_at              timestamptz,
       updated_at             timestamptz not null,
       stream_version         integer not null
     )`,
    `create index on ${t.findings} (project_id)`,
    `create index on ${t.findings} (raised_at, finding_id)`,
    `create index on ${t.findings} (deadline) where status <> 'closed'`,
  ],
  async apply(tx, events, t) {
    for (const e of events) {
      if (!findingStream.owns(e)) continue;
      const id = e.streamId.slice('finding-'.length);
      const set = (sql: string, params: unknown[]) =>
        tx.query(`update ${t.findings} set ${sql}, updated_at = $3, stream_version = $2 where finding_id = $1 and stream_version < $2`, [
          id,
          e.version,
          e.recordedAt,
          ...params,
        ]);
      switch (e.type) {
        case 'FindingRaised.v1': {
          const d = e.data;
          await tx.query(
            `insert into ${t.findings} (finding_id, project_id, category, severity, status, amount_at_risk_cents, eu_share_cents,
               reportable, invoice_ref, claim_ref, indicator_id, description, raised_at, raised_by, updated_at, stream_version)
             values ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $14)
             on conflict (finding_id) do nothing`,
            [
              id,
              d.projectId,
              d.category,
              d.severity,
              d.amountAtRiskCents,
              d.euShareCents,
              d.reportableIrregularity,
              d.concerns.invoiceRef,
              d.concerns.claimRef,
              d.concerns.indicatorId,
              d.description,
              d.raisedAt,
              d.raisedBy,
              e.version,
            ],
          );
          break;
        }
        case 'FindingResponded.v1':
          // A response after the corrective action was set leaves the finding requiring action.
          await set(`status = case when status = 'open' then 'responded' else status end, responded_at = $4`, [e.data.respondedAt]);
          break;
        case 'CorrectiveActionSet.v1':
          await set(`status = 'action_required', corrective_action = $4, deadline = $5`, [e.data.action, e.data.deadline]);
          break;
        case 'FollowUpRecorded.v1':
          await set(`status = 'followed_up', follow_ups = follow_ups + 1, last_follow_up_outcome = $4`, [e.data.outcome]);
          break;
        case 'FinancialCorrectionApplied.v1':
          await set(`corrections = corrections + 1, corrected_cents = corrected_cents + $4`, [e.data.amountCents]);
          break;
        case 'FindingClosed.v1':
          await set(`status = 'closed', closed_at = $4`, [e.data.closedAt]);
          break;
        default: {
          const exhaustive: never = e;
          throw new Error(`findings projection: unhandled ${(exhaustive as { type: string }).type}`);
        }
      }
    }
  },
};
