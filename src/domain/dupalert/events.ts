import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';
import type { RetiredEvent } from '../stream.js';
import { SEVERITIES, type Severity } from '../finding/events.js';

/** Double-funding rules (dubultfinansējums), strongest first; docs/api-guide.md says what each one finds. */
export const DUPLICATE_RULES = ['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope'] as const;
export type DuplicateRule = (typeof DUPLICATE_RULES)[number];

/**
 * An audit finding a confirmation raises on one project of the alert. Its id is derived from
 * the alert and the project, so raising it again (a retry, the workflow after a restart) finds it.
 */
export interface AlertFinding {
  findingId: string;
  projectId: string;
  severity: Severity;
  amountAtRiskCents: number;
  euShareCents: number;
  /** The invoice the alert is about, for invoice-level rules. */
  invoiceRef: string | null;
  description: string;
}

const cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const decision = z.object({
  alertId: z.string().regex(/^[0-9a-f]{32}$/),
  rule: z.enum(DUPLICATE_RULES),
  projectIds: z.array(z.uuid()).min(1),
  amountAtRiskCents: cents,
  reason: z.string().min(1).max(5000),
  decidedAt: z.iso.datetime(),
  decidedBy: z.string().min(1).max(200),
});

const alertFinding = z
  .object({
    findingId: z.uuid(),
    projectId: z.uuid(),
    severity: z.enum(SEVERITIES),
    amountAtRiskCents: cents,
    euShareCents: cents,
    invoiceRef: z.string().min(1).max(200).nullable(),
    description: z.string().min(1).max(20_000),
  })
  .strict() satisfies z.ZodType<AlertFinding>;

/**
 * An officer confirms a double-funding alert: the cost was financed twice. `findings` are the
 * audit findings the confirmation raises (one per project, or none): recorded with the decision,
 * so they are raised exactly once even if the process stops right after this event.
 */
export const DuplicateAlertConfirmed = defineEvent(
  'DuplicateAlertConfirmed.v2',
  decision.extend({ findings: z.array(alertFinding) }).strict(),
);
/** An officer dismisses an alert, e.g. a legal pro-rata split or two distinct deliveries. */
export const DuplicateAlertDismissed = defineEvent('DuplicateAlertDismissed.v1', decision.strict());

export type DuplicateAlertEvent = EventOf<typeof DuplicateAlertConfirmed> | EventOf<typeof DuplicateAlertDismissed>;
export const duplicateAlertEvents = [DuplicateAlertConfirmed, DuplicateAlertDismissed];

/**
 * Confirmations before v2 raised their findings in the same request, under random ids, and did
 * not record them: read as confirmations that leave nothing to raise.
 */
export const retiredDuplicateAlertEvents: RetiredEvent[] = [
  {
    type: 'DuplicateAlertConfirmed.v1',
    upcast: (data) => ({ type: DuplicateAlertConfirmed.type, data: { ...(data as object), findings: [] } }),
  },
];
