import { DecimalType, EntitySchema } from '@mikro-orm/postgresql';

/** An indicator's definition (the `indicators` view of the active generation). Dates are `YYYY-MM-DD`. */
export interface IndicatorRow {
  indicatorId: string;
  level: 'investment' | 'project';
  fund: string;
  programme: string;
  period: string;
  investment: string;
  projectId: string | null;
  code: string;
  nameLv: string;
  nameEn: string;
  kind: 'milestone' | 'target';
  unitLv: string | null;
  unitEn: string | null;
  baselineValue: number | null;
  baselineDate: string | null;
  targetValue: number | null;
  dueDate: string;
  contributingProjects: string[];
  /** When the definition was recorded: an indicator does not exist before it. */
  definedAt: Date;
}

/** A report or a review of one, with the time it was recorded (`indicator_history` view). */
export interface IndicatorHistoryRow {
  indicatorId: string;
  streamVersion: number;
  event: 'reported' | 'verified' | 'rejected';
  report: number;
  value: number | null;
  asOfDate: string | null;
  qualifier: string | null;
  corrects: number | null;
  actor: string;
  recordedAt: Date;
}

export const IndicatorRowSchema = new EntitySchema<IndicatorRow>({
  name: 'IndicatorRow',
  tableName: 'indicators',
  readonly: true,
  properties: {
    indicatorId: { type: 'uuid', primary: true, fieldName: 'indicator_id' },
    level: { type: 'string' },
    fund: { type: 'string' },
    programme: { type: 'string' },
    period: { type: 'string' },
    investment: { type: 'string' },
    projectId: { type: 'uuid', fieldName: 'project_id', nullable: true },
    code: { type: 'string' },
    nameLv: { type: 'string', fieldName: 'name_lv' },
    nameEn: { type: 'string', fieldName: 'name_en' },
    kind: { type: 'string' },
    unitLv: { type: 'string', fieldName: 'unit_lv', nullable: true },
    unitEn: { type: 'string', fieldName: 'unit_en', nullable: true },
    baselineValue: { type: new DecimalType('number'), fieldName: 'baseline_value', nullable: true },
    baselineDate: { type: 'string', fieldName: 'baseline_date', nullable: true },
    targetValue: { type: new DecimalType('number'), fieldName: 'target_value', nullable: true },
    dueDate: { type: 'string', fieldName: 'due_date' },
    contributingProjects: { type: 'string[]', fieldName: 'contributing_projects' },
    definedAt: { type: 'Date', fieldName: 'defined_at' },
  },
});

export const IndicatorHistoryRowSchema = new EntitySchema<IndicatorHistoryRow>({
  name: 'IndicatorHistoryRow',
  tableName: 'indicator_history',
  readonly: true,
  properties: {
    indicatorId: { type: 'uuid', primary: true, fieldName: 'indicator_id' },
    streamVersion: { type: 'integer', primary: true, fieldName: 'stream_version' },
    event: { type: 'string' },
    report: { type: 'integer' },
    value: { type: new DecimalType('number'), nullable: true },
    asOfDate: { type: 'string', fieldName: 'as_of_date', nullable: true },
    qualifier: { type: 'string', nullable: true },
    corrects: { type: 'integer', nullable: true },
    actor: { type: 'string' },
    recordedAt: { type: 'Date', fieldName: 'recorded_at' },
  },
});

export const progressEntities = [IndicatorRowSchema, IndicatorHistoryRowSchema];
