import { createHash } from 'node:crypto';
import type { DuplicateRule } from './events.js';

/*
 * The five double-funding rules (dubultfinansējuma pazīmes), each written once as a pure
 * function of the facts: invoices, the claim items that allocate from them (with what the
 * officers found ineligible) and the budgets of the projects they belong to. The read model
 * (projections/double-funding) keeps their answer as rows while events arrive; the check at
 * submission, a project's view and any past instant run the same functions over the facts
 * recorded up to then. No I/O here.
 */

/** An invoice as the double-funding rules see it; amounts in euro cents, dates `YYYY-MM-DD`. */
export interface InvoiceFact {
  invoiceId: string;
  projectId: string;
  /** The event that submitted it. */
  eventId: string;
  /** Supplier registration number. */
  supplier: string;
  /** The invoice number normalised (case, spaces and separators aside). */
  normNumber: string;
  invoiceDate: string;
  net: number;
  vat: number;
  gross: number;
  costLine: string;
  /** The asset it pays for (inventory or cadastre number), upper case, when named. */
  assetRef: string | null;
  /** ISO 8601 instant its event was recorded. */
  recordedAt: string;
}

/** One invoice's line in a payment claim, with the officers' verification of it when there is one. */
export interface ClaimItemFact {
  claimId: string;
  invoiceId: string;
  projectId: string;
  /** The event that submitted the claim. */
  eventId: string;
  supplier: string;
  normNumber: string;
  /** What the claim allocates from the invoice. */
  cents: number;
  recordedAt: string;
  /** Found ineligible by the verification (0 until verified). */
  ineligible: number;
  /** When the verification was recorded; null while unverified. */
  verifiedAt: string | null;
}

/** A project's budget: who receives the money, from which fund and programme, and its cost lines. */
export interface BudgetFact {
  projectId: string;
  recipientOrg: string;
  fund: string;
  programme: string;
  investment: string;
  vatSource: string;
  costLines: readonly { code: string; output: string }[];
  recordedAt: string;
}

export interface Facts {
  invoices: readonly InvoiceFact[];
  items: readonly ClaimItemFact[];
  budgets: readonly BudgetFact[];
}

/** What a rule raises: the rule, what it is about, the events and projects involved and the amount at risk in cents. */
export interface AlertFact {
  rule: DuplicateRule;
  /**
   * What the alert is about: supplier|normalised number (rules 1 and 2), supplier|number|number
   * (rule 3), claim|invoice (rule 4), RRF project|ERDF project|scope (rule 5).
   */
  key: string;
  /** The events involved (invoices and claims), sorted. */
  eventIds: string[];
  /** The projects involved, sorted. */
  projectIds: string[];
  /** Euro cents that may have been financed twice. */
  amountAtRiskCents: number;
}

/** Strongest rule first: the order of the officers' queue. */
export const RULE_RANK: Record<DuplicateRule, number> = {
  same_invoice: 1,
  over_allocation: 2,
  near_duplicate: 3,
  vat_twice: 4,
  overlapping_scope: 5,
};

/** The stable id of an alert: the same rule over the same key is always the same alert. */
export const alertIdOf = (rule: DuplicateRule, key: string) => createHash('md5').update(`${rule}:${key}`).digest('hex');

/** Each value once, in code-unit order. */
export const sorted = (values: Iterable<string>) => [...new Set(values)].sort(byCodeUnits);
/** Plain code-unit order (the database's "C" collation), so ids and keys sort the same everywhere. */
export const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
/** What rules 1 and 2 are keyed by: supplier|normalised number. */
export const invoiceKey = (f: { supplier: string; normNumber: string }) => `${f.supplier}|${f.normNumber}`;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const days = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

/** Rule 1: one supplier's invoice (by normalised number) declared more than once, in any project or fund. */
export function sameInvoice(facts: Facts): AlertFact[] {
  const alerts: AlertFact[] = [];
  for (const [key, invoices] of groupBy(facts.invoices, invoiceKey)) {
    if (invoices.length < 2) continue;
    const gross = invoices.map((i) => i.gross);
    alerts.push({
      rule: 'same_invoice',
      key,
      eventIds: sorted(invoices.map((i) => i.eventId)),
      projectIds: sorted(invoices.map((i) => i.projectId)),
      amountAtRiskCents: sum(gross) - Math.max(...gross),
    });
  }
  return alerts;
}

