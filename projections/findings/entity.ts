import { EntitySchema } from '@mikro-orm/postgresql';
import type { FindingCategory, FindingStatus, FollowUpOutcome, Severity } from '../../src/domain/finding/events.js';

/** A row of the audit findings list (the `findings` view of the active generation). */
export interface FindingRow {
  findingId: string;
  projectId: string;
  category: FindingCategory;
  severity: Severity;
  status: FindingStatus;
  amountAtRiskCents: bigint;
  euShareCents: bigint;
  /** EU share above EUR 10,000: an irregularity reported onwards. */
  reportable: boolean;
  invoiceRef: string | null;
  claimRef: string | null;
  indicatorId: string | null;
  description: string;
  raisedAt: Date;
  raisedBy: string;
  respondedAt: Date | null;
  correctiveAction: string | null;
  /** The corrective action's deadline, `YYYY-MM-DD`. */
  deadline: string | null;
  followUps: number;
  lastFollowUpOutcome: FollowUpOutcome | null;
  /** How many financial corrections, and their sum in cents. */
  corrections: number;
  correctedCents: bigint;
  closedAt: Date | null;
  updatedAt: Date;
  streamVersion: number;
}

export const FindingRowSchema = new EntitySchema<FindingRow>({
  name: 'FindingRow',
  tableName: 'findings',
  readonly: true,
  properties: {
    findingId: { type: 'uuid', primary: true, fieldName: 'finding_id' },
    projectId: { type: 'uuid', fieldName: 'project_id' },
    category: { type: 'string' },
    severity: { type: 'string' },
    status: { type: 'string' },
    amountAtRiskCents: { type: 'bigint', fieldName: 'amount_at_risk_cents' },
    euShareCents: { type: 'bigint', fieldName: 'eu_share_cents' },
    reportable: { type: 'boolean' },
    invoiceRef: { type: 'string', fieldName: 'invoice_ref', nullable: true },
    claimRef: { type: 'string', fieldName: 'claim_ref', nullable: true },
    indicatorId: { type: 'uuid', fieldName: 'indicator_id', nullable: true },
    description: { type: 'text' },
    raisedAt: { type: 'Date', fieldName: 'raised_at' },
    raisedBy: { type: 'string', fieldName: 'raised_by' },
    respondedAt: { type: 'Date', fieldName: 'responded_at', nullable: true },
    correctiveAction: { type: 'text', fieldName: 'corrective_action', nullable: true },
    deadline: { type: 'string', nullable: true },
    followUps: { type: 'integer', fieldName: 'follow_ups' },
    lastFollowUpOutcome: { type: 'string', fieldName: 'last_follow_up_outcome', nullable: true },
    corrections: { type: 'integer' },
    correctedCents: { type: 'bigint', fieldName: 'corrected_cents' },
    closedAt: { type: 'Date', fieldName: 'closed_at', nullable: true },
    updatedAt: { type: 'Date', fieldName: 'updated_at' },
    streamVersion: { type: 'integer', fieldName: 'stream_version' },
  },
});
