import { createHmac } from 'node:crypto';
import { budgetScope } from '../../projections/double-funding/alerts.js';
import { inSnapshot, loadFacts } from '../../projections/double-funding/facts.js';
import { alertsByIds, type DuplicateAlertView } from '../../projections/double-funding/queries.js';
import { canSee, type Viewer } from '../auth/scope.js';
import { invoiceKey, sorted, type BudgetFact } from '../domain/dupalert/rules.js';
import { NotFound } from '../domain/errors.js';
import type { Deps } from './deps.js';
import { serviceKeys } from './keys.js';
import { visibleProject } from './passports.js';

/*
 * What each role sees of a double-funding alert. An alert is made of several organisations'
 * invoices and claims. Officers, approvers, auditors, the council and admins see it whole, and so
 * does a beneficiary when the alert is made of its own projects' invoices and claims only.
 * Otherwise a beneficiary sees that its own invoice or allocation is also declared elsewhere (the
 * rule, the amount at risk, the status) and only its own part: its projects, events, invoices,
 * their suppliers and invoice keys, its budgets' funds and programmes. Nothing names the other
 * projects, their events, invoices or numbers, and not the alert id either: that is an md5 of the
 * rule and a key that may hold another organisation's invoice number or project id, so the
 * beneficiary gets an id of its own for the alert (a keyed hash, stable, useless to guess with).
 * The officer's reason is left out too: it is free text about both sides.
 *
 * {@link alertAsSeenBy} is the one place that decides; every answer that carries alerts to a
 * role that may be a beneficiary (submission, import and import jobs, a project's alerts) and the
 * council's report pass them through it. The officers' queue and one alert's page are routed to
 * officers, approvers, auditors and admins only, who see alerts whole.
 */

/** One event of an alert: the project it belongs to and the invoice it declares or allocates from. */
interface EventPart {
  readonly eventId: string;
  readonly projectId: string;
  readonly invoiceId: string;
  readonly supplier: string;
  readonly normNumber: string;
}

/** Who alerts are shown to. */
export type AlertAudience =
  | { readonly sees: 'everything' }
  | {
      readonly sees: 'own';
      readonly organisation: string;
      readonly idKey: Uint8Array;
      /** The events of the alerts that belong to projects this audience may see (recipient or partner). */
      readonly ownEvents: ReadonlyMap<string, EventPart>;
      /** Projects of the alerts this audience may see, with their budgets when opened. */
      readonly ownProjects: ReadonlyMap<string, BudgetFact | null>;
    };

/** The id an alert is shown under to the audience: the alert's own id, or for a beneficiary its organisation's id for it. */
export function alertIdAsSeenBy(audience: OwnIdAudience, alertId: string): string {
  if (audience.sees === 'everything') return alertId;
  return createHmac('sha256', audience.idKey).update(`${audience.organisation}\n${alertId}`).digest('hex').slice(0, 32);
}

/** Enough of an audience to name alerts: an import job's rows carry alert ids only. */
export type OwnIdAudience =
  { readonly sees: 'everything' } | { readonly sees: 'own'; readonly organisation: string; readonly idKey: Uint8Array };

/** What the audience sees of the alert: the whole of it, or a beneficiary's own part of it. */
export function alertAsSeenBy(audience: AlertAudience, alert: DuplicateAlertView): DuplicateAlertView {
  if (audience.sees === 'everything') return alert;
  // Wholly its own (its projects' invoices and claims only): nothing in it is anyone else's.
  if (alert.eventIds.every((e) => audience.ownEvents.has(e)) && alert.projectIds.every((p) => audience.ownProjects.has(p))) return alert;
  const parts = alert.eventIds.flatMap((e) => audience.ownEvents.get(e) ?? []);
  const projectIds = sorted([...parts.map((p) => p.projectId), ...alert.projectIds.filter((p) => audience.ownProjects.has(p))]);
  const budgets = projectIds.flatMap((p) => audience.ownProjects.get(p) ?? []);
  return {
    alertId: alertIdAsSeenBy(audience, alert.alertId),
    rule: alert.rule,
    key: sorted(parts.map(invoiceKey)).join(' '),
    eventIds: sorted(parts.map((p) => p.eventId)),
    projectIds,
    invoiceIds: sorted(parts.map((p) => p.invoiceId)),
    suppliers: sorted(parts.map((p) => p.supplier)),
    ...budgetScope(budgets),
    amountAtRiskCents: alert.amountAtRiskCents,
    status: alert.status,
    reason: null,
    decidedBy: alert.decidedBy,
    decidedAt: alert.decidedAt,
    firstSeenAt: alert.firstSeenAt,
    lastSeenAt: alert.lastSeenAt,
  };
}