/** Rule 2: claims allocate more from an invoice than its gross, less what was found ineligible. */
export function overAllocation(facts: Facts): AlertFact[] {
  const invoices = groupBy(facts.invoices, invoiceKey);
  const alerts: AlertFact[] = [];
  for (const [key, items] of groupBy(facts.items, invoiceKey)) {
    const declared = invoices.get(key);
    if (!declared) continue;
    const allocated = sum(items.map((i) => i.cents));
    const cap = Math.max(...declared.map((i) => i.gross)) - sum(items.map((i) => i.ineligible));
    if (allocated <= cap) continue;
    alerts.push({
      rule: 'over_allocation',
      key,
      eventIds: sorted([...items.map((i) => i.eventId), ...declared.map((i) => i.eventId)]),
      projectIds: sorted(items.map((i) => i.projectId)),
      amountAtRiskCents: allocated - cap,
    });
  }
  return alerts;
}

/** Rule 3: one supplier's invoices under different numbers with the same gross, dated within `windowDays` of each other. */
export function nearDuplicate(facts: Facts, windowDays: number): AlertFact[] {
  const pairs = new Map<string, { x: InvoiceFact[]; y: InvoiceFact[] }>();
  for (const group of groupBy(facts.invoices, (i) => `${i.supplier}|${i.gross}`).values()) {
    for (const x of group) {
      for (const y of group) {
        if (!(x.normNumber < y.normNumber) || Math.abs(days(x.invoiceDate) - days(y.invoiceDate)) > windowDays) continue;
        const key = `${x.supplier}|${x.normNumber}|${y.normNumber}`;
        const pair = pairs.get(key) ?? { x: [], y: [] };
        pair.x.push(x);
        pair.y.push(y);
        pairs.set(key, pair);
      }
    }
  }
  return [...pairs].map(([key, { x, y }]) => ({
    rule: 'near_duplicate' as const,
    key,
    eventIds: sorted([...x, ...y].map((i) => i.eventId)),
    projectIds: sorted([...x, ...y].map((i) => i.projectId)),
    amountAtRiskCents: Math.max(...x.map((i) => i.gross)),
  }));
}

/** Rule 4: a claim takes an invoice's VAT from the project while the state budget refunds it. */
export function vatTwice(facts: Facts): AlertFact[] {
  const budgets = new Map(facts.budgets.map((b) => [b.projectId, b]));
  const invoices = new Map(facts.invoices.map((i) => [i.invoiceId, i]));
  const alerts: AlertFact[] = [];
  for (const item of facts.items) {
    const invoice = invoices.get(item.invoiceId);
    const budget = invoice && budgets.get(invoice.projectId);
    if (!invoice || budget?.vatSource !== 'state_budget' || invoice.vat <= 0 || item.cents <= invoice.net) continue;
    alerts.push({
      rule: 'vat_twice',
      key: `${item.claimId}|${item.invoiceId}`,
      eventIds: sorted([item.eventId, invoice.eventId]),
      projectIds: [item.projectId],
      amountAtRiskCents: Math.min(invoice.vat, item.cents - invoice.net),
    });
  }
  return alerts;
}

/** The output an invoice's cost line delivers in its budget (case and spaces aside): what rule 5 compares. */
export function scopeOf(invoice: InvoiceFact, budget: BudgetFact): string | null {
  const line = budget.costLines.find((l) => l.code === invoice.costLine);
  return line ? line.output.trim().toLowerCase() : null;
}

/**
 * Rule 5: one recipient finances the same scope (output) in the same year from RRF and from
 * ERDF: the same asset when both invoices name one, else the same supplier. The amount at risk
 * is the smaller of the two projects' invoiced sums for that scope.
 */
export function overlappingScope(facts: Facts): AlertFact[] {
  const budgets = new Map(facts.budgets.map((b) => [b.projectId, b]));
  const scoped = facts.invoices.flatMap((invoice) => {
    const budget = budgets.get(invoice.projectId);
    const scope = budget ? scopeOf(invoice, budget) : null;
    return budget && scope !== null ? [{ invoice, budget, scope, year: invoice.invoiceDate.slice(0, 4) }] : [];
  });
  const groups = groupBy(scoped, (s) => `${s.budget.recipientOrg}|${s.scope}|${s.year}`);
  const alerts = new Map<string, { rp: string; ep: string; r: Map<string, InvoiceFact>; e: Map<string, InvoiceFact> }>();
  for (const group of groups.values()) {
    const rrf = group.filter((s) => s.budget.fund === 'RRF');
    const erdf = group.filter((s) => s.budget.fund === 'ERDF');
    for (const r of rrf) {
      for (const e of erdf) {
        const same =
          r.invoice.assetRef !== null && e.invoice.assetRef !== null
            ? r.invoice.assetRef === e.invoice.assetRef
            : r.invoice.supplier === e.invoice.supplier;
        if (!same) continue;
        const key = `${r.invoice.projectId}|${e.invoice.projectId}|${r.scope}`;
        const alert = alerts.get(key) ?? { rp: r.invoice.projectId, ep: e.invoice.projectId, r: new Map(), e: new Map() };
        alert.r.set(r.invoice.invoiceId, r.invoice);
        alert.e.set(e.invoice.invoiceId, e.invoice);
        alerts.set(key, alert);
      }
    }
  }
  return [...alerts].map(([key, a]) => ({
    rule: 'overlapping_scope' as const,
    key,
    eventIds: sorted([...a.r.values(), ...a.e.values()].map((i) => i.eventId)),
    projectIds: sorted([a.rp, a.ep]),
    amountAtRiskCents: Math.min(sum([...a.r.values()].map((i) => i.gross)), sum([...a.e.values()].map((i) => i.gross))),
  }));
}

