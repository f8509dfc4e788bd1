import { describe, expect, it } from 'vitest';
import { FourEyesViolation } from '../../src/domain/errors.js';
import { assertFourEyes, type ApprovalActors } from '../../src/domain/four-eyes.js';
import { toProblem } from '../../src/http/problem.js';

const actors = (overrides: Partial<ApprovalActors> = {}): ApprovalActors => ({
  approver: 'janis.approver',
  submittedBy: 'anna',
  verifiedBy: 'peteris.officer',
  ...overrides,
});

describe('four-eyes principle', () => {
  it('when the approver neither submitted nor verified, the approval may proceed', () => {
    expect(() => assertFourEyes(actors())).not.toThrow();
    expect(() => assertFourEyes(actors({ verifiedBy: undefined }))).not.toThrow();
  });

  it('when the approver submitted it, it is refused naming the approver and what they did', () => {
    expect(() => assertFourEyes(actors({ approver: 'anna' }))).toThrow('the approver anna submitted this; approval needs a second person');
  });

  it('when the approver verified it, or submitted and verified it, it is refused for each', () => {
    expect(() => assertFourEyes(actors({ approver: 'peteris.officer' }))).toThrow(/peteris.officer verified this/);
    expect(() => assertFourEyes({ approver: 'anna', submittedBy: 'anna', verifiedBy: 'anna' })).toThrow(
      'the approver anna submitted and verified this; approval needs a second person',
    );
  });

  it('when the refusal reaches HTTP, it is a 409 problem with the reason', () => {
    expect(toProblem(new FourEyesViolation('anna', ['submitted']))).toMatchObject({
      status: 409,
      title: 'Approval needs a second person',
      detail: 'the approver anna submitted this; approval needs a second person',
      approver: 'anna',
      earlierActs: ['submitted'],
    });
  });
});
