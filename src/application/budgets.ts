import { randomUUID } from 'node:crypto';
import { alertsAtSubmission, type DuplicateAlertView } from '../../projections/double-funding/queries.js';
import type {
  FinancialCorrectionInput,
  InvoiceInput,
  InvoiceVerificationInput,
  OpenBudgetRequest,
  PaymentClaimInput,
  PaymentInput,
  SupplierContractInput,
} from '../domain/budget/content.js';
import { budgetStream, budgetStreamId, type Budget, type BudgetCommand, type OpenBudget } from '../domain/budget/decider.js';
import type { CommandContext } from '../domain/decider.js';
import { NotFound } from '../domain/errors.js';
import { alertsAsSeenBy } from './alert-audience.js';
import type { Caller } from './caller.js';
import { load, loadAsOf, notYetAt, on, readOwn, type Loaded, type Outcome } from './command.js';
import type { Deps } from './deps.js';
import { visibleProject, type ExistingPassport } from './passports.js';

/** A budget write that stores something new in it (a contract, an invoice, a claim) and what it raised. */
export interface Submission extends Outcome<OpenBudget> {
  /** The new contract's, invoice's or claim's id (the first request's, when replayed). */
  readonly id: string;
  /** Double-funding alerts the submission raises: warnings, the submission is stored either way. */
  readonly alerts: DuplicateAlertView[];
}

/**
 * A project's budget (budžets): opened from the approved passport; supplier contracts,
 * invoices, payment claims, the officers' verification, payment (four-eyes) and financial
 * corrections, each a command on the budget stream. Who may see the project decides who may
 * reach its budget.
 */
export class Budgets {
  constructor(readonly deps: Deps) {}

  /**
   * The budget as it stood at `asOf` (default: now, everything stored): contracts, invoices,
   * claims, payments and corrections recorded up to then. Who may see it is decided as for the
   * current read; a budget with nothing recorded by `asOf` answers 404.
   */
  async get(caller: Caller, projectId: string, asOf?: Date): Promise<Loaded<OpenBudget>> {
    await visibleProject(this.deps, caller.user, projectId);
    const loaded = await loadAsOf(this.deps.store, budgetStream, budgetStreamId(projectId), asOf);
    if (asOf !== undefined && loaded.state.status === 'none') {
      const current = await load(this.deps.store, budgetStream, budgetStreamId(projectId));
      if (current.state.status !== 'none') throw notYetAt('Budget of project', projectId, asOf);
    }
    return openBudget(loaded, projectId);
  }

  /** Opens the budget from the approved passport: its cost lines, total, VAT and advance. */
  async open(caller: Caller, projectId: string, input: OpenBudgetRequest): Promise<Outcome<OpenBudget>> {
    const { state: p } = await visibleProject(this.deps, caller.user, projectId);
    const passport = {
      status: p.status,
      approvedVersion: p.approvedVersion,
      programme: p.programme,
      recipientOrg: p.sections.recipient.registrationNumber,
      financing: p.sections.financing,
    };
    return this.run(caller, projectId, (context) => ({ type: 'OpenBudget', data: { projectId, passport, ...input }, context }));
  }

  async registerContract(caller: Caller, projectId: string, input: SupplierContractInput): Promise<Submission> {
    const contractId = randomUUID();
    const outcome = await this.act(caller, projectId, (context) => ({
      type: 'RegisterSupplierContract',
      data: { ...input, contractId },
      context,
    }));
    const [event] = outcome.replayed ? await this.stored(outcome) : [];
    return { ...outcome, id: event?.type === 'SupplierContractRegistered.v1' ? event.data.contractId : contractId, alerts: [] };
  }

  /** Declares an invoice; the answer carries the double-funding alerts it raises. */
  async submitInvoice(caller: Caller, projectId: string, input: InvoiceInput): Promise<Submission> {
    const invoiceId = randomUUID();
    const outcome = await this.act(caller, projectId, (context) => ({ type: 'SubmitInvoice', data: { ...input, invoiceId }, context }));
    // Only a replay has to read back which invoice the first request stored.
    const [event] = outcome.replayed ? await this.stored(outcome) : [];
    const id = event?.type === 'InvoiceSubmitted.v1' ? event.data.invoiceId : invoiceId;
    return {
      ...outcome,
      id,
      alerts: await alertsAsSeenBy(this.deps, caller.user, await this.alerts([input.supplierRegNo], outcome.eventIds)),
    };
  }