/** Every rule over the facts, strongest rule first, then by alert id. */
export function alertsOf(facts: Facts, windowDays: number): (AlertFact & { alertId: string })[] {
  return [
    ...sameInvoice(facts),
    ...overAllocation(facts),
    ...nearDuplicate(facts, windowDays),
    ...vatTwice(facts),
    ...overlappingScope(facts),
  ]
    .map((a) => ({ ...a, alertId: alertIdOf(a.rule, a.key) }))
    .sort((a, b) => RULE_RANK[a.rule] - RULE_RANK[b.rule] || byCodeUnits(a.alertId, b.alertId));
}

/** The facts as they stood at `asOf` (ISO 8601): recorded up to then, verifications included only if recorded by then. */
export function factsAsOf(facts: Facts, asOf: string): Facts {
  const by = (f: { recordedAt: string }) => Date.parse(f.recordedAt) <= Date.parse(asOf);
  return {
    invoices: facts.invoices.filter(by),
    items: facts.items
      .filter(by)
      .map((i) => (i.verifiedAt !== null && Date.parse(i.verifiedAt) > Date.parse(asOf) ? { ...i, ineligible: 0, verifiedAt: null } : i)),
    budgets: facts.budgets.filter(by),
  };
}

/** The facts an alert is made of: its events, their verifications and the budgets of the projects involved. */
function factsOfAlert(facts: Facts, alert: AlertFact): Facts {
  const events = new Set(alert.eventIds);
  const invoices = facts.invoices.filter((i) => events.has(i.eventId));
  const items = facts.items.filter((i) => events.has(i.eventId));
  const projects = new Set([...invoices, ...items].map((f) => f.projectId));
  return { invoices, items, budgets: facts.budgets.filter((b) => projects.has(b.projectId)) };
}

const instantsOf = (facts: Facts) =>
  sorted(
    [
      ...facts.invoices.map((i) => i.recordedAt),
      ...facts.items.flatMap((i) => (i.verifiedAt === null ? [i.recordedAt] : [i.recordedAt, i.verifiedAt])),
      ...facts.budgets.map((b) => b.recordedAt),
    ].map((t) => new Date(t).toISOString()),
  );

const RULES: Record<DuplicateRule, (facts: Facts, windowDays: number) => AlertFact[]> = {
  same_invoice: sameInvoice,
  over_allocation: overAllocation,
  near_duplicate: nearDuplicate,
  vat_twice: vatTwice,
  overlapping_scope: overlappingScope,
};

/**
 * When the alert was first seen and when it last changed, from the recorded times of the facts it
 * is made of: first, the earliest of those instants at which its rule raised it over the facts
 * recorded by then; last, the latest of them. Both depend only on the facts, so a rebuild of the
 * read model gives the same times as the live one. Only rule 2 can stop holding as facts arrive
 * (a later invoice under the same number with a larger gross raises the cap), so the others are
 * searched by halving.
 */
export function seenTimes(facts: Facts, alert: AlertFact & { alertId: string }, windowDays: number): { first: string; last: string } {
  const own = factsOfAlert(facts, alert);
  const instants = instantsOf(own);
  const holdsAt = (t: string) => RULES[alert.rule](factsAsOf(own, t), windowDays).some((a) => a.key === alert.key);
  let first = instants.length - 1;
  if (alert.rule === 'over_allocation') {
    first = Math.max(0, instants.findIndex(holdsAt));
  } else {
    for (let low = 0; low < first;) {
      const middle = (low + first) >> 1;
      if (holdsAt(instants[middle]!)) first = middle;
      else low = middle + 1;
    }
  }
  return { first: instants[first]!, last: instants[instants.length - 1]! };
}
