import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import { bilingualName } from '../fund/events.js';
import type { ConsistencyWarning } from './checks.js';
import { programmeRefSchema, recipientSchema, SECTION_NAMES, sectionSchemas, type SectionName } from './content.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const reason = z.string().min(1).max(5000);

const warningSchema = z
  .object({
    code: z.string(),
    section: z.enum(SECTION_NAMES as [SectionName, ...SectionName[]]),
    path: z.string(),
    message: z.string(),
    figures: z.record(z.string(), z.union([z.number(), z.string()])),
  })
  .strict() as unknown as z.ZodType<ConsistencyWarning>;

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

export const PassportSectionUpdated = defineEvent(
  'PassportSectionUpdated.v1',
  z.discriminatedUnion(
    'section',
    SECTION_NAMES.map((section) =>
      z.object({ section: z.literal(section), value: sectionSchemas[section], updatedAt: at }).strict(),
    ) as unknown as [z.ZodObject<{ section: z.ZodLiteral<SectionName> }>],
  ) as unknown as z.ZodType<{ section: SectionName; value: unknown; updatedAt: string }>,
);

export const PassportSubmitted = defineEvent(
  'PassportSubmitted.v1',
  z.object({ version: z.number().int().min(1), warnings: z.array(warningSchema), submittedAt: at, submittedBy: actor }).strict(),
);

export const PassportReturned = defineEvent(
  'PassportReturned.v1',
  z
    .object({
      comments: z
        .array(z.object({ section: z.enum(SECTION_NAMES as [SectionName, ...SectionName[]]).optional(), text: reason }).strict())
        .min(1),
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

export const PassportRejected = defineEvent(
  'PassportRejected.v1',
  z.object({ version: z.number().int().min(1), reason, rejectedAt: at, rejectedBy: actor }).strict(),
);

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
  PassportAmendmentStarted,
  PassportWithdrawn,
];
