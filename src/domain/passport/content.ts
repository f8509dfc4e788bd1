import { z } from 'zod';
import type { Cents, IsoDate } from '../values.js';

/*
 * The project passport (projekta pase), section by section as in the real documents
 * (shared/seeds/004_project_passport.txt). Money is integer euro cents; dates ISO 8601.
 * The interfaces are what the API accepts (tsoa reads them); the zod schemas parse event
 * payloads and are bound to the interfaces with `satisfies`.
 */

/** Year and quarter, e.g. 2026-Q1. @pattern ^\d{4}-Q[1-4]$ */
export type Quarter = string;
/** Organisation registration number (11 digits). @pattern ^\d{11}$ */
export type RegistrationNumber = string;

const cents = z.number().int().min(0);
const isoDate = z.iso.date();
const quarter = z.string().regex(/^\d{4}-Q[1-4]$/);
const regNo = z.string().regex(/^\d{11}$/);
const text = (max = 20_000) => z.string().min(1).max(max);

/** 1. Finansējuma saņēmējs un sadarbības partneri. */
export interface Organisation {
  /** @minLength 1 @maxLength 300 */
  name: string;
  registrationNumber: RegistrationNumber;
}
export interface Recipient extends Organisation {
  /** Direct administration bodies (tiešās pārvaldes iestādes) may not receive an advance. */
  directAdministration: boolean;
}
const organisation = z.object({ name: text(300), registrationNumber: regNo }).strict();
export const recipientSchema = organisation.extend({ directAdministration: z.boolean() }).strict() satisfies z.ZodType<Recipient>;

/** 2. Saistīto projektu programma; saistība ar citiem projektiem. */
export interface RelatedProject {
  /** Earlier project's number, e.g. 2.2.1.1/16/I/001. @minLength 1 @maxLength 100 */
  number: string;
  /** @minLength 1 @maxLength 500 */
  name: string;
  /** What it delivered. @maxLength 20000 */
  delivered: string;
}
export interface RelatedProjects {
  /** Programme the project belongs to, e.g. "Valsts pakalpojumu platformu attīstības programma". @maxLength 500 */
  programmeName: string;
  projects: RelatedProject[];
  /** Why there is no double-funding risk with the related projects. @minLength 1 @maxLength 20000 */
  noDoubleFundingStatement: string;
}
export const relatedSchema = z
  .object({
    programmeName: z.string().max(500),
    projects: z.array(z.object({ number: text(100), name: text(500), delivered: z.string().max(20_000) }).strict()),
    noDoubleFundingStatement: text(),
  })
  .strict() satisfies z.ZodType<RelatedProjects>;

/** 3.3. Ieguvums: a benefit with how it is measured and the figures promised. */
export interface Benefit {
  /** @minLength 1 @maxLength 500 */
  title: string;
  /** Measurement or verification method. @minLength 1 @maxLength 5000 */
  method: string;
  /** @minLength 1 @maxLength 100 */
  unit: string;
  /** Value at the baseline date, if one is stated. @minimum 0 */
  baselineValue?: number;
  baselineDate?: IsoDate;
  /** Absolute increase promised. */
  increment?: number;
  /** Percentage change promised against the baseline. */
  changePercent?: number;
  /** Value to reach. @minimum 0 */
  targetValue?: number;
  /** Year the value is reached. @isInt @minimum 2000 @maximum 2100 */
  year: number;
}
export const benefitSchema = z
  .object({
    title: text(500),
    method: text(5000),
    unit: text(100),
    baselineValue: z.number().min(0).optional(),
    baselineDate: isoDate.optional(),
    increment: z.number().optional(),
    changePercent: z.number().optional(),
    targetValue: z.number().min(0).optional(),
    year: z.number().int().min(2000).max(2100),
  })
  .strict() satisfies z.ZodType<Benefit>;

