import {
  Body,
  Controller,
  Get,
  Header,
  Path,
  Post,
  Put,
  Query,
  Request,
  Response,
  Route,
  Security,
  SuccessResponse,
  Tags,
} from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import { listNodes } from '../../../projections/programme-structure/queries.js';
import { load, type Handled } from '../../application/handle-command.js';
import {
  amendProgrammeNode,
  defineProgrammeNode,
  retireProgrammeNode,
  type NodeContentInput,
  type NodeInput,
} from '../../application/programme-structure.js';
import { NotFound } from '../../domain/errors.js';
import type { BilingualName } from '../../domain/fund/events.js';
import { programmeDecider, programmeLabel, programmeStreamId } from '../../domain/programme/decider.js';
import type { Period, ProgrammeCode } from '../../domain/programme/events.js';
import {
  nodeLabel,
  programmeNodeDecider,
  programmeNodeStreamId,
  type NodeKey,
  type ProgrammeNode,
} from '../../domain/programme-node/decider.js';
import type { NodeCode, NodeKind, Target } from '../../domain/programme-node/events.js';
import type { AppContext } from '../context.js';
import { etag, versionFromTag, type IdempotencyKey, type VersionTag } from '../headers.js';
import type { Problem } from '../problem.js';
import { idempotencyFor, requestMetadata } from '../request-metadata.js';
import type { RetireReferenceRequest } from './programmes.controller.js';

export interface AmendNodeRequest extends NodeContentInput {
  /** Why the node changes, e.g. the plan amendment it follows (kept in the history). @minLength 1 @maxLength 2000 */
  reason: string;
}

export interface TargetView {
  code: string;
  kind: 'milestone' | 'target';
  name: BilingualName;
  unit?: BilingualName;
  value?: number;
  dueDate: string;
}

export interface NodeSummary {
  code: string;
  kind: NodeKind;
  /** Absent at the top of the hierarchy. */
  parent?: string;
  name: BilingualName;
  status: 'active' | 'retired';
  plannedFundingCents?: number;
  startDate?: string;
  endDate?: string;
  /** Stream version; also the ETag of the node. */
  version: number;
}

export interface NodeList {
  items: NodeSummary[];
}

export interface NodeView extends NodeSummary {
  programme: string;
  period: string;
  targets: TargetView[];
  definedAt: string;
  amendedAt?: string;
  retiredAt?: string;
}

