import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/principal.js';
import { assertCanSee, canSee, projectListScope, type ProjectParties } from '../../src/auth/scope.js';
import { NotFound } from '../../src/domain/errors.js';

const RECIPIENT = '90000012345';
const PARTNER = '40003000001';
const STRANGER = '50000000077';

const project = (overrides: Partial<ProjectParties> = {}): ProjectParties => ({
  projectId: '2.1.1.0/24/A/001',
  recipient: RECIPIENT,
  partners: [PARTNER],
  ...overrides,
});
const viewer = (role: Role, organisation: string) => ({ role, organisation });

describe('project scoping', () => {
  it('when a beneficiary belongs to the recipient or a partner, it reaches the project', () => {
    expect(canSee(viewer('beneficiary', RECIPIENT), project())).toBe(true);
    expect(canSee(viewer('beneficiary', PARTNER), project())).toBe(true);
    expect(() => assertCanSee(viewer('beneficiary', PARTNER), project())).not.toThrow();
  });

  it('when a beneficiary belongs to neither, the project is NotFound, exactly as one that does not exist', () => {
    expect(canSee(viewer('beneficiary', STRANGER), project())).toBe(false);
    const refused = () => assertCanSee(viewer('beneficiary', STRANGER), project());
    expect(refused).toThrow(NotFound);
    expect(refused).toThrow(new NotFound('Project', '2.1.1.0/24/A/001').message);
  });

  it('when the caller acts in any other role, it reaches every project whatever its organisation', () => {
    for (const role of ['officer', 'approver', 'council', 'auditor', 'admin'] as const) {
      expect(canSee(viewer(role, STRANGER), project())).toBe(true);
      expect(projectListScope(viewer(role, STRANGER))).toBeNull();
    }
  });

  it('when a beneficiary lists projects, the list is filtered to its own organisation as recipient or partner', () => {
    expect(projectListScope(viewer('beneficiary', PARTNER))).toEqual({ partyOrganisation: PARTNER });
  });
});
