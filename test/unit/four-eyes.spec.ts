import { describe, expect, it } from 'vitest';
import { FourEyesViolation } from '../../src/domain/errors.js';
import { assertFourEyes, type FourEyesCheck } from '../../src/domain/four-eyes.js';
import { toProblem } from '../../src/http/problem.js';

const approval = (overrides: Partial<FourEyesCheck> = {}): FourEyesCheck => ({
  actor: 'janis.approver',
  act: 'approve',
  earlier: { submitted: 'anna', verified: 'peteris.officer' },
  ...overrides,
});

/** The error assertFourEyes throws, or undefined when it lets the step proceed. */
function refusal(check: FourEyesCheck): FourEyesViolation | undefined {
  try {
    assertFourEyes(check);
    return undefined;
  } catch (err) {
    if (err instanceof FourEyesViolation) return err;
    throw err;
  }
}

describe('four-eyes principle', () => {
  it('when the actor took none of the earlier steps, the step may proceed', () => {
    expect(refusal(approval())).toBeUndefined();
    expect(refusal(approval({ earlier: { submitted: 'anna', verified: undefined } }))).toBeUndefined();
    expect(refusal(approval({ earlier: { submitted: 'anna', verified: ['peteris.officer', 'liga'] } }))).toBeUndefined();
  });

  it('when the actor submitted it, it is refused naming the actor, the step and what they did', () => {
    const err = refusal(approval({ actor: 'anna' }));
    expect(err).toBeInstanceOf(FourEyesViolation);
    expect(err).toMatchObject({ actor: 'anna', act: 'approve', earlierActs: ['submitted'] });
    expect(err?.message).toBe('anna submitted this and may not also approve it: the four-eyes principle needs a second person');
  });

  it('when the actor verified it, or submitted and verified it, it is refused naming each earlier step in order', () => {
    expect(refusal(approval({ actor: 'peteris.officer' }))?.message).toBe(
      'peteris.officer verified this and may not also approve it: the four-eyes principle needs a second person',
    );
    expect(refusal({ actor: 'anna', act: 'approve', earlier: { submitted: 'anna', verified: 'anna' } })?.earlierActs).toEqual([
      'submitted',
      'verified',
    ]);
    expect(refusal({ actor: 'anna', act: 'approve', earlier: { submitted: 'anna', verified: 'anna' } })?.message).toBe(
      'anna submitted and verified this and may not also approve it: the four-eyes principle needs a second person',
    );
  });

  it('when one of several earlier actors of a step is the actor, it is refused for that step', () => {
    const err = refusal({ actor: 'liga', act: 'pay', earlier: { submitted: 'anna', verified: ['janis', 'liga'] } });
    expect(err).toMatchObject({ actor: 'liga', act: 'pay', earlierActs: ['verified'] });
  });

  it('when the refusal reaches HTTP, it is a 403 four-eyes problem naming the actor, the step and the earlier steps', () => {
    const err = new FourEyesViolation('anna', 'close', ['raised', 'followed up']);
    expect(toProblem(err)).toEqual({
      type: 'https://grants.example.lv/problems/four-eyes',
      title: 'Four-eyes principle: a second person must do this',
      status: 403,
      detail: 'anna raised and followed up this and may not also close it: the four-eyes principle needs a second person',
      rule: 'four-eyes',
      actor: 'anna',
      act: 'close',
      earlierActs: ['raised', 'followed up'],
    });
  });
});
