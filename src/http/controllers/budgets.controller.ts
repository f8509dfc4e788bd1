import { Body, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { Submission } from '../../application/budgets.js';
import type {
  FinancialCorrectionInput,
  InvoiceInput,
  InvoiceVerificationInput,
  OpenBudgetRequest,
  PaymentClaimInput,
  PaymentInput,
  SupplierContractInput,
} from '../../domain/budget/content.js';
import type { ProjectId } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
import { asOfRead } from '../views/as-of.js';
import { budgetView, type BudgetAsOfView, type BudgetView, type SubmissionView } from '../views/budget.js';

const READERS = ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'];

const submissionView = (s: Submission) => (): SubmissionView => ({ id: s.id, streamVersion: s.version, alerts: s.alerts });

/** A project's budget (budžets): cost lines, funding shares, contracts, invoices, payment claims, corrections. */
@Route('projects/{projectId}/budget')
@Tags('Budgets and payment claims')
@Response<Problem>(404, 'No such project or budget, or not visible to you')
@Response<Problem>(412, 'If-Match is stale')
@Response<Problem>(422, 'Invalid input naming the fields, or the Idempotency-Key was used for another request')
export class BudgetsController extends ApiController {
  /**
   * The budget with its fund shares, cost lines, contracts, invoices, claims, payments and
   * corrections as it stood at `asOf` (default now), and its ETag (the budget stream's version
   * as of then) for If-Match (a past version's If-Match answers 412 once something was recorded
   * after it). Who may read it is as without `asOf`: a beneficiary only its own organisation's projects.
   * @param asOf a date (`YYYY-MM-DD`, end of that day UTC) or a date-time with a zone; default now; not in the future (422 naming `asOf`). Only events recorded at or before it count, so what was recorded later cannot change the answer.
   * @summary Read a project budget
   */
  @Get()
  @SuccessResponse<StreamStateHeaders>(200, 'The state as of asOf (default now); ETag is its stream version then')
  @Response<Problem>(404, 'No such project or budget, not visible to you, or nothing of the budget recorded by asOf')
  @Security('jwt', READERS)
  public async getBudget(@Path() projectId: ProjectId, @Request() req: ExRequest, @Query() asOf?: string): Promise<BudgetAsOfView> {
    const { instant, cut } = asOfRead(asOf);
    const found = await this.app.budgets.get(callerOf(req), projectId, cut);
    return this.shown(found, (state, version) => ({ ...budgetView(state, version), asOf: instant.toISOString() }));
  }

  /**
   * Opens the budget from the approved passport's cost lines; 409 naming the passport's state otherwise.
   * @example body { "shares": [{ "fund": "RRF", "cents": 462000000 }, { "fund": "STATE", "cents": 77616000 }], "vatRecoverable": false }
   * @summary Open a project budget
   */
  @Post()
  @Security('jwt', ['officer'])
  @SuccessResponse(201, 'Opened')
  @Response<Problem>(409, 'Passport not approved, or budget already open')
  public async openBudget(
    @Path() projectId: ProjectId,
    @Body() body: OpenBudgetRequest,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<BudgetView> {
    const outcome = await this.app.budgets.open(callerOf(req), projectId, body);
    return this.written(outcome, budgetView, { location: `/projects/${projectId}/budget` });
  }

  /**
   * Registers a procurement contract (iepirkuma līgums) on the budget; invoices may name it.
   * @example body { "supplierRegNo": "40003000001", "procurementId": "VRAA 2023/12 ANM", "amountCents": 250000000, "signedOn": "2023-09-01", "endsOn": "2025-12-31" }
   * @summary Register a procurement contract
   */
  @Post('contracts')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Registered')
  public async registerContract(
    @Path() projectId: ProjectId,
    @Body() body: SupplierContractInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<SubmissionView> {
    const submission = await this.app.budgets.registerContract(callerOf(req), projectId, body);
    return this.written(submission, submissionView(submission), {});
  }

  /**
   * Declares an invoice; the answer carries the double-funding alerts it raises (warnings, not refusals).
   * @example body { "supplierRegNo": "40003000001", "number": "VRAA-2024/0042", "date": "2024-03-15", "netCents": 100000, "vatCents": 21000, "grossCents": 121000, "costLine": "4.3", "allocations": [{ "fund": "RRF", "cents": 121000 }] }
   * @summary Submit an invoice
   */
  @Post('invoices')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Stored; see alerts')
  public async submitInvoice(
    @Path() projectId: ProjectId,
    @Body() body: InvoiceInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<SubmissionView> {
    const submission = await this.app.budgets.submitInvoice(callerOf(req), projectId, body);
    return this.written(submission, submissionView(submission), {});
  }

  /**
   * Submits a payment claim; beyond a cost line's maximum or the project total → 409 with the figures;
   * an advance beyond the passport's, or above 30 % of the eligible costs, or for a direct administration body → 422.
   * @example body { "kind": "interim", "periodFrom": "2024-01-01", "periodTo": "2024-06-30", "items": [{ "invoiceId": "00000000-0000-4000-8000-000000000000", "cents": 121000 }], "requestedCents": 121000 }
   * @summary Submit a payment claim
   */
  @Post('claims')
  @Security('jwt', ['beneficiary'])
  @SuccessResponse(201, 'Stored; see alerts')
  @Response<Problem>(409, 'Above a cost line maximum or the project total')
  public async submitClaim(
    @Path() projectId: ProjectId,
    @Body() body: PaymentClaimInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<SubmissionView> {
    const submission = await this.app.budgets.submitClaim(callerOf(req), projectId, body);
    return this.written(submission, submissionView(submission), {});
  }

  /**
   * The officer's verification of one invoice in a claim: eligible + ineligible = the amount claimed.
   * Four-eyes: not by the claim's submitter (403).
   * @example body { "invoiceId": "00000000-0000-4000-8000-000000000000", "eligibleCents": 100000, "ineligibleCents": 21000, "reasonCode": "VAT_RECOVERABLE" }
   * @summary Verify an invoice of a claim
   */
  @Post('claims/{claimId}/verifications')
  @Security('jwt', ['officer'])
  @Response<Problem>(403, 'You submitted the claim (four-eyes)')
  @Response<Problem>(409, 'Already verified')
  public async verifyInvoice(
    @Path() projectId: ProjectId,
    @Path() claimId: string,
    @Body() body: InvoiceVerificationInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<BudgetView> {
    return this.written(await this.app.budgets.verifyInvoice(callerOf(req), projectId, claimId, body), budgetView);
  }

  /**
   * Records the payment of a fully verified claim; four-eyes: not by its submitter or a verifier (403).
   * @example body { "amountCents": 100000, "paidOn": "2024-07-15" }
   * @summary Record a claim's payment
   */
  @Post('claims/{claimId}/payment')
  @Security('jwt', ['approver'])
  @Response<Problem>(403, 'You submitted or verified the claim (four-eyes)')
  @Response<Problem>(409, 'Not fully verified, or already paid')
  public async recordPayment(
    @Path() projectId: ProjectId,
    @Path() claimId: string,
    @Body() body: PaymentInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<BudgetView> {
    return this.written(await this.app.budgets.recordPayment(callerOf(req), projectId, claimId, body), budgetView);
  }

  /**
   * An officer's own financial correction (finanšu korekcija) on a cost line, not from an audit
   * finding (those come through POST /findings/{findingId}/financial-correction). At most what
   * was verified eligible on the line minus earlier corrections (422 with the figures).
   * @example body { "costLine": "4.3", "amountCents": 25000, "reason": "Neattiecināmas reprezentācijas izmaksas" }
   * @summary Book a financial correction
   */
  @Post('corrections')
  @Security('jwt', ['officer'])
  @SuccessResponse(201, 'Booked')
  @Response<Problem>(409, 'The project has no open budget')
  public async correctBudget(
    @Path() projectId: ProjectId,
    @Body() body: FinancialCorrectionInput,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<BudgetView> {
    return this.written(await this.app.budgets.correct(callerOf(req), projectId, body), budgetView, {});
  }
}
