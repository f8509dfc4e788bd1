import { z } from 'zod';
import { defineEvent, type EventOf, type UpcastContext } from '../../eventstore/registry.js';
import type { RetiredEvent } from '../stream.js';
import { bilingualName } from '../fund/events.js';
import { WARNING_CODES, type ConsistencyWarning } from './checks.js';
import { programmeRefSchema, recipientSchema, SECTION_NAMES, sectionSchemas, type PassportSections, type SectionName } from './content.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const reason = z.string().min(1).max(5000);
const sectionName = z.enum(SECTION_NAMES as [SectionName, ...SectionName[]]);

const warningSchema = z
  .object({
    code: z.enum(WARNING_CODES),
    section: sectionName,
    path: z.string(),
    message: z.string(),
    figures: z.record(z.string(), z.union([z.number(), z.string()])),
  })
  .strict() satisfies z.ZodType<ConsistencyWarning>;

export const PassportDrafted = defineEvent(
  'PassportDrafted.v1',
  z
    .object({
      projectId: z.uuid(),
      title: bilingualName,
      programme: programmeRefSchema,
      recipient: recipientSchema,
      draftedAt: at,
      draftedBy: actor,
    })
    .strict(),
);

/** One section's new content; `value` has that section's shape. */
export type SectionUpdate = {
  [K in SectionName]: { section: K; value: NonNullable<PassportSections[K]>; updatedAt: string };
}[SectionName];

const update = <K extends SectionName>(section: K) =>
  z.object({ section: z.literal(section), value: sectionSchemas[section], updatedAt: at }).strict();

export const PassportSectionUpdated = defineEvent<'PassportSectionUpdated.v1', SectionUpdate>(
  'PassportSectionUpdated.v1',
  z.discriminatedUnion('section', [
    update('recipient'),
    update('partners'),
    update('related'),
    update('objective'),
    update('financing'),
    update('contribution'),
    update('governance'),
    update('costBenefit'),
    update('other'),
  ]),
);

export const PassportSubmitted = defineEvent(
  'PassportSubmitted.v1',
  z.object({ version: z.number().int().min(1), warnings: z.array(warningSchema), submittedAt: at, submittedBy: actor }).strict(),
);

export const PassportReturned = defineEvent(
  'PassportReturned.v1',
  z
    .object({
      comments: z.array(z.object({ section: sectionName.optional(), text: reason }).strict()).min(1),
      returnedAt: at,
      returnedBy: actor,
    })
    .strict(),
);

export const PassportVerified = defineEvent(
  'PassportVerified.v1',
  z.object({ note: z.string().max(5000).optional(), verifiedAt: at, verifiedBy: actor }).strict(),
);

export const PassportApproved = defineEvent(
  'PassportApproved.v1',
  z.object({ version: z.number().int().min(1), approvedAt: at, approvedBy: actor }).strict(),
);

const rejection = z.object({ version: z.number().int().min(1), reason, rejectedAt: at, rejectedBy: actor }).strict();

/** A passport that was never approved is rejected: the project ends here. */
export const PassportRejected = defineEvent('PassportRejected.v2', rejection);

/** An amendment of an approved passport is rejected: the approved version stays in force. */
export const PassportAmendmentRejected = defineEvent('PassportAmendmentRejected.v1', rejection);

export const PassportAmendmentStarted = defineEvent(
  'PassportAmendmentStarted.v1',
  z.object({ reason, startedAt: at, startedBy: actor }).strict(),
);

export const PassportWithdrawn = defineEvent('PassportWithdrawn.v1', z.object({ reason, withdrawnAt: at, withdrawnBy: actor }).strict());

export type PassportEvent =
  | EventOf<typeof PassportDrafted>
  | EventOf<typeof PassportSectionUpdated>
  | EventOf<typeof PassportSubmitted>
  | EventOf<typeof PassportReturned>
  | EventOf<typeof PassportVerified>
  | EventOf<typeof PassportApproved>
  | EventOf<typeof PassportRejected>
  | EventOf<typeof PassportAmendmentRejected>
  | EventOf<typeof PassportAmendmentStarted>
  | EventOf<typeof PassportWithdrawn>;

export const passportEvents = [
  PassportDrafted,
  PassportSectionUpdated,
  PassportSubmitted,
  PassportReturned,
  PassportVerified,
  PassportApproved,
  PassportRejected,
  PassportAmendmentRejected,
  PassportAmendmentStarted,
  PassportWithdrawn,
];

/**
 * `PassportRejected.v1` meant both "passport rejected" and "amendment rejected". Which one a
 * stored event was depends on whether the passport had been approved before it, so it is read
 * with the types stored before it in its stream.
 */
export const retiredPassportEvents: RetiredEvent[] = [
  {
    type: 'PassportRejected.v1',
    contextual: true,
    upcast: (data: unknown, { earlierTypes }: UpcastContext) => ({
      type: earlierTypes.has(PassportApproved.type) ? PassportAmendmentRejected.type : PassportRejected.type,
      data,
    }),
  },
];
