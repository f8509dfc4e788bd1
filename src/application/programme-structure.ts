import type { CommandContext } from '../domain/decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../domain/errors.js';
import { fundDecider, fundStreamId } from '../domain/fund/decider.js';
import type { BilingualName } from '../domain/fund/events.js';
import { programmeDecider, programmeLabel, programmeStreamId, type Programme, type ProgrammeKey } from '../domain/programme/decider.js';
import { programmeNodeDecider, programmeNodeStreamId, type NodeKey, type ProgrammeNode } from '../domain/programme-node/decider.js';
import type { NodeCode, NodeContent, NodeKind, TargetCode } from '../domain/programme-node/events.js';
import type { ParentFacts } from '../domain/programme-node/rules.js';
import type { Cents, IsoDate } from '../domain/values.js';
import type { EventStore } from '../eventstore/port.js';
import { handleCommand, load, type Handled, type HandleOptions } from './handle-command.js';

/*
 * Programme reference data: the command handlers behind the REST controllers and the seed.
 * Facts from other streams (the fund, the programme, the parent node) are loaded here and
 * handed to the pure deciders with the command.
 */

export interface TargetInput {
  code: TargetCode;
  kind: 'milestone' | 'target';
  name: BilingualName;
  /** Unit of the value (required for a target, absent for a milestone), e.g. { lv: "plāni", en: "plans" }. */
  unit?: BilingualName;
  /** Value to reach (required for a target, absent for a milestone). @minimum 0 */
  value?: number;
  dueDate: IsoDate;
}

/** A node's content; funding, period and targets only for investments and measures. */
export interface NodeContentInput {
  name: BilingualName;
  /** Planned funding (plānotais finansējums) in euro cents. */
  plannedFundingCents?: Cents;
  /** First day of the implementation period. */
  startDate?: IsoDate;
  /** Last day of the implementation period (īsteno līdz). */
  endDate?: IsoDate;
  /** Milestones (atskaites punkti) and targets (mērķi). @maxItems 100 */
  targets?: TargetInput[];
}

export interface NodeInput extends NodeContentInput {
  code: NodeCode;
  kind: NodeKind;
  /** Code of the parent node in the same programme and period; absent for a component or policy objective. */
  parent?: NodeCode;
}

const contextFor = (options: HandleOptions): CommandContext => ({ now: new Date(), actor: options.metadata.actor });

export async function defineProgramme(
  store: EventStore,
  input: ProgrammeKey & { fund: string; name: BilingualName },
  options: HandleOptions,
): Promise<Handled<Programme>> {
  await requireActiveFund(store, input.fund);
  return handleCommand(
    store,
    programmeDecider,
    programmeStreamId(input),
    { type: 'DefineProgramme', data: input, context: contextFor(options) },
    options,
  );
}

export async function amendProgramme(
  store: EventStore,
  key: ProgrammeKey,
  input: { fund: string; name: BilingualName; reason: string },
  options: HandleOptions,
): Promise<Handled<Programme>> {
  await requireActiveFund(store, input.fund);
  const data = { ...key, ...input };
  return handleCommand(
    store,
    programmeDecider,
    programmeStreamId(key),
    { type: 'AmendProgramme', data, context: contextFor(options) },
    options,
  );
}

export async function retireProgramme(
  store: EventStore,
  key: ProgrammeKey,
  reason: string,
  options: HandleOptions,
): Promise<Handled<Programme>> {
  const command = { type: 'RetireProgramme' as const, data: { ...key, reason }, context: contextFor(options) };
  return handleCommand(store, programmeDecider, programmeStreamId(key), command, options);
}

export async function defineProgrammeNode(
  store: EventStore,
  programme: ProgrammeKey,
  input: NodeInput,
  options: HandleOptions,
): Promise<Handled<ProgrammeNode>> {
  const key = { programme: programme.code, period: programme.period, code: input.code };
  await requireActiveProgramme(store, programme, 'DefineProgrammeNode');
  const parent = input.parent === undefined ? null : await parentFacts(store, { ...key, code: input.parent });
  const data = { ...key, kind: input.kind, parent, content: toContent(input) };
  return handleCommand(
    store,
    programmeNodeDecider,
    programmeNodeStreamId(key),
    { type: 'DefineProgrammeNode', data, context: contextFor(options) },
    options,
  );
}

export async function amendProgrammeNode(
  store: EventStore,
  key: NodeKey,
  input: NodeContentInput & { reason: string },
  options: HandleOptions,
): Promise<Handled<ProgrammeNode>> {
  await requireActiveProgramme(store, { code: key.programme, period: key.period }, 'AmendProgrammeNode');
  const data = { ...key, content: toContent(input), reason: input.reason };
  return handleCommand(
    store,
    programmeNodeDecider,
    programmeNodeStreamId(key),
    { type: 'AmendProgrammeNode', data, context: contextFor(options) },
    options,
  );
}

export async function retireProgrammeNode(
  store: EventStore,
  key: NodeKey,
  reason: string,
  options: HandleOptions,
): Promise<Handled<ProgrammeNode>> {
  const command = { type: 'RetireProgrammeNode' as const, data: { ...key, reason }, context: contextFor(options) };
  return handleCommand(store, programmeNodeDecider, programmeNodeStreamId(key), command, options);
}

/** Absent optional fields become explicit nulls, so equal content compares equal. */
export function toContent(input: NodeContentInput): NodeContent {
  return {
    name: input.name,
    plannedFundingCents: input.plannedFundingCents ?? null,
    startDate: input.startDate ?? null,
    endDate: input.endDate ?? null,
    targets: (input.targets ?? []).map((t) => ({
      code: t.code,
      kind: t.kind,
      name: t.name,
      unit: t.unit ?? null,
      value: t.value ?? null,
      dueDate: t.dueDate,
    })),
  };
}

async function requireActiveFund(store: EventStore, code: string): Promise<void> {
  const { state } = await load(store, fundDecider, fundStreamId(code));
  if (state.status === 'unregistered') throw new ValidationFailed([{ field: 'fund', message: `no fund ${code} is registered` }]);
  if (state.status === 'retired') throw new ValidationFailed([{ field: 'fund', message: `fund ${code} is retired` }]);
}

async function requireActiveProgramme(store: EventStore, key: ProgrammeKey, command: string): Promise<void> {
  const { state } = await load(store, programmeDecider, programmeStreamId(key));
  if (state.status === 'none') throw new NotFound('Programme', programmeLabel(key));
  if (state.status === 'retired') {
    throw new IllegalTransition(command, 'retired', `Programme ${programmeLabel(key)} is retired; its structure no longer changes`);
  }
}

async function parentFacts(store: EventStore, key: NodeKey): Promise<ParentFacts> {
  const { state } = await load(store, programmeNodeDecider, programmeNodeStreamId(key));
  if (state.status === 'none') {
    throw new ValidationFailed([{ field: 'parent', message: `no node ${key.code} in ${key.programme} ${key.period}` }]);
  }
  return { code: state.code, kind: state.kind, status: state.status };
}
