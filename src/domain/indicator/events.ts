import { z } from 'zod';
import { defineEvent } from '../../eventstore/registry.js';
import { bilingualName, type BilingualName } from '../fund/events.js';
import { programmeRefSchema } from '../passport/content.js';

const at = z.iso.datetime();
const actor = z.string().min(1).max(200);
const date = z.iso.date();

/**
 * What an indicator measures progress of: an investment or measure (programme, period, code),
 * or one project, which carries its own programme reference so roll-ups need no join.
 */
export type IndicatorPlacement =
  | { level: 'investment'; fund: string; programme: string; period: string; investment: string }
  | { level: 'project'; projectId: string; fund: string; programme: string; period: string; investment: string };

/** How a reported figure relates to the truth (e.g. "more than 1,080 companies"). */
export type Qualifier = 'exact' | 'more_than' | 'approximately' | 'at_least';
export const QUALIFIERS = ['exact', 'more_than', 'approximately', 'at_least'] as const satisfies readonly Qualifier[];

/** A document backing a reported value, pinned by its hash so a later swap is visible. */
export interface Evidence {
  /** The document's id in the document register. @minLength 1 @maxLength 200 */
  documentId: string;
  /** @minLength 1 @maxLength 500 */
  title: string;
  /** Hex SHA-256 of the document's bytes. @pattern ^[0-9a-f]{64}$ */
  sha256: string;
}

/** Rādītājs: a milestone (atskaites punkts, qualitative) or a target (mērķis, quantitative). */
export interface IndicatorDefinition {
  code: string;
  name: BilingualName;
  kind: 'milestone' | 'target';
  /** Null for a milestone. */
  unit: BilingualName | null;
  /** Sākotnējā vērtība: null for a milestone. */
  baseline: { value: number; date: string } | null;
  /** Value null for a milestone (done or not). */
  target: { value: number | null; dueDate: string };
  /** Investment indicators only: projects whose same-coded indicators sum into this one. */
  contributingProjects: string[];
}

const placement = z.discriminatedUnion('level', [
  programmeRefSchema.extend({ level: z.literal('investment') }).strict(),
  programmeRefSchema.extend({ level: z.literal('project'), projectId: z.uuid() }).strict(),
]) satisfies z.ZodType<IndicatorPlacement>;

export const evidenceSchema = z
  .object({ documentId: z.string().min(1).max(200), title: z.string().min(1).max(500), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict() satisfies z.ZodType<Evidence>;

export const IndicatorDefined = defineEvent(
  'IndicatorDefined.v1',
  z
    .object({
      indicatorId: z.uuid(),
      on: placement,
      code: z.string().min(1).max(32),
      name: bilingualName,
      kind: z.enum(['milestone', 'target']),
      unit: bilingualName.nullable(),
      baseline: z.object({ value: z.number(), date }).strict().nullable(),
      target: z.object({ value: z.number().nullable(), dueDate: date }).strict(),
      contributingProjects: z.array(z.uuid()).max(1000),
      definedAt: at,
      definedBy: actor,
    })
    .strict(),
);

/** A value as of a date; a correction is another report naming the one it corrects. */
export const IndicatorValueReported = defineEvent(
  'IndicatorValueReported.v1',
  z
    .object({
      report: z.int().min(1),
      value: z.number().min(0),
      asOfDate: date,
      qualifier: z.enum(QUALIFIERS),
      evidence: z.array(evidenceSchema).max(50),
      corrects: z.int().min(1).nullable(),
      note: z.string().max(5000).nullable(),
      reportedAt: at,
      reportedBy: actor,
    })
    .strict(),
);

export const IndicatorValueVerified = defineEvent(
  'IndicatorValueVerified.v1',
  z.object({ report: z.int().min(1), note: z.string().max(5000).nullable(), verifiedAt: at, verifiedBy: actor }).strict(),
);

export const IndicatorValueRejected = defineEvent(
  'IndicatorValueRejected.v1',
  z.object({ report: z.int().min(1), reason: z.string().min(1).max(5000), rejectedAt: at, rejectedBy: actor }).strict(),
);

type Of<D> = D extends { type: infer T; schema: z.ZodType<infer P> } ? { type: T; data: P } : never;

export type IndicatorEvent =
  Of<typeof IndicatorDefined> | Of<typeof IndicatorValueReported> | Of<typeof IndicatorValueVerified> | Of<typeof IndicatorValueRejected>;

export const indicatorEvents = [IndicatorDefined, IndicatorValueReported, IndicatorValueVerified, IndicatorValueRejected];