/** The hierarchy of a programme: component → direction → investment → selection round; objective → SAM → measure → round. */
@Route('programmes/{programme}/{period}/nodes')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
export class ProgrammeNodesController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Defines a node under its parent (absent for a component or policy objective).
   * @example body { "code": "2.1.2.1.i", "kind": "investment", "parent": "2.1", "name": { "lv": "Pārvaldes centralizētās platformas un sistēmas", "en": "Centralised government platforms and systems" }, "plannedFundingCents": 7017792000, "endDate": "2026-08-31", "targets": [{ "code": "T3", "kind": "target", "name": { "lv": "Izveidotas un ekspluatācijā esošas centralizētās IKT platformas un sistēmas", "en": "Centralised ICT platforms and systems built and in operation" }, "unit": { "lv": "platformas un sistēmas", "en": "platforms and systems" }, "value": 15, "dueDate": "2026-08-31" }] }
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Already defined, or the programme is retired')
  @Response<Problem>(422, 'Invalid request, unknown or misplaced parent, or idempotency key reused')
  public async define(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: NodeInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    const options = { metadata: requestMetadata(req), idempotency: idempotencyFor(req) };
    const result = await defineProgrammeNode(this.ctx.store, { code: programme, period }, body, options);
    this.setStatus(201);
    this.setHeader('Location', `/programmes/${programme}/${period}/nodes/${body.code}`);
    return this.respond(result);
  }

  /**
   * The programme's nodes in code order, from the programme-structure read model.
   * @param kind only nodes of this kind, e.g. `investment`
   * @param parent only the children of this node, e.g. `2.1`
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown programme')
  public async list(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Query() kind?: NodeKind,
    @Query() parent?: NodeCode,
  ): Promise<NodeList> {
    const key = { code: programme, period };
    const { state } = await load(this.ctx.store, programmeDecider, programmeStreamId(key));
    if (state.status === 'none') throw new NotFound('Programme', programmeLabel(key));
    const rows = await listNodes(this.ctx.orm, { programme, period, ...(kind ? { kind } : {}), ...(parent ? { parent } : {}) });
    const items = rows.map((r) => ({
      code: r.code,
      kind: r.kind as NodeKind,
      ...(r.parentCode ? { parent: r.parentCode } : {}),
      name: { lv: r.nameLv, en: r.nameEn },
      status: r.status,
      ...investmentDetails(r),
      version: r.version,
    }));
    return { items };
  }

  @Get('{code}')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown node')
  public async get(@Path() programme: ProgrammeCode, @Path() period: Period, @Path() code: NodeCode): Promise<NodeView> {
    const key = { programme, period, code };
    return this.respond({ ...(await load(this.ctx.store, programmeNodeDecider, programmeNodeStreamId(key))), replayed: false }, key);
  }

  /**
   * Amends the node's content (a new version with a reason; the whole content, not a patch).
   * Send the ETag you read as If-Match.
   * @example body { "name": { "lv": "Pārvaldes centralizētās platformas un sistēmas", "en": "Centralised government platforms and systems" }, "plannedFundingCents": 7017792000, "endDate": "2026-08-31", "targets": [], "reason": "targets moved to the amended plan" }
   */
  @Put('{code}')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown node or programme')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(422, 'Invalid request')
  public async amend(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Path() code: NodeCode,
    @Body() body: AmendNodeRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    const options = { metadata: requestMetadata(req), ifMatch: versionFromTag(ifMatch), idempotency: idempotencyFor(req) };
    return this.respond(await amendProgrammeNode(this.ctx.store, { programme, period, code }, body, options));
  }

  /** @example body { "reason": "merged into 2.1.2.1.i by the plan amendment" } */
  @Post('{code}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown node')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retire(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Path() code: NodeCode,
    @Body() body: RetireReferenceRequest,
    @Request() req: ExRequest,
    @Header('If-Match') ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    const options = { metadata: requestMetadata(req), ifMatch: versionFromTag(ifMatch), idempotency: idempotencyFor(req) };
    return this.respond(await retireProgrammeNode(this.ctx.store, { programme, period, code }, body.reason, options));
  }

  private respond({ state, version, replayed }: Handled<ProgrammeNode>, key?: NodeKey): NodeView {
    if (state.status === 'none') throw new NotFound('Programme node', key ? nodeLabel(key) : '');
    this.setHeader('ETag', etag(version));
    if (replayed) this.setHeader('Idempotent-Replayed', 'true');
    return {
      programme: state.programme,
      period: state.period,
      code: state.code,
      kind: state.kind,
      ...(state.parent ? { parent: state.parent } : {}),
      name: state.name,
      status: state.status,
      ...investmentDetails(state),
      targets: state.targets.map(targetView),
      definedAt: state.definedAt,
      ...(state.amendedAt ? { amendedAt: state.amendedAt } : {}),
      ...(state.status === 'retired' ? { retiredAt: state.retiredAt } : {}),
      version,
    };
  }
}

/** Absent rather than null in responses, as elsewhere in the API. */
function investmentDetails(n: { plannedFundingCents: number | null; startDate: string | null; endDate: string | null }) {
  return {
    ...(n.plannedFundingCents !== null ? { plannedFundingCents: n.plannedFundingCents } : {}),
    ...(n.startDate !== null ? { startDate: n.startDate } : {}),
    ...(n.endDate !== null ? { endDate: n.endDate } : {}),
  };
}

function targetView(t: Target): TargetView {
  return {
    code: t.code,
    kind: t.kind,
    name: t.name,
    ...(t.unit ? { unit: t.unit } : {}),
    ...(t.value !== null ? { value: t.value } : {}),
    dueDate: t.dueDate,
  };
}
