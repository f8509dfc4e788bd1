import { Audit } from './audit.js';
import { Budgets } from './budgets.js';
import type { Caller } from './caller.js';
import type { Deps } from './deps.js';
import { DoubleFunding } from './double-funding.js';
import { Explain } from './explain.js';
import { Findings } from './findings.js';
import { Funds } from './funds.js';
import { IdempotentResponses } from './idempotent-responses.js';
import { Indicators } from './indicators.js';
import { ImportJobs, type ImportAnswer } from './import-jobs.js';
import type { ImportFile } from './invoice-import.js';
import { Operations } from './operations.js';
import { Passports } from './passports.js';
import { ProgrammeNodes } from './programme-nodes.js';
import { Programmes } from './programmes.js';
import { Reporting } from './reporting.js';

/**
 * The application layer: the only way into the system. Each command module is the only code
 * that loads its stream type, authorises the caller, decides and appends (through
 * src/application/command.ts); the HTTP controllers call one function here per request and
 * know nothing of the store, the database or the deciders.
 */
export class Application {
  readonly passports: Passports;
  readonly budgets: Budgets;
  readonly indicators: Indicators;
  readonly findings: Findings;
  readonly funds: Funds;
  readonly programmes: Programmes;
  readonly programmeNodes: ProgrammeNodes;
  readonly doubleFunding: DoubleFunding;
  readonly reporting: Reporting;
  readonly explain: Explain;
  readonly audit: Audit;
  readonly operations: Operations;
  readonly responses: IdempotentResponses;
  readonly importJobs: ImportJobs;

  constructor(deps: Deps) {
    this.passports = new Passports(deps);
    this.budgets = new Budgets(deps);
    this.indicators = new Indicators(deps);
    this.findings = new Findings(deps, this.indicators);
    this.funds = new Funds(deps);
    this.programmes = new Programmes(deps);
    this.programmeNodes = new ProgrammeNodes(deps);
    this.doubleFunding = new DoubleFunding(deps);
    this.reporting = new Reporting(deps);
    this.explain = new Explain(deps, this.indicators);
    this.audit = new Audit(deps);
    this.operations = new Operations(deps);
    this.responses = new IdempotentResponses(deps.pool);
    this.importJobs = new ImportJobs(deps, this.budgets);
  }

  /**
   * Imports a CSV or XLSX file of invoices into a project's budget, all or nothing: within the
   * request up to IMPORT_SYNC_MAX_ROWS rows, else as an import job.
   */
  importInvoices(caller: Caller, projectId: string, file: ImportFile): Promise<ImportAnswer> {
    return this.importJobs.importFile(caller, projectId, file);
  }
}
