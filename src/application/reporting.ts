import { budgetExecution, type BudgetExecution, type BudgetExecutionQuery } from '../../projections/budget-execution/queries.js';
import { councilReport, type CouncilReport, type ReportDetail, type ReportWindow } from '../../projections/council-report/report.js';
import { progressAsOf, type ProgressQuery, type ProgressTable } from '../../projections/progress/queries.js';
import type { ProjectRow } from '../../projections/projects/entity.js';
import { listProjects, type ProjectListQuery } from '../../projections/projects/queries.js';
import { projectListScope } from '../auth/scope.js';
import type { Caller } from './caller.js';
import type { Deps } from './deps.js';
import { operationsList, rrfTopRecipients, type Operation, type RrfRecipient } from './open-data.js';
import { visibleProject } from './passports.js';

/**
 * What the read models answer: the project list, progress to target, budget execution, the
 * council's report and open data. A beneficiary sees only its own organisation's projects; a
 * project it names that it may not see answers 404 like a missing one.
 */
export class Reporting {
  constructor(private readonly deps: Deps) {}

  projects(caller: Caller, q: ProjectListQuery): Promise<ProjectRow[]> {
    return listProjects(this.deps.orm, q, projectListScope(caller.user));
  }

  async progress(caller: Caller, q: ProgressQuery): Promise<ProgressTable> {
    if (q.projectId !== undefined) await visibleProject(this.deps, caller.user, q.projectId);
    return progressAsOf(this.deps.orm, q, projectListScope(caller.user));
  }

  async budgetExecution(caller: Caller, q: BudgetExecutionQuery): Promise<BudgetExecution> {
    if (q.projectId !== undefined) await visibleProject(this.deps, caller.user, q.projectId);
    return budgetExecution(this.deps.orm, q, projectListScope(caller.user));
  }

  councilReport(window: ReportWindow, detail: ReportDetail): Promise<CouncilReport> {
    const sources = { orm: this.deps.orm, doubleFunding: { pool: this.deps.pool, nearDays: this.deps.config.DUPCHECK_NEAR_DAYS } };
    return councilReport(sources, window, this.deps.clock(), detail);
  }

  /** Open data: every approved operation (CPR Art. 49(3)). */
  operations(): Promise<Operation[]> {
    return operationsList(this.deps.store, this.deps.orm);
  }

  /** Open data: the 100 largest RRF recipients (RRF Art. 22(2)(d)). */
  rrfTopRecipients(): Promise<RrfRecipient[]> {
    return rrfTopRecipients(this.deps.orm);
  }
}
