import type { ConsistencyWarning } from '../../domain/passport/checks.js';
import type { PassportSections, ProgrammeRef, ReturnComment } from '../../domain/passport/content.js';
import type { Passport } from '../../domain/passport/decider.js';
import type { BilingualName } from '../../domain/fund/events.js';

export interface VersionSummary {
  version: number;
  submittedAt: string;
  submittedBy: string;
  amendmentReason: string | null;
  /** Consistency warnings found when this version was submitted. */
  warnings: ConsistencyWarning[];
}

export interface PassportView {
  projectId: string;
  status: 'draft' | 'submitted' | 'verified' | 'approved' | 'rejected' | 'withdrawn';
  title: BilingualName;
  programme: ProgrammeRef;
  /** The working content: the draft, or the version under review or in force. */
  sections: PassportSections;
  versions: VersionSummary[];
  approvedVersion: number | null;
  amendmentReason: string | null;
  /** The officer's comments from the last return. */
  comments: ReturnComment[];
  /** Stream version (as of `asOf` on a read); also the ETag. */
  streamVersion: number;
}

/** A passport as it stood at an instant (`GET /projects/{projectId}/passport`, optionally `?asOf=`). */
export interface PassportAsOfView extends PassportView {
  /**
   * The instant this state is for: only events recorded at or before it count, so nothing
   * recorded later changes it. The request's `asOf`, or the time of the read when none was given.
   * @format date-time
   */
  asOf: string;
}

type Existing = Exclude<Passport, { status: 'none' }>;

export function passportView(state: Existing, streamVersion: number): PassportView {
  return {
    projectId: state.projectId,
    status: state.status,
    title: state.title,
    programme: state.programme,
    sections: state.sections,
    versions: state.versions.map(({ sections: _sections, ...summary }) => summary),
    approvedVersion: state.approvedVersion,
    amendmentReason: state.amendmentReason,
    comments: state.comments,
    streamVersion,
  };
}
