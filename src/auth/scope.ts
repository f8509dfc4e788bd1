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

/** What the API calls the objects a caller may be refused: the word a not-found answer names them by. */
export type ObjectKind = 'Project' | 'Finding' | 'Indicator' | 'Import job';

/**
 * The one answer for an object that does not exist and for one outside what the caller may see:
 * the same error either way, so status, problem type, title and detail cannot tell them apart
 * (the id as given). Every check of what a caller may reach answers with it.
 */
export function notFound(kind: ObjectKind, id: string): NotFound {
  return new NotFound(kind, id);
}

/**
 * `reach` (e.g. the check that the caller may see the object's project), with a refusal answered
 * as this object not being found: the project's not-found would say which project it is in.
 */
export async function reachedAs<T>(kind: ObjectKind, id: string, reach: () => Promise<T>): Promise<T> {
  try {
    return await reach();
  } catch (err) {
    if (err instanceof NotFound) throw notFound(kind, id);
    throw err;
  }
}

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
  if (!canSee(viewer, project)) throw notFound('Project', project.projectId);
}

/**
 * The filter a project list query must apply: only projects where this organisation is the
 * recipient or a partner; null when the viewer may list every project.
 */
export function projectListScope(viewer: Viewer): { readonly partyOrganisation: string } | null {
  return viewer.role === 'beneficiary' ? { partyOrganisation: viewer.organisation } : null;
}

/**
 * What the viewer may see of any list, as one value: `all`, or a beneficiary's
 * `organisation:<registration number>`. Cursors are bound to it, so one cannot be carried
 * from a view of more objects into a view of fewer.
 */
export function visibilityScope(viewer: Viewer): string {
  return viewer.role === 'beneficiary' ? `organisation:${viewer.organisation}` : 'all';
}

/**
 * A project's passport as `viewer` may see it: 404 when it does not exist and, to a
 * beneficiary, when it belongs to another organisation (recipient and partners decide).
 */
export function visiblePassport(viewer: Viewer, projectId: string, state: Passport): Exclude<Passport, { status: 'none' }> {
  if (state.status === 'none') throw notFound('Project', projectId);
  assertCanSee(viewer, {
    projectId,
    recipient: state.sections.recipient.registrationNumber,
    partners: (state.sections.partners ?? []).map((p) => p.registrationNumber),
  });
  return state;
}
