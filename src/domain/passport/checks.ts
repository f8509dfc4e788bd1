import type { Benefit, PassportSections, SectionName } from './content.js';
import { ADVANCE_CAP_PERCENT, advanceCapCents, eligibleCostsCents } from './financing.js';

/**
 * Consistency checks run on every submit. They never block: they are stored with the
 * submission as coded warnings for the officer, who decides. Every figure a warning is
 * based on travels with it, so the officer sees why without recomputing.
 */
export const WARNING_CODES = [
  'SECTION_MISSING',
  'COST_LINES_NOT_TOTAL',
  'MAXIMUM_BELOW_INDICATIVE',
  'MAXIMUM_EXCEEDS_TOTAL',
  'ADVANCE_ABOVE_30_PERCENT',
  'ADVANCE_FOR_DIRECT_ADMINISTRATION',
  'VAT_NOT_21_PERCENT',
  'BENEFIT_FIGURES_DISAGREE',
  'DATE_OUTSIDE_INVESTMENT_PERIOD',
  'CONTRIBUTION_EXCEEDS_TARGET',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface ConsistencyWarning {
  code: WarningCode;
  section: SectionName;
  /** Dotted path of the field concerned, e.g. financing.costLines.0.maximumCents. */
  path: string;
  message: string;
  /** The figures behind the warning (cents for money). */
  figures: Record<string, number | string>;
}

/** What the checks need to know about the investment the project contributes to. */
export interface InvestmentFacts {
  /** Implementation period of the investment or measure. */
  startDate: string;
  endDate: string;
  /** The investment's count target for ICT solutions, if it has one. */
  targetCount?: number;
  /** Already contributed towards that target by other projects' approved passports. */
  contributedByOthers?: number;
}

export const VAT_RATE_PERCENT = 21;
/** A stated percentage is taken as rounded to this many percentage points. */
const PERCENT_TOLERANCE = 0.5;

const eur = (c: number) => (c / 100).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const REQUIRED: SectionName[] = ['recipient', 'related', 'objective', 'financing', 'contribution', 'governance'];

export function checkConsistency(p: PassportSections, investment?: InvestmentFacts): ConsistencyWarning[] {
  const warnings: ConsistencyWarning[] = [];
  for (const section of REQUIRED) {
    if (p[section] === undefined) {
      warnings.push({ code: 'SECTION_MISSING', section, path: section, message: `Section ${section} is not filled in`, figures: {} });
    }
  }
  if (p.financing) warnings.push(...financingWarnings(p));
  for (const [i, b] of (p.objective?.benefits ?? []).entries()) {
    const w = benefitWarning(b, `objective.benefits.${i}`);
    if (w) warnings.push(w);
  }
  if (investment) warnings.push(...investmentWarnings(p, investment));
  return warnings;
}

function financingWarnings(p: PassportSections): ConsistencyWarning[] {
  const f = p.financing!;
  const out: ConsistencyWarning[] = [];
  const sum = f.costLines.reduce((s, l) => s + l.indicativeCents, 0);
  if (sum !== f.totalCents) {
    out.push({
      code: 'COST_LINES_NOT_TOTAL',
      section: 'financing',
      path: 'financing.costLines',
      message: `Indicative cost lines add up to EUR ${eur(sum)}, but the total is EUR ${eur(f.totalCents)} (difference EUR ${eur(sum - f.totalCents)})`,
      figures: { indicativeSumCents: sum, totalCents: f.totalCents, differenceCents: sum - f.totalCents },
    });
  }
  for (const [i, l] of f.costLines.entries()) {
    if (l.maximumCents === null) continue;
    const path = `financing.costLines.${i}.maximumCents`;
    if (l.maximumCents < l.indicativeCents) {
      out.push({
        code: 'MAXIMUM_BELOW_INDICATIVE',
        section: 'financing',
        path,
        message: `Cost line ${l.code}: maximum EUR ${eur(l.maximumCents)} is below its indicative amount EUR ${eur(l.indicativeCents)}`,
        figures: { line: l.code, maximumCents: l.maximumCents, indicativeCents: l.indicativeCents },
      });
    }
    // Other lines may shrink to make room for a maximum, but the total may never be exceeded.
    if (l.maximumCents > f.totalCents) {
      out.push({
        code: 'MAXIMUM_EXCEEDS_TOTAL',
        section: 'financing',
        path,
        message: `Cost line ${l.code}: maximum EUR ${eur(l.maximumCents)} could only be reached by exceeding the total EUR ${eur(f.totalCents)}`,
        figures: { line: l.code, maximumCents: l.maximumCents, totalCents: f.totalCents },
      });
    }
  }
  if (f.advanceCents > 0 && p.recipient?.directAdministration) {
    out.push({
      code: 'ADVANCE_FOR_DIRECT_ADMINISTRATION',
      section: 'financing',
      path: 'financing.advanceCents',
      message: `An advance of EUR ${eur(f.advanceCents)} is planned, but ${p.recipient.name} is a direct administration body, which may not receive one`,
      figures: { advanceCents: f.advanceCents },
    });
  }
  const eligible = eligibleCostsCents(f);
  const cap = advanceCapCents(eligible);
  if (f.advanceCents > cap) {
    out.push({
      code: 'ADVANCE_ABOVE_30_PERCENT',
      section: 'financing',
      path: 'financing.advanceCents',
      message: `Advance EUR ${eur(f.advanceCents)} is above ${ADVANCE_CAP_PERCENT} % of the eligible costs of EUR ${eur(eligible)}: at most EUR ${eur(cap)}`,
      figures: { advanceCents: f.advanceCents, capCents: cap, eligibleCents: eligible },
    });
  }
  if (f.vatSource !== 'not_requested' || f.vatCents > 0) {
    const base = f.costLines.filter((l) => l.vatable).reduce((s, l) => s + l.indicativeCents, 0);
    const expected = Math.round((base * VAT_RATE_PERCENT) / 100);
    if (expected !== f.vatCents) {
      const implied = Math.round((f.vatCents * 100) / VAT_RATE_PERCENT);
      out.push({
        code: 'VAT_NOT_21_PERCENT',
        section: 'financing',
        path: 'financing.vatCents',
        message: `VAT EUR ${eur(f.vatCents)} is not ${VAT_RATE_PERCENT} % of the VAT-able lines (EUR ${eur(base)} → EUR ${eur(expected)}); it implies a base of EUR ${eur(implied)}`,
        figures: { vatCents: f.vatCents, vatableBaseCents: base, expectedVatCents: expected, impliedBaseCents: implied },
      });
    }
  }
  return out;
}

/**
 * Baseline + increment = target, and increment / baseline = % change. With three or four of
 * the figures given, says which relation fails, e.g. "increment and % change".
 */
export function benefitWarning(b: Benefit, path: string): ConsistencyWarning | null {
  const { baselineValue: base, increment: inc, changePercent: pct, targetValue: target } = b;
  const disagreements: string[] = [];
  const figures: Record<string, number> = {};
  if (base !== undefined) figures.baseline = base;
  if (inc !== undefined) figures.increment = inc;
  if (pct !== undefined) figures.changePercent = pct;
  if (target !== undefined) figures.target = target;

  if (base !== undefined && inc !== undefined && target !== undefined && Math.abs(base + inc - target) > 0.5) {
    disagreements.push(`baseline ${base} + increment ${inc} = ${base + inc}, not the target ${target}`);
  }
  if (base !== undefined && base > 0 && pct !== undefined) {
    if (inc !== undefined && Math.abs((inc / base) * 100 - pct) > PERCENT_TOLERANCE) {
      disagreements.push(`increment ${inc} is ${round1((inc / base) * 100)} % of the baseline, not ${pct} %`);
    }
    if (target !== undefined && Math.abs(((target - base) / base) * 100 - pct) > PERCENT_TOLERANCE) {
      disagreements.push(`target ${target} is ${round1(((target - base) / base) * 100)} % above the baseline, not ${pct} %`);
    }
  }
  // Without a baseline, increment and target still imply one; the % change must fit it.
  if (base === undefined && inc !== undefined && target !== undefined && pct !== undefined && target - inc > 0) {
    const impliedBase = target - inc;
    if (Math.abs((inc / impliedBase) * 100 - pct) > PERCENT_TOLERANCE) {
      figures.impliedBaseline = impliedBase;
      disagreements.push(
        `target ${target} − increment ${inc} implies a baseline of ${impliedBase}, against which the change is ${round1((inc / impliedBase) * 100)} %, not ${pct} %`,
      );
    }
  }
  if (disagreements.length === 0) return null;
  return {
    code: 'BENEFIT_FIGURES_DISAGREE',
    section: 'objective',
    path,
    message: `Benefit "${b.title}": ${disagreements.join('; ')}`,
    figures,
  };
}

function investmentWarnings(p: PassportSections, inv: InvestmentFacts): ConsistencyWarning[] {
  const out: ConsistencyWarning[] = [];
  const startYear = Number(inv.startDate.slice(0, 4));
  const endYear = Number(inv.endDate.slice(0, 4));
  const outside = (section: SectionName, path: string, what: string, value: string) =>
    out.push({
      code: 'DATE_OUTSIDE_INVESTMENT_PERIOD',
      section,
      path,
      message: `${what} ${value} falls outside the investment's period ${inv.startDate} – ${inv.endDate}`,
      figures: { value, startDate: inv.startDate, endDate: inv.endDate },
    });
  for (const [i, b] of (p.objective?.benefits ?? []).entries()) {
    if (b.year < startYear || b.year > endYear) {
      outside('objective', `objective.benefits.${i}.year`, `Benefit "${b.title}": year`, String(b.year));
    }
  }
  const solutions = p.contribution?.ictSolutions ?? [];
  for (const [i, s] of solutions.entries()) {
    for (const field of ['approvalQuarter', 'implementationQuarter'] as const) {
      const [first, last] = quarterBounds(s[field]);
      if (last < inv.startDate || first > inv.endDate) {
        outside('contribution', `contribution.ictSolutions.${i}.${field}`, `${s.name}: ${field}`, s[field]);
      }
    }
  }
  if (inv.targetCount !== undefined) {
    const mine = solutions.reduce((n, s) => n + s.count, 0);
    const others = inv.contributedByOthers ?? 0;
    if (mine + others > inv.targetCount) {
      out.push({
        code: 'CONTRIBUTION_EXCEEDS_TARGET',
        section: 'contribution',
        path: 'contribution.ictSolutions',
        message: `This project contributes ${mine} and other projects ${others}: ${mine + others} exceeds the investment's target of ${inv.targetCount}`,
        figures: { project: mine, otherProjects: others, target: inv.targetCount },
      });
    }
  }
  return out;
}

/** First and last day of a quarter such as 2026-Q1. */
export function quarterBounds(q: string): [string, string] {
  const year = q.slice(0, 4);
  const n = Number(q.slice(6));
  const lastDay = ['03-31', '06-30', '09-30', '12-31'][n - 1]!;
  const firstDay = ['01-01', '04-01', '07-01', '10-01'][n - 1]!;
  return [`${year}-${firstDay}`, `${year}-${lastDay}`];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
