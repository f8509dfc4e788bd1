import { z } from 'zod';
import { defineEvent, type EventOf } from '../../eventstore/registry.js';

/** Double-funding rules, strongest first (shared/domain.md). */
export const DUPLICATE_RULES = ['same_invoice', 'over_allocation', 'near_duplicate', 'vat_twice', 'overlapping_scope'] as const;
export type DuplicateRule = (typeof DUPLICATE_RULES)[number];

const decision = z
  .object({
    alertId: z.string().regex(/^[0-9a-f]{32}$/),
    rule: z.enum(DUPLICATE_RULES),
    projectIds: z.array(z.uuid()).min(1),
    amountAtRiskCents: z.number().int().min(0),
    reason: z.string().min(1).max(5000),
    decidedAt: z.iso.datetime(),
    decidedBy: z.string().min(1).max(200),
  })
  .strict();

/** An officer confirms a double-funding alert: the cost was financed twice. */
export const DuplicateAlertConfirmed = defineEvent('DuplicateAlertConfirmed.v1', decision);
/** An officer dismisses an alert, e.g. a legal pro-rata split or two distinct deliveries. */
export const DuplicateAlertDismissed = defineEvent('DuplicateAlertDismissed.v1', decision);

export type DuplicateAlertEvent = EventOf<typeof DuplicateAlertConfirmed> | EventOf<typeof DuplicateAlertDismissed>;
export const duplicateAlertEvents = [DuplicateAlertConfirmed, DuplicateAlertDismissed];
