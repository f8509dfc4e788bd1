import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import { bilingualName, type BilingualName } from '../fund/events.js';
import { PERIOD, PROGRAMME_CODE } from '../programme/events.js';

/**
 * A level of a programme's hierarchy.
 * RRF (ANM): `component` (komponente, `2`) → `direction` (reformu un investīciju virziens, `2.1`)
 * → `reform` (`2.1.1.r`) or `investment` (`2.1.2.1.i`) → `selection_round` (kārta, `2.1.2.1.i.1`).
 * Cohesion (ERAF): `policy_objective` (politikas mērķis, `1`) → `specific_objective`
 * (specifiskais atbalsta mērķis, SAM, `1.3.1`) → `measure` (pasākums, `1.3.1.1`) → `selection_round` (`1.3.1.1.1`).
 */
export type NodeKind =
  'component' | 'direction' | 'reform' | 'investment' | 'policy_objective' | 'specific_objective' | 'measure' | 'selection_round';

export const NODE_KINDS = [
  'component',
  'direction',
  'reform',
  'investment',
  'policy_objective',
  'specific_objective',
  'measure',
  'selection_round',
] as const satisfies readonly NodeKind[];

/**
 * A node's code within its programme and period: dot-separated numbers, reforms end in `.r`,
 * investments in `.i`, and a selection round adds its number, e.g. `2`, `2.1`, `2.1.2.1.i`,
 * `2.1.2.1.i.1`, `1.3.1.1`.
 * @pattern ^[0-9]{1,3}(\.[0-9]{1,3})*(\.[ir](\.[0-9]{1,3})?)?$
 * @maxLength 40
 */
export type NodeCode = string;
export const NODE_CODE = /^[0-9]{1,3}(\.[0-9]{1,3})*(\.[ir](\.[0-9]{1,3})?)?$/;

/**
 * A milestone or target code, unique within its investment or measure, e.g. `T1`, `M2`.
 * @pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$
 */
export type TargetCode = string;
export const TARGET_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * What an investment or measure must deliver by a date: a milestone (atskaites punkts,
 * qualitative: no value or unit) or a target (mērķis, quantitative: a value in a unit).
 */
export interface Target {
  code: string;
  kind: 'milestone' | 'target';
  name: BilingualName;
  /** Unit of the value, e.g. plāni / plans; null for a milestone. */
  unit: BilingualName | null;
  /** Value to reach; null for a milestone. */
  value: number | null;
  dueDate: string;
}

const target = z
  .object({
    code: z.string().regex(TARGET_CODE),
    kind: z.enum(['milestone', 'target']),
    name: bilingualName,
    unit: bilingualName.nullable(),
    value: z.number().min(0).nullable(),
    dueDate: z.iso.date(),
  })
  .strict() satisfies z.ZodType<Target>;

/** What an amendment may change; investment details are null (and targets empty) for other kinds. */
export interface NodeContent {
  name: BilingualName;
  /** Planned funding (plānotais finansējums) in euro cents. */
  plannedFundingCents: number | null;
  /** Implementation period. */
  startDate: string | null;
  endDate: string | null;
  targets: Target[];
}

const content = {
  name: bilingualName,
  plannedFundingCents: z.int().min(0).nullable(),
  startDate: z.iso.date().nullable(),
  endDate: z.iso.date().nullable(),
  targets: z.array(target).max(100),
};

export const ProgrammeNodeDefined = defineEvent(
  'ProgrammeNodeDefined.v1',
  z
    .object({
      programme: z.string().regex(PROGRAMME_CODE),
      period: z.string().regex(PERIOD),
      code: z.string().regex(NODE_CODE).max(40),
      kind: z.enum(NODE_KINDS),
      /** Null for a top-level node (component, policy objective). */
      parent: z.string().regex(NODE_CODE).nullable(),
      ...content,
      definedAt: z.iso.datetime(),
    })
    .strict(),
);

/** A new version of the node's content (the whole content, not a patch), with the reason. */
export const ProgrammeNodeAmended = defineEvent(
  'ProgrammeNodeAmended.v1',
  z.object({ ...content, reason: z.string().min(1).max(2000), amendedAt: z.iso.datetime() }).strict(),
);

export const ProgrammeNodeRetired = defineEvent(
  'ProgrammeNodeRetired.v1',
  z.object({ reason: z.string().min(1).max(2000), retiredAt: z.iso.datetime() }).strict(),
);

export type ProgrammeNodeEvent =
  EventOf<typeof ProgrammeNodeDefined> | EventOf<typeof ProgrammeNodeAmended> | EventOf<typeof ProgrammeNodeRetired>;

export const programmeNodeEvents = [ProgrammeNodeDefined, ProgrammeNodeAmended, ProgrammeNodeRetired];
