import { budgetExecution, type BudgetExecution, type BudgetExecutionQuery } from '../../projections/budget-execution/queries.js';
import { councilReport, type CouncilReport, type ReportDetail, type ReportWindow } from '../../projections/council-report/report.js';
import { progressAsOf, type ProgressQuery, type ProgressTable } from '../../projections/progress/queries.js';
import type { ProjectRow } from '../../projections/projects/entity.js';
import { listProjects, type ProjectListQuery } from '../../projections/projects/queries.js';
import { projectListScope } from '../auth/scope.js';
import { alertsAsSeenBy } from './alert-audience.js';
import type { Caller } from './caller.js';
import { cursorCodec, cursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { operationsList, rrfTopRecipients, type Operation, type RrfRecipient } from './open-data.js';
import { pageOf, type Page, type PageRequest } from './page.js';
import { visibleProject } from './passports.js';

const PROJECTS_CURSOR = cursorCodec('projects', ['uuid']);

/**
 * What the read models answer: the project list, progress to target, budget execution, the
 * council's report and open data. A beneficiary sees only its own organisation's projects; a
 * project it names that it may not see answers 404 like a missing one.
 */
export class Reporting {
  constructor(private readonly deps: Deps) {}

  /** Projects in id order, keyset-paged; a beneficiary's scope is part of the query, so it applies before the limit. */
  async projects(caller: Caller, q: Omit<ProjectListQuery, 'after' | 'limit'>, page: PageRequest): Promise<Page<ProjectRow>> {
    const seal = cursorSeal(this.deps.config, caller.user);
    const after = page.cursor === undefined ? undefined : PROJECTS_CURSOR.decode(seal, page.cursor)[0];
    const query = { ...q, ...(after === undefined ? {} : { after }), limit: page.limit + 1 };
    const rows = await listProjects(this.deps.orm, query, projectListScope(caller.user));
    return pageOf(rows, page.limit, (r) => PROJECTS_CURSOR.encode(seal, [r.projectId]));
  }

  async progress(caller: Caller, q: ProgressQuery): Promise<ProgressTable> {
    if (q.projectId !== undefined) await visibleProject(this.deps, caller.user, q.projectId);
    return progressAsOf(this.deps.orm, q, projectListScope(caller.user));
  }

  async budgetExecution(caller: Caller, q: BudgetExecutionQuery): Promise<BudgetExecution> {
    if (q.projectId !== undefined) await visibleProject(this.deps, caller.user, q.projectId);
    return budgetExecution(this.deps.orm, q, projectListScope(caller.user));
  }

  /** The council's report; its alerts as the caller may see them (every role that reads it sees them whole today). */
  async councilReport(caller: Caller, window: ReportWindow, detail: ReportDetail): Promise<CouncilReport> {
    const sources = { orm: this.deps.orm, doubleFunding: { pool: this.deps.pool } };
    const report = await councilReport(sources, window, this.deps.clock(), detail);
    const alerts = await alertsAsSeenBy(this.deps, caller.user, report.doubleFundingAlerts.items);
    return { ...report, doubleFundingAlerts: { items: alerts } };
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
