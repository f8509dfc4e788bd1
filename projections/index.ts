import type { AnyEntitySchema } from '../src/db/orm.js';
import type { AnyEvent } from '../src/domain/stream-types.js';
import type { Projection } from '../src/projection-engine/projection.js';
import { budgetExecution } from './budget-execution/projection.js';
import { councilReport } from './council-report/projection.js';
import { doubleFundingProjection } from './double-funding/projection.js';
import { FindingRowSchema } from './findings/entity.js';
import { findings } from './findings/projection.js';
import { programmeStructureEntities } from './programme-structure/entity.js';
import { programmeStructure } from './programme-structure/projection.js';
import { progress } from './progress/projection.js';
import { ProjectRowSchema } from './projects/entity.js';
import { projects } from './projects/projection.js';
import { StreamCatalogueEntrySchema } from './stream-catalogue/entity.js';
import { streamCatalogue } from './stream-catalogue/projection.js';

/** Every read model the service runs; the double-funding rules' near-duplicate window is part of its read model. */
export const projections = ({ nearDays }: { nearDays: number }): Projection<AnyEvent>[] => [
  streamCatalogue,
  programmeStructure,
  projects,
  progress,
  councilReport,
  findings,
  doubleFundingProjection(nearDays),
  budgetExecution,
];

/** MikroORM entities mapping the read models' views, for query functions. */
export const readModelEntities: AnyEntitySchema[] = [
  StreamCatalogueEntrySchema,
  ...programmeStructureEntities,
  ProjectRowSchema,
  FindingRowSchema,
];
