import { EntitySchema } from '@mikro-orm/postgresql';

/** A row of the project list read model (the `projects` view of the active generation). */
export interface ProjectRow {
  projectId: string;
  titleLv: string;
  titleEn: string;
  fund: string;
  programme: string;
  period: string;
  investment: string;
  /** Registration number of the recipient (finansējuma saņēmējs). */
  recipientOrg: string;
  recipientName: string;
  /** Registration numbers of the partners (sadarbības partneri). */
  partnerOrgs: string[];
  status: string;
  submittedVersion: number;
  approvedVersion: number | null;
  /** Total financing of the working version, in cents. */
  totalCents: bigint | null;
  /** Consistency warnings on the last submitted version. */
  warnings: number;
  draftedAt: Date;
  updatedAt: Date;
}

export const ProjectRowSchema = new EntitySchema<ProjectRow>({
  name: 'ProjectRow',
  tableName: 'projects',
  readonly: true,
  properties: {
    projectId: { type: 'uuid', primary: true, fieldName: 'project_id' },
    titleLv: { type: 'string', fieldName: 'title_lv' },
    titleEn: { type: 'string', fieldName: 'title_en' },
    fund: { type: 'string' },
    programme: { type: 'string' },
    period: { type: 'string' },
    investment: { type: 'string' },
    recipientOrg: { type: 'string', fieldName: 'recipient_org' },
    recipientName: { type: 'string', fieldName: 'recipient_name' },
    partnerOrgs: { type: 'string[]', fieldName: 'partner_orgs' },
    status: { type: 'string' },
    submittedVersion: { type: 'integer', fieldName: 'submitted_version' },
    approvedVersion: { type: 'integer', fieldName: 'approved_version', nullable: true },
    totalCents: { type: 'bigint', fieldName: 'total_cents', nullable: true },
    warnings: { type: 'integer' },
    draftedAt: { type: 'Date', fieldName: 'drafted_at' },
    updatedAt: { type: 'Date', fieldName: 'updated_at' },
  },
});
