import { listNodes, type NodeListQuery } from '../../projections/programme-structure/queries.js';
import type { ProgrammeNodeEntry } from '../../projections/programme-structure/entity.js';
import type { CommandContext } from '../domain/decider.js';
import { IllegalTransition, NotFound, ValidationFailed } from '../domain/errors.js';
import type { BilingualName } from '../domain/fund/events.js';
import { programmeLabel, programmeStream, programmeStreamId, type ProgrammeKey } from '../domain/programme/decider.js';
import {
  nodeLabel,
  programmeNodeStream,
  programmeNodeStreamId,
  type NodeKey,
  type ProgrammeNode,
  type ProgrammeNodeCommand,
} from '../domain/programme-node/decider.js';
import type { NodeCode, NodeContent, NodeKind, TargetCode } from '../domain/programme-node/events.js';
import type { ParentFacts } from '../domain/programme-node/rules.js';
import type { Cents, IsoDate } from '../domain/values.js';
import type { Caller } from './caller.js';
import { load, on, type Loaded, type Outcome } from './command.js';
import { cursorCodec, cursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { pageOf, type Page, type PageRequest } from './page.js';

const NODES_CURSOR = cursorCodec('programme-nodes', ['text', 'text']);

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

/** A node that is defined (active or retired). */
export type DefinedNode = Exclude<ProgrammeNode, { status: 'none' }>;

/**
 * The structure of a programme: component → direction → investment → selection round;
 * policy objective → specific objective → measure → round. Codes are unique only within
 * (programme, period). The programme and the parent node are read from their own streams and
 * handed to the pure decider with the command.
 */
export class ProgrammeNodes {
  private readonly stream;

  constructor(private readonly deps: Pick<Deps, 'store' | 'clock' | 'orm' | 'config'>) {
    this.stream = on(deps, programmeNodeStream);
  }

  async define(caller: Caller, programme: ProgrammeKey, input: NodeInput): Promise<Outcome<DefinedNode>> {
    const key = { programme: programme.code, period: programme.period, code: input.code };
    await this.requireActiveProgramme(programme, 'DefineProgrammeNode');
    const parent = input.parent === undefined ? null : await this.parentFacts({ ...key, code: input.parent });
    const data = { ...key, kind: input.kind, parent, content: toContent(input) };
    return this.run(caller, key, (context) => ({ type: 'DefineProgrammeNode', data, context }));
  }

  async get(key: NodeKey): Promise<Loaded<DefinedNode>> {
    const { state, version } = await this.stream.load(programmeNodeStreamId(key));
    if (state.status === 'none') throw new NotFound('Programme node', nodeLabel(key));
    return { state, version };
  }

  /** The programme's nodes in code order, from the programme-structure read model, keyset-paged; 404 for an unknown programme. */
  async list(
    caller: Caller,
    programme: ProgrammeKey,
    filter: Omit<NodeListQuery, 'programme' | 'period'>,
    page: PageRequest,
  ): Promise<Page<ProgrammeNodeEntry>> {
    const seal = cursorSeal(this.deps.config, caller.user);
    const key = page.cursor === undefined ? undefined : NODES_CURSOR.decode(seal, page.cursor);
    const { state } = await load(this.deps.store, programmeStream, programmeStreamId(programme));
    if (state.status === 'none') throw new NotFound('Programme', programmeLabel(programme));
    const after = key ? { after: { sortKey: key[0], code: key[1] } } : {};
    const rows = await listNodes(
      this.deps.orm,
      { programme: programme.code, period: programme.period, ...filter },
      { ...after, limit: page.limit + 1 },
    );
    return pageOf(rows, page.limit, (r) => NODES_CURSOR.encode(seal, [r.sortKey, r.code]));
  }

  async amend(caller: Caller, key: NodeKey, input: NodeContentInput & { reason: string }) {
    await this.requireActiveProgramme({ code: key.programme, period: key.period }, 'AmendProgrammeNode');
    const data = { ...key, content: toContent(input), reason: input.reason };
    return this.run(caller, key, (context) => ({ type: 'AmendProgrammeNode', data, context }));
  }

  retire(caller: Caller, key: NodeKey, reason: string) {
    return this.run(caller, key, (context) => ({ type: 'RetireProgrammeNode', data: { ...key, reason }, context }));
  }

  private async run(
    caller: Caller,
    key: NodeKey,
    command: (context: CommandContext) => ProgrammeNodeCommand,
  ): Promise<Outcome<DefinedNode>> {
    const outcome = await this.stream.execute(programmeNodeStreamId(key), caller, command, { subject: nodeLabel(key) });
    const { state } = outcome;
    if (state.status === 'none') throw new NotFound('Programme node', nodeLabel(key));
    return { ...outcome, state };
  }

  private async requireActiveProgramme(key: ProgrammeKey, command: string): Promise<void> {
    const { state } = await load(this.deps.store, programmeStream, programmeStreamId(key));
    if (state.status === 'none') throw new NotFound('Programme', programmeLabel(key));
    if (state.status === 'retired') {
      throw new IllegalTransition(command, 'retired', `Programme ${programmeLabel(key)} is retired; its structure no longer changes`);
    }
  }

  private async parentFacts(key: NodeKey): Promise<ParentFacts> {
    const { state } = await this.stream.load(programmeNodeStreamId(key));
    if (state.status === 'none') {
      throw new ValidationFailed([{ field: 'parent', message: `no node ${key.code} in ${key.programme} ${key.period}` }]);
    }
    return { code: state.code, kind: state.kind, status: state.status };
  }
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
