/**
 * An indicator's definition (the `indicators` view of the active generation). Dates are
 * `YYYY-MM-DD`. Read with plain SQL (queries.ts): a council report reads every indicator, and
 * hydrating entities took most of its time.
 */
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
