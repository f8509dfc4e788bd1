import {
  alertById,
  alertQueue,
  alertsAsOf,
  alertsForProject,
  countAlerts,
  selectAlerts,
  sortValue,
  type AlertCounts,
  type AlertFilter,
  type AlertQuery,
  type AlertSort,
  type DuplicateAlertView,
  type FactSource,
} from '../../projections/double-funding/queries.js';
import type { CommandContext } from '../domain/decider.js';
import { NotFound, ValidationFailed } from '../domain/errors.js';
import {
  duplicateAlertStream,
  duplicateAlertStreamId,
  type DuplicateAlert,
  type DuplicateAlertCommand,
} from '../domain/dupalert/decider.js';
import type { AlertFinding } from '../domain/dupalert/events.js';
import type { Severity } from '../domain/finding/events.js';
import { amountIssues } from '../domain/finding/rules.js';
import { invoiceKey, sorted } from '../domain/dupalert/rules.js';
import { inSnapshot, loadFacts } from '../../projections/double-funding/facts.js';
import { uuidV5 } from '../domain/ids.js';
import { alertsAsSeenBy } from './alert-audience.js';
import type { Caller } from './caller.js';
import { on, type Outcome } from './command.js';
import { cursorCodec, cursorSeal, cursorSealForAll, type CursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { pageOf, type Page, type PageRequest } from './page.js';
import { visibleProject } from './passports.js';
import { raiseAlertFindings } from './workflows.js';

/** An alert as the read model derives it, with the officers' decision as its own stream holds it. */
export interface Alert extends Outcome<DuplicateAlert> {
  readonly alert: DuplicateAlertView;
}

export interface ConfirmAlertInput {
  reason: string;
  /** When given, an audit finding (category double_funding) is raised on each project of the alert. */
  finding?: { severity: Severity; euShareCents?: number };
}

/** One page of the officers' queue, with how many alerts match by status and by rule. */
export interface AlertQueuePage extends Page<DuplicateAlertView> {
  counts: AlertCounts;
}

/** Each sort's cursor holds the last alert's sort value (rule rank, amount in cents or first-seen instant) and id. */
const QUEUE_CURSORS = {
  rule: cursorCodec('alerts', ['int', 'text']),
  amount: cursorCodec('alerts-by-amount', ['int', 'text']),
  newest: cursorCodec('alerts-by-date', ['instant', 'text']),
} as const;
const PROJECT_CURSOR = cursorCodec('project-alerts', ['int', 'text']);

const afterCursor = (seal: CursorSeal, sort: AlertSort, cursor: string | undefined) => {
  if (cursor === undefined) return {};
  const [value, alertId] = QUEUE_CURSORS[sort].decode(seal, cursor);
  return { after: { value, alertId } };
};
const cursorOf = (seal: CursorSeal, sort: AlertSort) => (a: DuplicateAlertView) =>
  sort === 'newest'
    ? QUEUE_CURSORS.newest.encode(seal, [a.firstSeenAt, a.alertId])
    : QUEUE_CURSORS[sort].encode(seal, [sortValue(a, sort) as number, a.alertId]);

/** Namespace of the ids of findings raised by a confirmation (a fixed random UUID). */
const ALERT_FINDING_NAMESPACE = '3c7e2a90-5b14-4f6d-8a21-9d0e4b7c1f58';

/** The id of the finding a confirmation raises on one project: the same alert and project always give the same finding. */
export const alertFindingId = (alertId: string, projectId: string) =>
  uuidV5(ALERT_FINDING_NAMESPACE, `alert:${alertId}:project:${projectId}`);

/**
 * Double-funding alerts (dubultfinansējuma brīdinājumi): derived by the double-funding read model
 * from every project's invoices and claims; an officer's decision on one is a stream of its own
 * (`dupalert-<alertId>`, empty while undecided), so its version is the alert's ETag.
 */
export class DoubleFunding {
  private readonly decisions;

  constructor(private readonly deps: Deps) {
    this.decisions = on(deps, duplicateAlertStream);
  }

  /**
   * The officers' queue: filtered, in the sort's order, cursor-paged, with counts. Now: the alerts
   * read model (kept as events arrive). With `asOf`: computed by the rules from the facts and
   * decisions recorded up to then (the auditors' view of a past instant; seconds at a million
   * invoices unless narrowed to a project or supplier).
   */
  async list(filter: AlertFilter, sort: AlertSort, asOf: Date | undefined, page: PageRequest): Promise<AlertQueuePage> {
    // The queue is the officers', approvers', auditors' and admins' only: they see every alert.
    const seal = cursorSealForAll(this.deps.config);
    const query: AlertQuery = { filter, sort, ...afterCursor(seal, sort, page.cursor), limit: page.limit + 1 };
    if (asOf === undefined) {
      const { alerts, counts } = await alertQueue(this.deps.pool, query);
      return { ...pageOf(alerts, page.limit, cursorOf(seal, sort)), counts };
    }
    const seeds = filter.projectId ? { projectIds: [filter.projectId] } : filter.supplier ? { suppliers: [filter.supplier] } : undefined;
    const all = await alertsAsOf(this.deps.pool, this.deps.config.DUPCHECK_NEAR_DAYS, asOf, this.source(), seeds);
    return { ...pageOf(selectAlerts(all, query), page.limit, cursorOf(seal, sort)), counts: countAlerts(all, filter) };
  }

  /**
   * The alerts involving a project the caller can see, as they stood at `asOf` (default:
   * everything committed, this very moment), strongest rule first; computed from the project's
   * facts, so an invoice just submitted is in it.
   */
  async forProject(caller: Caller, projectId: string, asOf: Date | undefined, page: PageRequest): Promise<Page<DuplicateAlertView>> {
    await visibleProject(this.deps, caller.user, projectId);
    const seal = cursorSeal(this.deps.config, caller.user);
    const after =
      page.cursor === undefined ? {} : { after: ((k) => ({ value: k[0], alertId: k[1] }))(PROJECT_CURSOR.decode(seal, page.cursor)) };
    const alerts = await alertsForProject(this.deps.pool, projectId, this.deps.config.DUPCHECK_NEAR_DAYS, asOf, this.source());
    // Paged by the ids the caller sees, so its cursors hold only those.
    const shown = await alertsAsSeenBy(this.deps, caller.user, alerts);
    const rows = selectAlerts(shown, { filter: {}, sort: 'rule', ...after, limit: page.limit + 1 });
    return pageOf(rows, page.limit, (a) => PROJECT_CURSOR.encode(seal, [sortValue(a, 'rule') as number, a.alertId]));
  }

  private source(): FactSource {
    return this.deps.config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model';
  }

  async get(alertId: string): Promise<Alert> {
    const alert = await this.find(alertId);
    const streamId = duplicateAlertStreamId(alertId);
    const { state, version } = await this.decisions.load(streamId);
    return { alert: withDecision(alert, state), state, version, streamId, replayed: false, eventIds: [] };
  }

  /**
   * Confirms the alert: the cost was financed twice. With `finding`, an audit finding is raised
   * on each project of the alert: the findings are listed in the decision itself, then raised
   * (src/application/workflows.ts), so a stop in between is completed and nothing is raised twice.
   */
  async confirm(caller: Caller, alertId: string, input: ConfirmAlertInput): Promise<Alert & { findingIds: string[] }> {
    const alert = await this.find(alertId);
    const findings = input.finding ? this.findingsFor(alert, await this.invoiceKeysByProject(alert), input.finding) : [];
    const decided = await this.decide(caller, alert, (context) => ({
      type: 'ConfirmDuplicateAlert',
      data: { ...decisionOf(alert, input.reason), findings },
      context,
    }));
    const [stored] = await this.decisions.read(decided.streamId, { to: 1 });
    if (stored?.type === 'DuplicateAlertConfirmed.v2') await raiseAlertFindings(this.deps, stored);
    return { ...decided, findingIds: decided.state.status === 'confirmed' ? decided.state.findings.map((f) => f.findingId) : [] };
  }

  /** Dismisses the alert with the reason, e.g. a legal pro-rata split. */
  async dismiss(caller: Caller, alertId: string, reason: string): Promise<Alert> {
    const alert = await this.find(alertId);
    return this.decide(caller, alert, (context) => ({ type: 'DismissDuplicateAlert', data: decisionOf(alert, reason), context }));
  }

  private async decide(
    caller: Caller,
    alert: DuplicateAlertView,
    command: (context: CommandContext) => DuplicateAlertCommand,
  ): Promise<Alert> {
    const outcome: Outcome<DuplicateAlert> = await this.decisions.execute(duplicateAlertStreamId(alert.alertId), caller, command, {
      subject: alert.alertId,
    });
    return { ...outcome, alert: withDecision(alert, outcome.state) };
  }

  /** Each project's own invoices in the alert, as supplier|number keys. */
  private async invoiceKeysByProject(alert: DuplicateAlertView): Promise<Map<string, string[]>> {
    const events = new Set(alert.eventIds);
    const { facts } = await inSnapshot(this.deps.pool, (query) =>
      loadFacts(query, { eventIds: alert.eventIds }, this.deps.config.DUPCHECK_NEAR_DAYS, undefined, this.source()),
    );
    const keys = new Map<string, string[]>();
    for (const f of [...facts.invoices, ...facts.items].filter((x) => events.has(x.eventId))) {
      keys.set(f.projectId, sorted([...(keys.get(f.projectId) ?? []), invoiceKey(f)]));
    }
    return keys;
  }

  /**
   * One finding per project, checked here as the finding would check it, so raising them later
   * cannot be refused. Each is its beneficiary's to read: it names that project's own invoices
   * only, never the alert's id or key or the officer's reason, which may name the other side.
   */
  private findingsFor(
    alert: DuplicateAlertView,
    keys: ReadonlyMap<string, string[]>,
    finding: NonNullable<ConfirmAlertInput['finding']>,
  ): AlertFinding[] {
    const euShareCents = finding.euShareCents ?? alert.amountAtRiskCents;
    const issues = amountIssues(alert.amountAtRiskCents, euShareCents).map((i) => ({ ...i, field: `finding.${i.field}` }));
    if (issues.length) throw new ValidationFailed(issues);
    const invoiceLevel = alert.rule === 'same_invoice' || alert.rule === 'over_allocation' || alert.rule === 'near_duplicate';
    return alert.projectIds.map((projectId) => ({
      findingId: alertFindingId(alert.alertId, projectId),
      projectId,
      severity: finding.severity,
      amountAtRiskCents: alert.amountAtRiskCents,
      euShareCents,
      invoiceRef: invoiceLevel ? (keys.get(projectId) ?? []).join(', ').slice(0, 200) || null : null,
      description: `Double funding confirmed by the monitoring officer (${alert.rule}): ${
        invoiceLevel ? `invoice ${(keys.get(projectId) ?? []).join(', ')} of this project is` : 'costs of this project are'
      } also declared elsewhere`.slice(0, 2000),
    }));
  }

  private async find(alertId: string): Promise<DuplicateAlertView> {
    const alert = await alertById(this.deps.pool, alertId);
    if (!alert) throw new NotFound('Double-funding alert', alertId);
    return alert;
  }
}

const decisionOf = (alert: DuplicateAlertView, reason: string) => ({
  alertId: alert.alertId,
  rule: alert.rule,
  projectIds: alert.projectIds,
  amountAtRiskCents: alert.amountAtRiskCents,
  reason,
});

/** The decision as the alert's stream holds it (the read model may not have caught up yet). */
function withDecision(alert: DuplicateAlertView, state: DuplicateAlert): DuplicateAlertView {
  if (state.status === 'open') return { ...alert, status: 'open', reason: null, decidedBy: null, decidedAt: null };
  return { ...alert, status: state.status, reason: state.reason, decidedBy: state.decidedBy, decidedAt: state.decidedAt };
}
