import { NotFound } from '../domain/errors.js';
import type { Passport } from '../domain/passport/decider.js';
import type { AuthenticatedUser } from './principal.js';

/** The organisations a project belongs to, which decide who may reach it. */
export interface ProjectParties {
  readonly projectId: string;
  /** Registration number of the recipient (finansējuma saņēmējs). */
  readonly recipient: string;
  /** Registration numbers of the partners (sadarbības partneri). */
  readonly partners: readonly string[];
}

/** Scoping follows the role the call was allowed under, so one person can act in several capacities. */
export type Viewer = Pick<AuthenticatedUser, 'organisation' | 'role'>;

/** A beneficiary reaches only its own organisation's projects; every other role reaches all. */
export function canSee(viewer: Viewer, project: ProjectParties): boolean {
  if (viewer.role !== 'beneficiary') return true;
  return project.recipient === viewer.organisation || project.partners.includes(viewer.organisation);
}

/**
 * Throws the same NotFound a missing project throws, so a beneficiary cannot tell another
 * organisation's project from one that does not exist (OWASP API1, object-level authorisation).
 */
export function assertCanSee(viewer: Viewer, project: ProjectParties): void {
  if (!canSee(viewer, project)) throw new NotFound('Project', project.projectId);
}

/**
 * The filter a project list query must apply: only projects where this organisation is the
 * recipient or a partner; null when the viewer may list every project.
 */
export function projectListScope(viewer: Viewer): { readonly partyOrganisation: string } | null {
  return viewer.role === 'beneficiary' ? { partyOrganisation: viewer.organisation } : null;
}

/**
 * A project's passport as `viewer` may see it: 404 when it does not exist and, to a
 * beneficiary, when it belongs to another organisation (recipient and partners decide).
 */
export function visiblePassport(viewer: Viewer, projectId: string, state: Passport): Exclude<Passport, { status: 'none' }> {
  if (state.status === 'none') throw new NotFound('Project', projectId);
  assertCanSee(viewer, {
    projectId,
    recipient: state.sections.recipient.registrationNumber,
    partners: (state.sections.partners ?? []).map((p) => p.registrationNumber),
  });
  return state;
}
