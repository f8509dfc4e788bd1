import type { FieldIssue } from '../errors.js';
import { isIsoDate } from '../programme-node/rules.js';
import { COMMON_INDICATOR_CODE, commonIndicator } from './common-indicators.js';
import type { IndicatorDefinition, IndicatorPlacement } from './events.js';

/** A definition's own rules: a target is quantitative (unit, baseline, value), a milestone is not. */
export function definitionIssues(on: IndicatorPlacement, d: IndicatorDefinition): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const quantitative = d.kind === 'target';
  const need = (present: boolean, field: string, what: string) => {
    if (present !== quantitative) {
      issues.push({ field, message: quantitative ? `required: a target has ${what}` : `a milestone is qualitative and has no ${what}` });
    }
  };
  need(d.unit !== null, 'unit', 'a unit');
  need(d.baseline !== null, 'baseline', 'a baseline');
  need(d.target.value !== null, 'target.value', 'a value');
  if (!isIsoDate(d.target.dueDate)) issues.push({ field: 'target.dueDate', message: `${d.target.dueDate} is not a calendar date` });
  if (d.baseline && !isIsoDate(d.baseline.date))
    issues.push({ field: 'baseline.date', message: `${d.baseline.date} is not a calendar date` });
  else if (d.baseline && d.baseline.date > d.target.dueDate) {
    issues.push({ field: 'baseline.date', message: `the baseline (${d.baseline.date}) is after the due date (${d.target.dueDate})` });
  }
  if (COMMON_INDICATOR_CODE.test(d.code)) {
    const common = commonIndicator(d.code);
    if (!common) issues.push({ field: 'code', message: `${d.code} is not in the reference list of EU common indicators` });
    else if (d.kind !== 'target')
      issues.push({ field: 'kind', message: `${d.code} is a quantitative common indicator: kind must be target` });
    else if (d.unit && d.unit.en !== common.unit.en) {
      issues.push({ field: 'unit', message: `${d.code} is measured in ${common.unit.en}, not ${d.unit.en}` });
    }
  }
  if (on.level === 'project' && d.contributingProjects.length > 0) {
    issues.push({ field: 'contributingProjects', message: 'only an investment indicator has contributing projects' });
  }
  const seen = new Set<string>();
  d.contributingProjects.forEach((p, i) => {
    if (seen.has(p)) issues.push({ field: `contributingProjects.${i}`, message: `${p} is listed twice` });
    seen.add(p);
  });
  return issues;
}

export interface ReportInput {
  value: number;
  asOfDate: string;
  /** When the reporter states a unit, it must be the indicator's (in either language). */
  unit?: string;
  corrects?: number;
}

/** A report must fit its indicator: unit, a date between the baseline and today, a milestone done (1) or not (0). */
export function reportIssues(d: IndicatorDefinition, r: ReportInput, today: string, reports: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (r.unit !== undefined) {
    if (d.unit === null) issues.push({ field: 'unit', message: 'a milestone has no unit' });
    else if (r.unit !== d.unit.en && r.unit !== d.unit.lv) {
      issues.push({ field: 'unit', message: `the indicator is measured in ${d.unit.en} (${d.unit.lv}), not ${r.unit}` });
    }
  }
  if (!isIsoDate(r.asOfDate)) issues.push({ field: 'asOfDate', message: `${r.asOfDate} is not a calendar date` });
  else if (r.asOfDate > today) issues.push({ field: 'asOfDate', message: `${r.asOfDate} is in the future (today is ${today})` });
  else if (d.baseline && r.asOfDate < d.baseline.date) {
    issues.push({ field: 'asOfDate', message: `${r.asOfDate} is before the baseline date ${d.baseline.date}` });
  }
  if (d.kind === 'milestone' && r.value !== 0 && r.value !== 1) {
    issues.push({ field: 'value', message: 'a milestone is reported as 1 (reached) or 0 (not yet)' });
  }
  if (r.corrects !== undefined && r.corrects > reports) {
    issues.push({ field: 'corrects', message: `there is no report ${r.corrects} to correct (${reports} so far)` });
  }
  return issues;
}
