import { contributedByOthers } from '../../projections/projects/queries.js';
import { ValidationFailed } from '../domain/errors.js';
import type { InvestmentFacts } from '../domain/passport/checks.js';
import type { ProgrammeRef } from '../domain/passport/content.js';
import { programmeStream, programmeStreamId } from '../domain/programme/decider.js';
import { programmeNodeStream, programmeNodeStreamId } from '../domain/programme-node/decider.js';
import { FUNDED_KINDS } from '../domain/programme-node/rules.js';
import { load } from './command.js';
import type { Deps } from './deps.js';

/**
 * The investment (or measure) a passport belongs to, read from its own streams so a
 * just-defined investment is known at once. Unknown or retired → 422 naming the field.
 */
export async function investmentFacts(
  { store, orm }: Pick<Deps, 'store' | 'orm'>,
  ref: ProgrammeRef,
  projectId: string,
): Promise<InvestmentFacts> {
  const { state: programme } = await load(store, programmeStream, programmeStreamId({ code: ref.programme, period: ref.period }));
  if (programme.status !== 'active' || programme.fund !== ref.fund) {
    throw new ValidationFailed([
      { field: 'programme.programme', message: `there is no active programme ${ref.programme} ${ref.period} of fund ${ref.fund}` },
    ]);
  }
  const key = { programme: ref.programme, period: ref.period, code: ref.investment };
  const { state: node } = await load(store, programmeNodeStream, programmeNodeStreamId(key));
  if (node.status !== 'active' || !FUNDED_KINDS.includes(node.kind) || !node.startDate || !node.endDate) {
    throw new ValidationFailed([
      {
        field: 'programme.investment',
        message: `there is no active investment or measure ${ref.investment} in ${ref.programme} ${ref.period}`,
      },
    ]);
  }
  // The count target of the investment is its last quantitative target (e.g. 15 platforms by 2026-08-31).
  const finalTarget = node.targets
    .filter((t) => t.kind === 'target' && t.value !== null)
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate))
    .at(-1);
  return {
    startDate: node.startDate,
    endDate: node.endDate,
    ...(finalTarget?.value != null
      ? { targetCount: finalTarget.value, contributedByOthers: await contributedByOthers(orm, ref, projectId) }
      : {}),
  };
}
