import type { FieldIssue } from '../errors.js';
import type { NodeContent, NodeKind } from './events.js';

/** Which kinds may be the parent of each kind; none means a top-level node. */
export const PARENT_KINDS: Readonly<Record<NodeKind, readonly NodeKind[]>> = {
  component: [],
  direction: ['component'],
  // The RRF plan groups some investments under a reform (2.3.1.r → 2.3.1.2.i), others directly under the direction.
  reform: ['direction'],
  investment: ['direction', 'reform'],
  policy_objective: [],
  specific_objective: ['policy_objective'],
  measure: ['specific_objective'],
  selection_round: ['investment', 'measure'],
};

/** Only investments (RRF) and measures (cohesion) carry funding, a period, milestones and targets. */
export const FUNDED_KINDS: readonly NodeKind[] = ['investment', 'measure'];

/** What the handler found about the parent node, so the decider can judge the placement purely. */
export interface ParentFacts {
  code: string;
  kind: NodeKind;
  status: 'active' | 'retired';
}

const article = (kind: NodeKind) => (/^[aeiou]/.test(kind) ? 'an' : 'a');
const label = (kind: NodeKind) => `${article(kind)} ${kind.replace('_', ' ')}`;

/**
 * Where a node may sit: its parent's kind, and a code that extends the parent's code, so a
 * typo such as 2.2.1.2.i under 2.1 is caught. A reform's `.r` is not part of its children's codes.
 */
export function placementIssues(code: string, kind: NodeKind, parent: ParentFacts | null): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (code.endsWith('.i') !== (kind === 'investment')) {
    issues.push({ field: 'code', message: kind === 'investment' ? 'an investment code ends in .i' : 'only investment codes end in .i' });
  }
  if (code.endsWith('.r') !== (kind === 'reform')) {
    issues.push({ field: 'code', message: kind === 'reform' ? 'a reform code ends in .r' : 'only reform codes end in .r' });
  }
  const allowed = PARENT_KINDS[kind];
  if (allowed.length === 0) {
    if (parent) issues.push({ field: 'parent', message: `${label(kind)} is top level and has no parent` });
    if (code.includes('.')) issues.push({ field: 'code', message: `${label(kind)} has a one-number code, e.g. 2` });
    return issues;
  }
  const expected = allowed.map(label).join(' or ');
  if (!parent) return [...issues, { field: 'parent', message: `required: ${label(kind)} sits under ${expected}` }];
  if (!allowed.includes(parent.kind)) {
    issues.push({ field: 'parent', message: `${parent.code} is ${label(parent.kind)}; ${label(kind)} sits under ${expected}` });
  }
  if (parent.status === 'retired') issues.push({ field: 'parent', message: `${parent.code} is retired` });
  const prefix = `${parent.code.replace(/\.r$/, '')}.`;
  if (!code.startsWith(prefix)) issues.push({ field: 'code', message: `must start with ${prefix} to sit under ${parent.code}` });
  return issues;
}

/** Content rules: investment details only where they belong, dates that exist and run forwards, targets complete. */
export function contentIssues(kind: NodeKind, content: NodeContent): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!FUNDED_KINDS.includes(kind)) {
    for (const field of ['plannedFundingCents', 'startDate', 'endDate'] as const) {
      if (content[field] !== null) issues.push({ field, message: `only investments and measures have this; ${label(kind)} does not` });
    }
    if (content.targets.length > 0)
      issues.push({ field: 'targets', message: `only investments and measures have targets; ${label(kind)} does not` });
  }
  for (const field of ['startDate', 'endDate'] as const) {
    const date = content[field];
    if (date !== null && !isIsoDate(date)) issues.push({ field, message: `${date} is not a calendar date` });
  }
  if (content.startDate && content.endDate && content.endDate < content.startDate) {
    issues.push({ field: 'endDate', message: `ends (${content.endDate}) before it starts (${content.startDate})` });
  }
  const seen = new Set<string>();
  content.targets.forEach((t, i) => {
    const at = `targets.${i}`;
    if (seen.has(t.code)) issues.push({ field: `${at}.code`, message: `${t.code} is used twice` });
    seen.add(t.code);
    if (!isIsoDate(t.dueDate)) issues.push({ field: `${at}.dueDate`, message: `${t.dueDate} is not a calendar date` });
    const quantitative = t.kind === 'target';
    if ((t.value !== null) !== quantitative) {
      issues.push({
        field: `${at}.value`,
        message: quantitative ? 'required: a target has a value' : 'a milestone is qualitative and has no value',
      });
    }
    if ((t.unit !== null) !== quantitative) {
      issues.push({
        field: `${at}.unit`,
        message: quantitative ? 'required: a target has a unit' : 'a milestone is qualitative and has no unit',
      });
    }
  });
  return issues;
}

/** The request pattern lets 2023-02-30 through; only a real day of the calendar passes here. */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