export interface Objective {
  /** 3.1. Projekta mērķis un galvenais saturs. @minLength 1 @maxLength 50000 */
  objective: string;
  /** 3.2. Projekta pamatojums. @minLength 1 @maxLength 50000 */
  justification: string;
  benefits: Benefit[];
}
export const objectiveSchema = z
  .object({ objective: text(50_000), justification: text(50_000), benefits: z.array(benefitSchema) })
  .strict() satisfies z.ZodType<Objective>;

/** 4.3–4.n. A cost line: activity, indicative and maximum amount, output. */
export interface CostLine {
  /** Line number in the passport, e.g. 4.3. @pattern ^\d+(\.\d+)*$ */
  code: string;
  /** @minLength 1 @maxLength 2000 */
  activity: string;
  indicativeCents: Cents;
  /** Ceiling that may not be exceeded without a Cabinet decision; null for n/a. */
  maximumCents: Cents | null;
  /** @minLength 1 @maxLength 2000 */
  output: string;
  /** Whether VAT is charged on this line's costs (project management usually not). */
  vatable: boolean;
}
/** 4. Finansējums. */
export interface Financing {
  /** 4.1. Total RRF/fund financing. */
  totalCents: Cents;
  /** 4.2. Planned VAT, if its coverage is requested. */
  vatCents: Cents;
  /** Where the VAT is paid from, when requested. */
  vatSource: 'state_budget' | 'own' | 'not_requested';
  /** 4.2. Advance (avanss); at most 30 % of eligible costs, none for direct administration. */
  advanceCents: Cents;
  costLines: CostLine[];
}
export const financingSchema = z
  .object({
    totalCents: cents,
    vatCents: cents,
    vatSource: z.enum(['state_budget', 'own', 'not_requested']),
    advanceCents: cents,
    costLines: z.array(
      z
        .object({
          code: z.string().regex(/^\d+(\.\d+)*$/),
          activity: text(2000),
          indicativeCents: cents,
          maximumCents: cents.nullable(),
          output: text(2000),
          vatable: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict() satisfies z.ZodType<Financing>;

/** 5.1. An ICT solution the project contributes to the investment's targets. */
export interface IctSolution {
  /** How many of the investment's counted solutions this is. @isInt @minimum 0 */
  count: number;
  /** @minLength 1 @maxLength 500 */
  name: string;
  /** @maxLength 20000 */
  description: string;
  stateCloud: boolean;
  /** Who hosts it in the state cloud, e.g. LVRTC. @maxLength 200 */
  cloudProvider?: string;
  approvalQuarter: Quarter;
  implementationQuarter: Quarter;
  /** @isInt @minimum 0 */
  users: number;
  /** @maxLength 2000 */
  usersDescription?: string;
}
export interface SharedService {
  /** @isInt @minimum 0 */
  count: number;
  /** @minLength 1 @maxLength 500 */
  name: string;
  /** @maxLength 5000 */
  users: string;
  /** @maxLength 2000 */
  cabinetDecision: string;
  implementationQuarter: Quarter;
}
export interface DataSet {
  /** @isInt @minimum 0 */
  count: number;
  /** @minLength 1 @maxLength 500 */
  name: string;
  accessQuarter: Quarter;
}
/** 5. Ieguldījums investīcijas mērķu sasniegšanā. */
export interface Contribution {
  ictSolutions: IctSolution[];
  sharedServices: SharedService[];
  dataSets: DataSet[];
}
export const contributionSchema = z
  .object({
    ictSolutions: z.array(
      z
        .object({
          count: z.number().int().min(0),
          name: text(500),
          description: z.string().max(20_000),
          stateCloud: z.boolean(),
          cloudProvider: z.string().max(200).optional(),
          approvalQuarter: quarter,
          implementationQuarter: quarter,
          users: z.number().int().min(0),
          usersDescription: z.string().max(2000).optional(),
        })
        .strict(),
    ),
    sharedServices: z.array(
      z
        .object({
          count: z.number().int().min(0),
          name: text(500),
          users: z.string().max(5000),
          cabinetDecision: z.string().max(2000),
          implementationQuarter: quarter,
        })
        .strict(),
    ),
    dataSets: z.array(z.object({ count: z.number().int().min(0), name: text(500), accessQuarter: quarter }).strict()),
  })
  .strict() satisfies z.ZodType<Contribution>;

/** 6. Pārvaldība un kapacitāte. */
export interface Governance {
  /** @maxLength 20000 */
  supervisoryCouncil: string;
  /** @maxLength 20000 */
  managementGroup: string;
  /** @maxLength 2000 */
  projectManager: string;
  /** @maxLength 20000 */
  team: string;
  /** Staff working on the project. @isInt @minimum 0 */
  staffCount: number;
  internalControls: { conflictOfInterest: boolean; doubleFunding: boolean; stateAid: boolean };
}
export const governanceSchema = z
  .object({
    supervisoryCouncil: z.string().max(20_000),
    managementGroup: z.string().max(20_000),
    projectManager: z.string().max(2000),
    team: z.string().max(20_000),
    staffCount: z.number().int().min(0),
    internalControls: z.object({ conflictOfInterest: z.boolean(), doubleFunding: z.boolean(), stateAid: z.boolean() }).strict(),
  })
  .strict() satisfies z.ZodType<Governance>;

/** 7. Izmaksu/ieguvumu analīze. */
export interface CostBenefit {
  /** @maxLength 50000 */
  analysis: string;
  /** Savings over the review period. */
  savingsCents: Cents;
  /** The same, discounted. */
  discountedSavingsCents?: Cents;
  /** Effect on administration staff numbers (negative: fewer). @isInt */
  staffImpact?: number;
}
export const costBenefitSchema = z
  .object({
    analysis: z.string().max(50_000),
    savingsCents: cents,
    discountedSavingsCents: cents.optional(),
    staffImpact: z.number().int().optional(),
  })
  .strict() satisfies z.ZodType<CostBenefit>;

/** 8. Cita būtiska informācija. */
export interface OtherInformation {
  /** @maxLength 50000 */
  legalChanges: string;
  /** @maxLength 50000 */
  risks: string;
  /** @maxLength 50000 */
  links: string;
}
export const otherSchema = z
  .object({ legalChanges: z.string().max(50_000), risks: z.string().max(50_000), links: z.string().max(50_000) })
  .strict() satisfies z.ZodType<OtherInformation>;

/** An officer's comment on a returned passport, optionally on one section. */
export interface ReturnComment {
  section?: SectionName;
  text: string;
}

/** Sections 1–8; a draft may leave any of them out until it is submitted. */
export interface PassportSections {
  recipient?: Recipient;
  partners?: Organisation[];
  related?: RelatedProjects;
  objective?: Objective;
  financing?: Financing;
  contribution?: Contribution;
  governance?: Governance;
  costBenefit?: CostBenefit;
  other?: OtherInformation;
}

export const sectionSchemas = {
  recipient: recipientSchema,
  partners: z.array(organisation),
  related: relatedSchema,
  objective: objectiveSchema,
  financing: financingSchema,
  contribution: contributionSchema,
  governance: governanceSchema,
  costBenefit: costBenefitSchema,
  other: otherSchema,
} as const;

export type SectionName = keyof typeof sectionSchemas;
export const SECTION_NAMES = Object.keys(sectionSchemas) as SectionName[];

/** Where the project belongs: codes mean something only within (fund, programme, period). */
export interface ProgrammeRef {
  /** @pattern ^[A-Z][A-Z0-9+]{1,15}$ */
  fund: string;
  /** @minLength 1 @maxLength 50 */
  programme: string;
  /** e.g. 2021-2026. @pattern ^\d{4}-\d{4}$ */
  period: string;
  /** Investment or measure code, e.g. 2.1.2.1.i. @minLength 1 @maxLength 50 */
  investment: string;
}
export const programmeRefSchema = z
  .object({
    fund: z.string().regex(/^[A-Z][A-Z0-9+]{1,15}$/),
    programme: text(50),
    period: z.string().regex(/^\d{4}-\d{4}$/),
    investment: text(50),
  })
  .strict() satisfies z.ZodType<ProgrammeRef>;