  /** Submits a payment claim; beyond a cost line's maximum, the project total or the advance cap it is refused. */
  async submitClaim(caller: Caller, projectId: string, input: PaymentClaimInput): Promise<Submission> {
    const { state: passport } = await visibleProject(this.deps, caller.user, projectId);
    const claimId = randomUUID();
    const directAdministration = inForce(passport).recipient?.directAdministration ?? false;
    const outcome = await this.run(caller, projectId, (context) => ({
      type: 'SubmitPaymentClaim',
      data: { ...input, claimId, directAdministration },
      context,
    }));
    const [event] = outcome.replayed ? await this.stored(outcome) : [];
    const claim = event?.type === 'PaymentClaimSubmitted.v1' ? event.data : outcome.replayed ? undefined : outcome.state.claims[claimId];
    if (!claim) return { ...outcome, id: claimId, alerts: [] };
    const suppliers = [...new Set(claim.items.map((i) => i.supplierRegNo))];
    const alerts = await alertsAsSeenBy(this.deps, caller.user, await this.alerts(suppliers, outcome.eventIds));
    return { ...outcome, id: claim.claimId, alerts };
  }

  verifyInvoice(caller: Caller, projectId: string, claimId: string, input: InvoiceVerificationInput) {
    return this.act(caller, projectId, (context) => ({ type: 'VerifyInvoice', data: { ...input, claimId }, context }));
  }

  recordPayment(caller: Caller, projectId: string, claimId: string, input: PaymentInput) {
    return this.act(caller, projectId, (context) => ({ type: 'RecordPayment', data: { ...input, claimId }, context }));
  }

  /** An officer's own financial correction (not from an audit finding: those come through the finding). */
  correct(caller: Caller, projectId: string, input: FinancialCorrectionInput) {
    const correctionId = randomUUID();
    return this.act(caller, projectId, (context) => ({
      type: 'ApplyFinancialCorrection',
      data: { ...input, correctionId, source: { kind: 'officer' } },
      context,
    }));
  }

  /**
   * The double-funding check at submission: the read model plus the log's tail, in one snapshot, so a concurrent twin is seen.
   * Whole alerts: an answer shows them through src/application/alert-audience.ts.
   */
  alerts(suppliers: string[] | null, eventIds: readonly string[]): Promise<DuplicateAlertView[]> {
    const source = this.deps.config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model';
    return alertsAtSubmission(this.deps.pool, suppliers, eventIds, this.deps.config.DUPCHECK_NEAR_DAYS, source);
  }

  /** A command on the budget of a project the caller may see. */
  async act(
    caller: Caller,
    projectId: string,
    command: (context: CommandContext, state: Budget) => BudgetCommand,
  ): Promise<Outcome<OpenBudget>> {
    await visibleProject(this.deps, caller.user, projectId);
    return this.run(caller, projectId, command);
  }

  /** A command on the budget, once the caller's right to see the project is checked. */
  private async run(caller: Caller, projectId: string, command: (context: CommandContext, state: Budget) => BudgetCommand) {
    const outcome = await on(this.deps, budgetStream).execute(budgetStreamId(projectId), caller, command, { subject: projectId });
    return { ...outcome, state: openBudget(outcome, projectId).state };
  }

  /** The events the command stored (or, replayed, the first request's), read back by version. */
  async stored(outcome: Outcome<OpenBudget>) {
    const n = outcome.eventIds.length;
    if (n === 0) return [];
    return readOwn(this.deps.store, budgetStream, outcome.streamId, { from: outcome.version - n + 1, to: outcome.version });
  }
}

function openBudget<T extends Loaded<Budget>>(loaded: T, projectId: string): Loaded<OpenBudget> {
  const { state } = loaded;
  if (state.status === 'none') throw new NotFound('Budget of project', projectId);
  return { state, version: loaded.version };
}

/** The sections in force: the approved version's, or the working content before any approval. */
export function inForce(passport: ExistingPassport) {
  return passport.versions.find((v) => v.version === passport.approvedVersion)?.sections ?? passport.sections;
}