/** The audience of a viewer for naming alerts only (no facts read). */
export function idAudienceOf(deps: Pick<Deps, 'config'>, viewer: Viewer): OwnIdAudience {
  if (viewer.role !== 'beneficiary') return { sees: 'everything' };
  return { sees: 'own', organisation: viewer.organisation, idKey: serviceKeys(deps.config).alertId };
}

/**
 * The viewer's audience for these alerts: for a beneficiary, which of their events and projects
 * are its own, read from the same facts the alerts were computed from (an event belongs to one
 * project for ever, so the current facts serve an answer as of any instant).
 */
export async function audienceOf(
  deps: Pick<Deps, 'config' | 'pool' | 'store'>,
  viewer: Viewer,
  alerts: readonly DuplicateAlertView[],
): Promise<AlertAudience> {
  const named = idAudienceOf(deps, viewer);
  if (named.sees === 'everything') return named;
  const eventIds = sorted(alerts.flatMap((a) => a.eventIds));
  if (eventIds.length === 0) return { ...named, ownEvents: new Map(), ownProjects: new Map() };
  const source = deps.config.EVENT_STORE === 'postgres' ? 'read_model_and_tail' : 'read_model';
  const { facts } = await inSnapshot(deps.pool, (query) =>
    loadFacts(query, { eventIds }, deps.config.DUPCHECK_NEAR_DAYS, undefined, source),
  );
  const wanted = new Set(eventIds);
  const parts = [...facts.invoices, ...facts.items].filter((f) => wanted.has(f.eventId));
  const budgets = new Map(facts.budgets.map((b) => [b.projectId, b]));
  const ownProjects = new Map<string, BudgetFact | null>();
  for (const projectId of sorted([...parts.map((p) => p.projectId), ...alerts.flatMap((a) => a.projectIds)])) {
    if (await maySee(deps, viewer, projectId, budgets.get(projectId))) ownProjects.set(projectId, budgets.get(projectId) ?? null);
  }
  const ownEvents = new Map<string, EventPart>();
  for (const p of parts) {
    if (!ownProjects.has(p.projectId)) continue;
    ownEvents.set(p.eventId, {
      eventId: p.eventId,
      projectId: p.projectId,
      invoiceId: p.invoiceId,
      supplier: p.supplier,
      normNumber: p.normNumber,
    });
  }
  return { ...named, ownEvents, ownProjects };
}

/** Whether the viewer may see the project: its budget's recipient, else the passport decides (partners may see it too). */
async function maySee(deps: Pick<Deps, 'store'>, viewer: Viewer, projectId: string, budget: BudgetFact | undefined): Promise<boolean> {
  if (budget && canSee(viewer, { projectId, recipient: budget.recipientOrg, partners: [] })) return true;
  try {
    await visibleProject(deps, viewer, projectId);
    return true;
  } catch (err) {
    if (err instanceof NotFound) return false;
    throw err;
  }
}

/** The alerts as the viewer may see them, in the order given. */
export async function alertsAsSeenBy(
  deps: Pick<Deps, 'config' | 'pool' | 'store'>,
  viewer: Viewer,
  alerts: readonly DuplicateAlertView[],
): Promise<DuplicateAlertView[]> {
  const audience = await audienceOf(deps, viewer, alerts);
  return alerts.map((a) => alertAsSeenBy(audience, a));
}

/**
 * The ids these alerts are shown under to the viewer, by alert id, when only the ids are at hand
 * (an import job's rows): each alert as the read model holds it decides, as {@link alertAsSeenBy}
 * does; one the read model does not hold (yet, or any more) gets the viewer's own id for it.
 */
export async function alertIdsAsSeenBy(
  deps: Pick<Deps, 'config' | 'pool' | 'store'>,
  viewer: Viewer,
  alertIds: readonly string[],
): Promise<Map<string, string>> {
  const named = idAudienceOf(deps, viewer);
  const shown = new Map(alertIds.map((id) => [id, alertIdAsSeenBy(named, id)]));
  if (named.sees === 'everything' || alertIds.length === 0) return shown;
  const alerts = await alertsByIds(deps.pool, alertIds);
  const audience = await audienceOf(deps, viewer, alerts);
  for (const a of alerts) shown.set(a.alertId, alertAsSeenBy(audience, a).alertId);
  return shown;
}
