import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Header, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { alertsAtSubmission } from '../../../projections/double-funding/queries.js';
import { handleCommand, load } from '../../application/handle-command.js';
import type {
  FinancialCorrectionInput,
  InvoiceInput,
  InvoiceVerificationInput,
  OpenBudgetRequest,
  PaymentClaimInput,
  PaymentInput,
  SupplierContractInput,
} from '../../domain/budget/content.js';
import { budgetDecider, budgetStreamId, type BudgetCommand } from '../../domain/budget/decider.js';
import { IllegalTransition, NotFound } from '../../domain/errors.js';
import { passportDecider, passportStreamId } from '../../domain/passport/decider.js';
import type { ProjectId } from '../../domain/values.js';
import type { AppContext } from '../context.js';
import { etag, type IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import { budgetView, type BudgetView, type SubmissionView } from '../views/budget.js';
import { visiblePassport } from '../views/passport.js';

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];

/** A project's budget (budžets): cost lines, funding shares, contracts, invoices, payment claims. */
@Route('projects/{projectId}/budget')
@Tags('Budgets and payment claims')
@Response<Problem>(404, 'No such project or budget, or not visible to you')
@Response<Problem>(422, 'Invalid input, naming the fields')
export class BudgetsController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  @Get()
  @Security('jwt', READERS)
  public async get(@Path() projectId: ProjectId, @Request() req: ExRequest): Promise<BudgetView> {
    await this.passport(projectId, req);
    const { state, version } = await load(this.ctx.store, budgetDecider, budgetStreamId(projectId));
    if (state.status === 'none') throw new NotFound('Budget of project', projectId);
    this.setHeader('ETag', etag(version));
    return budgetView(state, version);
  }

  /**
   * Opens the budget from the approved passport's cost lines; 409 naming the passport's state otherwise.
   * @example body { "shares": [{ "fund": "RRF", "cents": 462000000 }, { "fund": "STATE", "cents": 77616000 }], "vatRecoverable": false }
   */
  @Post()
  @Security('jwt', ['officer'])
  @SuccessResponse(201, 'Opened')
  @Response<Problem>(409, 'Passport not approved, or budget already open')
  public async open(@Path() projectId: ProjectId, @Body() body: OpenBudgetRequest, @Request() req: ExRequest): Promise<BudgetView> {
    const p = await this.passport(projectId, req);
    const passport = {
      status: p.status,
      approvedVersion: p.approvedVersion,
      programme: p.programme,
      recipientOrg: p.sections.recipient.registrationNumber,
      financing: p.sections.financing,
    };
    const result = await this.run(projectId, req, { type: 'OpenBudget', data: { projectId, passport, ...body } });
    this.setStatus(201);
    return this.get(projectId, req).then((v) => ({ ...v, streamVersion: result.version }));
  }

  /** @example body { "supplierRegNo": "40003000001", "procurementId": "VRAA 2023/12 ANM", "amountCents": 250000000, "signedOn": "2023-09-01", "endsOn": "2025-12-31" } */
  @Post('contracts')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Registered')
  public async registerContract(
    @Path() projectId: ProjectId,
    @Body() body: SupplierContractInput,
    @Request() req: ExRequest,
  ): Promise<SubmissionView> {
    await this.passport(projectId, req);
    const contractId = randomUUID();
    const result = await this.run(projectId, req, { type: 'RegisterSupplierContract', data: { ...body, contractId } });
    this.setStatus(201);
    return { id: contractId, streamVersion: result.version, alerts: [] };
  }

  /**
   * Declares an invoice; the answer carries the double-funding alerts it raises (warnings, not refusals).
   * @example body { "supplierRegNo": "40003000001", "number": "VRAA-2024/0042", "date": "2024-03-15", "netCents": 100000, "vatCents": 21000, "grossCents": 121000, "costLine": "4.3", "allocations": [{ "fund": "RRF", "cents": 121000 }] }
   */
  @Post('invoices')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Stored; see alerts')
  public async submitInvoice(
    @Path() projectId: ProjectId,
    @Body() body: InvoiceInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<SubmissionView> {
    await this.passport(projectId, req);
    const invoiceId = randomUUID();
    const { version, state } = await this.run(projectId, req, { type: 'SubmitInvoice', data: { ...body, invoiceId } });
    const stored = state.status === 'open' ? Object.values(state.invoices).at(-1)! : undefined;
    return this.withAlerts(projectId, stored?.invoiceId ?? invoiceId, version, [body.supplierRegNo]);
  }

  /**
   * Submits a payment claim; beyond a cost line's maximum or the project total → 409 with the figures.
   * @example body { "kind": "interim", "periodFrom": "2024-01-01", "periodTo": "2024-06-30", "items": [], "requestedCents": 0 }
   */
  @Post('claims')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Stored; see alerts')
  @Response<Problem>(409, 'Above a cost line maximum or the project total')
  public async submitClaim(
    @Path() projectId: ProjectId,
    @Body() body: PaymentClaimInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<SubmissionView> {
    await this.passport(projectId, req);
    const claimId = randomUUID();
    const { version, state } = await this.run(projectId, req, { type: 'SubmitPaymentClaim', data: { ...body, claimId } });
    const stored = state.status === 'open' ? Object.values(state.claims).at(-1)! : undefined;
    return this.withAlerts(projectId, stored?.claimId ?? claimId, version, [...new Set(stored?.items.map((i) => i.supplierRegNo) ?? [])]);
  }

  /**
   * The officer's verification of one invoice in a claim: eligible + ineligible = the amount claimed.
   * @example body { "invoiceId": "00000000-0000-4000-8000-000000000000", "eligibleCents": 100000, "ineligibleCents": 21000, "reasonCode": "VAT_RECOVERABLE" }
   */
  @Post('claims/{claimId}/verifications')
  @Security('jwt', ['officer'])
  public async verifyInvoice(
    @Path() projectId: ProjectId,
    @Path() claimId: string,
    @Body() body: InvoiceVerificationInput,
    @Request() req: ExRequest,
  ): Promise<BudgetView> {
    await this.passport(projectId, req);
    const { state, version } = await this.run(projectId, req, { type: 'VerifyInvoice', data: { ...body, claimId } });
    return budgetView(state as Extract<typeof state, { status: 'open' }>, version);
  }

  /**
   * Records the payment of a fully verified claim; four-eyes: not by its submitter or a verifier.
   * @example body { "amountCents": 100000, "paidOn": "2024-07-15" }
   */
  @Post('claims/{claimId}/payment')
  @Security('jwt', ['approver'])
  @Response<Problem>(409, 'Not fully verified, already paid, or four-eyes violated')
  public async recordPayment(
    @Path() projectId: ProjectId,
    @Path() claimId: string,
    @Body() body: PaymentInput,
    @Request() req: ExRequest,
  ): Promise<BudgetView> {
    await this.passport(projectId, req);
    const { state, version } = await this.run(projectId, req, { type: 'RecordPayment', data: { ...body, claimId } });
    return budgetView(state as Extract<typeof state, { status: 'open' }>, version);
  }

  /**
   * An officer's own financial correction (finanšu korekcija) on a cost line, not from an audit
   * finding (those come through POST /findings/{findingId}/financial-correction). At most what
   * was verified eligible on the line minus earlier corrections (422 with the figures).
   * @example body { "costLine": "4.3", "amountCents": 25000, "reason": "Neattiecināmas reprezentācijas izmaksas" }
   */
  @Post('corrections')
  @Security('jwt', ['officer'])
  @SuccessResponse(201, 'Booked')
  @Response<Problem>(409, 'The project has no open budget, or the correction id is taken')
  public async correct(
    @Path() projectId: ProjectId,
    @Body() body: FinancialCorrectionInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _key?: IdempotencyKey,
  ): Promise<BudgetView> {
    await this.passport(projectId, req);
    const { state: budget } = await load(this.ctx.store, budgetDecider, budgetStreamId(projectId));
    if (budget.status === 'none') {
      throw new IllegalTransition(
        'ApplyFinancialCorrection',
        'no_budget',
        `project ${projectId} has no open budget: open it from the approved passport (POST /projects/${projectId}/budget) before correcting it`,
      );
    }
    const { state, version, replayed } = await this.run(projectId, req, {
      type: 'ApplyFinancialCorrection',
      data: { ...body, correctionId: randomUUID(), source: { kind: 'officer' } },
    });
    this.setStatus(201);
    this.setHeader('ETag', etag(version));
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return budgetView(state as Extract<typeof state, { status: 'open' }>, version);
  }

  private async passport(projectId: string, req: ExRequest) {
    const { state } = await load(this.ctx.store, passportDecider, passportStreamId(projectId));
    return visiblePassport(req, projectId, state);
  }

  private async withAlerts(projectId: string, id: string, version: number, suppliers: string[]): Promise<SubmissionView> {
    const [event] = await this.ctx.store.readStream(budgetStreamId(projectId), { from: version, to: version });
    const source = this.ctx.config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model';
    const alerts = await alertsAtSubmission(this.ctx.pool, suppliers, event ? [event.id] : [], this.ctx.config.DUPCHECK_NEAR_DAYS, source);
    this.setStatus(201);
    this.setHeader('ETag', etag(version));
    return { id, streamVersion: version, alerts };
  }

  private async run(projectId: string, req: ExRequest, command: Pick<BudgetCommand, 'type' | 'data'>) {
    const metadata = requestMetadata(req);
    const idempotency = idempotencyFor(req);
    return handleCommand(
      this.ctx.store,
      budgetDecider,
      budgetStreamId(projectId),
      { ...command, context: { now: new Date(), actor: metadata.actor, subject: projectId } } as BudgetCommand,
      { metadata, ...(idempotency ? { idempotency } : {}) },
    );
  }
}
