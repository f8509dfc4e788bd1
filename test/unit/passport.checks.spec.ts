import { describe, expect, it } from 'vitest';
import { benefitWarning, checkConsistency } from '../../src/domain/passport/checks.js';
import type { Benefit } from '../../src/domain/passport/content.js';
import { buildFinancing, buildSections, eAdrese, investment2121 } from '../support/passport-builders.js';

const codes = (s: Parameters<typeof checkConsistency>[0], inv = investment2121) => checkConsistency(s, inv).map((w) => w.code);

describe('passport consistency checks', () => {
  it('when the seed passport is checked, the only warning is its first benefit, whose +80 % does not fit its figures', () => {
    const warnings = checkConsistency(buildSections(), investment2121);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'BENEFIT_FIGURES_DISAGREE', path: 'objective.benefits.0' });
    expect(warnings[0]!.figures).toMatchObject({ impliedBaseline: 54263, changePercent: 80 });
    expect(warnings[0]!.message).toContain('312 %');
  });

  it('when sections are missing, each is named', () => {
    const warnings = checkConsistency({ recipient: eAdrese.recipient });
    expect(warnings.map((w) => w.section)).toEqual(['related', 'objective', 'financing', 'contribution', 'governance']);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['SECTION_MISSING']));
  });

  describe('cost lines', () => {
    it('when the indicative lines do not add up to the total, the sum, total and difference are given', () => {
      const financing = buildFinancing({ totalCents: 462_000_001 });
      const [w] = checkConsistency(buildSections({ financing }), investment2121).filter((x) => x.code === 'COST_LINES_NOT_TOTAL');
      expect(w!.figures).toEqual({ indicativeSumCents: 462_000_000, totalCents: 462_000_001, differenceCents: -1 });
    });

    it('when the indicative lines add up exactly to the total, there is no such warning', () => {
      expect(codes(buildSections())).not.toContain('COST_LINES_NOT_TOTAL');
    });

    it('when a maximum is below its indicative amount, the line is named; equal is fine', () => {
      const financing = buildFinancing();
      financing.costLines[1]!.maximumCents = 99_999_999;
      const warnings = checkConsistency(buildSections({ financing }), investment2121).filter((w) => w.code === 'MAXIMUM_BELOW_INDICATIVE');
      expect(warnings.map((w) => w.figures.line)).toEqual(['4.4']);
      expect(codes(buildSections())).not.toContain('MAXIMUM_BELOW_INDICATIVE');
    });

    it('when a maximum could only be reached by exceeding the total, it is flagged; reachable by shrinking others is fine', () => {
      const financing = buildFinancing();
      financing.costLines[0]!.maximumCents = 462_000_001;
      expect(codes(buildSections({ financing }))).toContain('MAXIMUM_EXCEEDS_TOTAL');
      // The seed's 4,196,000 maximum needs the other lines to shrink by 1,500,000: legal.
      expect(codes(buildSections())).not.toContain('MAXIMUM_EXCEEDS_TOTAL');
    });

    it('when a maximum is n/a (null), it is not compared', () => {
      const financing = buildFinancing();
      financing.costLines[0]!.maximumCents = null;
      expect(codes(buildSections({ financing }))).toEqual(['BENEFIT_FIGURES_DISAGREE']);
    });
  });

  describe('advance', () => {
    const notDirect = { ...eAdrese.recipient, directAdministration: false };

    it('when the advance is above 30 % of eligible costs (total plus requested VAT), the cap is given; exactly 30 % is fine', () => {
      // Seed: total EUR 4,620,000.00 + state-budget VAT EUR 776,160.00 = eligible EUR 5,396,160.00; 30 % is EUR 1,618,848.00.
      const over = checkConsistency(
        buildSections({ recipient: notDirect, financing: buildFinancing({ advanceCents: 161_884_801 }) }),
        investment2121,
      );
      const warning = over.find((w) => w.code === 'ADVANCE_ABOVE_30_PERCENT')!;
      expect(warning.figures).toEqual({ advanceCents: 161_884_801, capCents: 161_884_800, eligibleCents: 539_616_000 });
      expect(warning.message).toBe(
        'Advance EUR 1,618,848.01 is above 30 % of the eligible costs of EUR 5,396,160.00: at most EUR 1,618,848.00',
      );
      expect(codes(buildSections({ recipient: notDirect, financing: buildFinancing({ advanceCents: 161_884_800 }) }))).not.toContain(
        'ADVANCE_ABOVE_30_PERCENT',
      );
    });

    it('when VAT coverage is not requested, VAT is no eligible cost and 30 % is taken of the total alone', () => {
      const financing = (advanceCents: number) => buildFinancing({ vatSource: 'not_requested', advanceCents });
      const over = checkConsistency(buildSections({ recipient: notDirect, financing: financing(138_600_001) }), investment2121);
      expect(over.find((w) => w.code === 'ADVANCE_ABOVE_30_PERCENT')!.figures).toEqual({
        advanceCents: 138_600_001,
        capCents: 138_600_000,
        eligibleCents: 462_000_000,
      });
      expect(codes(buildSections({ recipient: notDirect, financing: financing(138_600_000) }))).not.toContain('ADVANCE_ABOVE_30_PERCENT');
    });

    it('when a direct administration body plans any advance, it is flagged; a body that is not may have one', () => {
      expect(codes(buildSections({ financing: buildFinancing({ advanceCents: 1 }) }))).toContain('ADVANCE_FOR_DIRECT_ADMINISTRATION');
      expect(codes(buildSections({ recipient: notDirect, financing: buildFinancing({ advanceCents: 1 }) }))).not.toContain(
        'ADVANCE_FOR_DIRECT_ADMINISTRATION',
      );
    });
  });

  describe('VAT', () => {
    it('when VAT is 21 % of the VAT-able lines (776,160 of 3,696,000 in the seed), there is no warning', () => {
      expect(codes(buildSections())).not.toContain('VAT_NOT_21_PERCENT');
    });

    it('when VAT is computed on all lines instead, the warning shows the base it implies', () => {
      const [w] = checkConsistency(buildSections({ financing: buildFinancing({ vatCents: 97_020_000 }) }), investment2121).filter(
        (x) => x.code === 'VAT_NOT_21_PERCENT',
      );
      expect(w!.figures).toEqual({
        vatCents: 97_020_000,
        vatableBaseCents: 369_600_000,
        expectedVatCents: 77_616_000,
        impliedBaseCents: 462_000_000,
      });
      expect(w!.message).toContain('implies a base of EUR 4,620,000.00');
    });

    it('when VAT is off by one cent, it is flagged (money is exact)', () => {
      expect(codes(buildSections({ financing: buildFinancing({ vatCents: 77_616_001 }) }))).toContain('VAT_NOT_21_PERCENT');
    });
  });

  describe('benefits', () => {
    const benefit = (b: Partial<Benefit>): Benefit => ({ title: 'Users', method: 'count', unit: 'users', year: 2026, ...b });

    it('when baseline, increment, % change and target agree within rounding, there is no warning', () => {
      expect(
        benefitWarning(benefit({ baselineValue: 4_304_785, increment: 3_013_350, changePercent: 70, targetValue: 7_318_135 }), 'b'),
      ).toBeNull();
    });

    it('when baseline + increment is not the target, it says so', () => {
      const w = benefitWarning(benefit({ baselineValue: 100, increment: 50, targetValue: 160 }), 'b');
      expect(w!.message).toContain('baseline 100 + increment 50 = 150, not the target 160');
    });

    it('when the % change does not fit the increment, it names increment and % change', () => {
      const w = benefitWarning(benefit({ baselineValue: 100, increment: 50, changePercent: 80 }), 'b');
      expect(w!.message).toContain('increment 50 is 50 % of the baseline, not 80 %');
    });

    it('when the % change does not fit the target, it names target and % change', () => {
      const w = benefitWarning(benefit({ baselineValue: 100, targetValue: 190, changePercent: 80 }), 'b');
      expect(w!.message).toContain('target 190 is 90 % above the baseline, not 80 %');
    });

    it('when a stated percentage is only rounded (70.0 vs 69.96), it is accepted', () => {
      expect(benefitWarning(benefit({ baselineValue: 10_000, increment: 6_996, changePercent: 70 }), 'b')).toBeNull();
    });
  });

  describe('investment', () => {
    it("when a benefit's year or an ICT quarter falls outside the investment's period, the field is named", () => {
      const s = buildSections();
      s.objective!.benefits[2]!.year = 2027;
      s.contribution!.ictSolutions[0]!.implementationQuarter = '2026-Q4';
      const paths = checkConsistency(s, investment2121)
        .filter((w) => w.code === 'DATE_OUTSIDE_INVESTMENT_PERIOD')
        .map((w) => w.path);
      expect(paths).toEqual(['objective.benefits.2.year', 'contribution.ictSolutions.0.implementationQuarter']);
    });

    it('when a quarter overlaps the end of the period (2026-Q3, period ends 2026-08-31), it is inside', () => {
      const s = buildSections();
      s.contribution!.ictSolutions[0]!.implementationQuarter = '2026-Q3';
      expect(codes(s)).not.toContain('DATE_OUTSIDE_INVESTMENT_PERIOD');
    });

    it("when this project's and other projects' contributions pass the target count, it is flagged; reaching it exactly is fine", () => {
      expect(codes(buildSections(), { ...investment2121, contributedByOthers: 14 })).toContain('CONTRIBUTION_EXCEEDS_TARGET');
      expect(codes(buildSections(), { ...investment2121, contributedByOthers: 13 })).not.toContain('CONTRIBUTION_EXCEEDS_TARGET');
    });
  });
});
