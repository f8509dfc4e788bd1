import { BigIntType, DecimalType, EntitySchema } from '@mikro-orm/postgresql';

/*
 * Rows of the programme-structure read model, mapped over the views of the active
 * generation. Dates are kept as `YYYY-MM-DD` strings: a calendar date has no time zone.
 */

export interface ProgrammeEntry {
  programme: string;
  period: string;
  fund: string;
  nameLv: string;
  nameEn: string;
  status: 'active' | 'retired';
  /** Stream version the row reflects. */
  version: number;
  definedAt: Date;
  amendedAt: Date | null;
  retiredAt: Date | null;
}

export interface ProgrammeNodeEntry {
  programme: string;
  period: string;
  code: string;
  /** The code with numbers zero-padded, so 2.2 sorts before 2.10. */
  sortKey: string;
  kind: string;
  parentCode: string | null;
  nameLv: string;
  nameEn: string;
  plannedFundingCents: number | null;
  startDate: string | null;
  endDate: string | null;
  status: 'active' | 'retired';
  version: number;
  definedAt: Date;
  amendedAt: Date | null;
  retiredAt: Date | null;
}

export interface ProgrammeTargetEntry {
  programme: string;
  period: string;
  nodeCode: string;
  code: string;
  position: number;
  kind: 'milestone' | 'target';
  nameLv: string;
  nameEn: string;
  unitLv: string | null;
  unitEn: string | null;
  value: number | null;
  dueDate: string;
}

const timestamps = {
  definedAt: { type: 'Date', fieldName: 'defined_at' },
  amendedAt: { type: 'Date', fieldName: 'amended_at', nullable: true },
  retiredAt: { type: 'Date', fieldName: 'retired_at', nullable: true },
} as const;

export const ProgrammeEntrySchema = new EntitySchema<ProgrammeEntry>({
  name: 'ProgrammeEntry',
  tableName: 'programmes',
  readonly: true,
  properties: {
    programme: { type: 'string', primary: true },
    period: { type: 'string', primary: true },
    fund: { type: 'string' },
    nameLv: { type: 'string', fieldName: 'name_lv' },
    nameEn: { type: 'string', fieldName: 'name_en' },
    status: { type: 'string' },
    version: { type: 'integer' },
    ...timestamps,
  },
});

export const ProgrammeNodeEntrySchema = new EntitySchema<ProgrammeNodeEntry>({
  name: 'ProgrammeNodeEntry',
  tableName: 'programme_nodes',
  readonly: true,
  properties: {
    programme: { type: 'string', primary: true },
    period: { type: 'string', primary: true },
    code: { type: 'string', primary: true },
    sortKey: { type: 'string', fieldName: 'sort_key' },
    kind: { type: 'string' },
    parentCode: { type: 'string', fieldName: 'parent_code', nullable: true },
    nameLv: { type: 'string', fieldName: 'name_lv' },
    nameEn: { type: 'string', fieldName: 'name_en' },
    // Cents fit a double exactly up to 2^53; the API caps amounts there.
    plannedFundingCents: { type: new BigIntType('number'), fieldName: 'planned_funding_cents', nullable: true },
    startDate: { type: 'string', fieldName: 'start_date', nullable: true },
    endDate: { type: 'string', fieldName: 'end_date', nullable: true },
    status: { type: 'string' },
    version: { type: 'integer' },
    ...timestamps,
  },
});

export const ProgrammeTargetEntrySchema = new EntitySchema<ProgrammeTargetEntry>({
  name: 'ProgrammeTargetEntry',
  tableName: 'programme_targets',
  readonly: true,
  properties: {
    programme: { type: 'string', primary: true },
    period: { type: 'string', primary: true },
    nodeCode: { type: 'string', fieldName: 'node_code', primary: true },
    code: { type: 'string', primary: true },
    position: { type: 'integer' },
    kind: { type: 'string' },
    nameLv: { type: 'string', fieldName: 'name_lv' },
    nameEn: { type: 'string', fieldName: 'name_en' },
    unitLv: { type: 'string', fieldName: 'unit_lv', nullable: true },
    unitEn: { type: 'string', fieldName: 'unit_en', nullable: true },
    value: { type: new DecimalType('number'), nullable: true },
    dueDate: { type: 'string', fieldName: 'due_date' },
  },
});

export const programmeStructureEntities = [ProgrammeEntrySchema, ProgrammeNodeEntrySchema, ProgrammeTargetEntrySchema];
