import { isRole, type AuthenticatedUser } from '../auth/principal.js';
import type { BudgetEvent } from '../domain/budget/events.js';
import type { DuplicateAlertEvent } from '../domain/dupalert/events.js';
import { findingStream, findingStreamId, type Finding } from '../domain/finding/decider.js';
import { uuidV5 } from '../domain/ids.js';
import type { AnyEvent } from '../domain/stream-types.js';
import type { StoredEvent } from '../eventstore/port.js';
import type { Caller } from './caller.js';
import { on, type CommandDeps, type Outcome } from './command.js';

/*
 * Workflows across streams. Two streams never share a transaction, so a command that must
 * change a second stream records everything the second step needs in its own event, with the
 * ids of what that step creates derived from it. The second step is then a command of its own,
 * derived from that event alone, that changes nothing when repeated:
 *
 * - an officer confirms a double-funding alert (DuplicateAlertConfirmed.v2, listing the findings
 *   to raise, ids derived from the alert and each project) → each finding is raised;
 * - a finding's financial correction is booked on the budget (FinancialCorrectionBooked.v1 with
 *   source `finding`, its id derived from the finding) → the finding records it.
 *
 * The request runs the second step at once, so its answer is complete. If it stops in between
 * (a crash, a lost connection), the process manager, which reads the event log from its own
 * checkpoint (src/projection-engine/process-manager.ts), runs the step after a restart; a retry
 * of the request with its Idempotency-Key completes it too. Either way it happens exactly once:
 * the step's command is idempotent, and its event ids are derived from the trigger's, so even
 * two runs racing each other store one set of events.
 */

/** The reaction of the workflows to one event of the log: the events of any stream type may pass through it. */
export async function react(deps: CommandDeps, event: StoredEvent<AnyEvent>): Promise<void> {
  if (event.type === 'DuplicateAlertConfirmed.v2') await raiseAlertFindings(deps, event);
  if (event.type === 'FinancialCorrectionBooked.v1' && event.data.source.kind === 'finding') await recordBookedCorrection(deps, event);
}

type Confirmed = StoredEvent<Extract<DuplicateAlertEvent, { type: 'DuplicateAlertConfirmed.v2' }>>;
type Booked = StoredEvent<Extract<BudgetEvent, { type: 'FinancialCorrectionBooked.v1' }>>;
type ExistingFinding = Exclude<Finding, { status: 'none' }>;

/** Raises each audit finding a confirmed alert lists, as the confirming officer at the moment of the decision. */
export async function raiseAlertFindings(deps: CommandDeps, trigger: Confirmed): Promise<Outcome<ExistingFinding>[]> {
  const outcomes: Outcome<ExistingFinding>[] = [];
  for (const f of trigger.data.findings) {
    const outcome = await on(deps, findingStream).execute(
      findingStreamId(f.findingId),
      causedBy(trigger),
      (context) => ({
        type: 'RaiseFinding',
        data: {
          findingId: f.findingId,
          projectId: f.projectId,
          concerns: { invoiceRef: f.invoiceRef, claimRef: null, indicatorId: null },
          category: 'double_funding',
          severity: f.severity,
          amountAtRiskCents: f.amountAtRiskCents,
          euShareCents: f.euShareCents,
          description: f.description,
        },
        context,
      }),
      { now: new Date(trigger.data.decidedAt), subject: f.findingId, eventIds: stepEventIds(trigger, f.findingId) },
    );
    outcomes.push(existing(outcome));
  }
  return outcomes;
}

/** Records a correction the budget booked on the finding that caused it, as the person who booked it, when it was booked. */
export async function recordBookedCorrection(deps: CommandDeps, trigger: Booked): Promise<Outcome<ExistingFinding>> {
  const { source, correctionId, amountCents, costLine, reason, appliedAt } = trigger.data;
  if (source.kind !== 'finding') throw new Error(`correction ${correctionId} was not booked for a finding`);
  const outcome = await on(deps, findingStream).execute(
    findingStreamId(source.findingId),
    causedBy(trigger),
    (context) => ({ type: 'RecordBookedCorrection', data: { budgetCorrectionId: correctionId, amountCents, costLine, reason }, context }),
    { now: new Date(appliedAt), subject: source.findingId, eventIds: stepEventIds(trigger, source.findingId) },
  );
  return existing(outcome);
}

/** The person and request behind the trigger, with the trigger as the cause: the step's events carry them. */
export function causedBy(trigger: StoredEvent): Caller {
  const { actor, organisation, role, roles, correlationId, requestId } = trigger.metadata;
  if (!isRole(role)) throw new Error(`event ${trigger.id} was recorded under role "${role}", which this service does not know`);
  const user: AuthenticatedUser = { id: actor, name: actor, organisation, roles: roles.filter(isRole), role };
  return { user, requestId, correlationId, causationId: trigger.id };
}

/** Namespace of the event ids of workflow steps (a fixed random UUID). */
const STEP_NAMESPACE = '6f0b9c1e-2d47-4a8b-9e35-71c2d8a4f6b0';

/** The ids of the events a step stores, derived from its trigger and target: a repeated step offers the same ids. */
const stepEventIds = (trigger: StoredEvent, target: string) => (index: number) =>
  uuidV5(STEP_NAMESPACE, `${trigger.id}:${target}:${index}`);

function existing(outcome: Outcome<Finding>): Outcome<ExistingFinding> {
  const { state } = outcome;
  if (state.status === 'none') throw new Error(`${outcome.streamId} folded to nothing after a command`);
  return { ...outcome, state };
}
