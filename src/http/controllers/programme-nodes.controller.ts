import { Body, Get, Header, Path, Post, Put, Query, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { ProgrammeNodeEntry } from '../../../projections/programme-structure/entity.js';
import { mapPage, type Page } from '../../application/page.js';
import type { DefinedNode, NodeContentInput, NodeInput } from '../../application/programme-nodes.js';
import type { BilingualName } from '../../domain/fund/events.js';
import type { Period, ProgrammeCode } from '../../domain/programme/events.js';
import type { NodeCode, NodeKind, Target } from '../../domain/programme-node/events.js';
import { ApiController } from '../api-controller.js';
import type { PageCursor, PageLimit } from '../paging.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey, VersionTag, StreamStateHeaders } from '../headers.js';
import type { Problem } from '../problem.js';
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

export interface NodeView extends NodeSummary {
  programme: string;
  period: string;
  targets: TargetView[];
  definedAt: string;
  amendedAt?: string;
  retiredAt?: string;
}

const nodeView = (state: DefinedNode, version: number): NodeView => ({
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
});

/** The hierarchy of a programme: component → direction → investment → selection round; objective → SAM → measure → round. */
@Route('programmes/{programme}/{period}/nodes')
@Tags('Programme reference data')
@Response<Problem>(401, 'No valid bearer token')
@Response<Problem>(403, 'None of your roles may do this')
@Response<Problem>(422, 'Invalid request, or the Idempotency-Key was used for another request')
export class ProgrammeNodesController extends ApiController {
  /**
   * Defines a node under its parent (absent for a component or policy objective).
   * @example body { "code": "2.1.2.1.i", "kind": "investment", "parent": "2.1", "name": { "lv": "Pārvaldes centralizētās platformas un sistēmas", "en": "Centralised government platforms and systems" }, "plannedFundingCents": 7017792000, "endDate": "2026-08-31", "targets": [{ "code": "T3", "kind": "target", "name": { "lv": "Izveidotas un ekspluatācijā esošas centralizētās IKT platformas un sistēmas", "en": "Centralised ICT platforms and systems built and in operation" }, "unit": { "lv": "platformas un sistēmas", "en": "platforms and systems" }, "value": 15, "dueDate": "2026-08-31" }] }
   * @summary Define a programme node
   */
  @Post()
  @Security('jwt', ['admin'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(404, 'Unknown programme')
  @Response<Problem>(409, 'Already defined, or the programme is retired')
  public async defineProgrammeNode(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Body() body: NodeInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    const outcome = await this.app.programmeNodes.define(callerOf(req), { code: programme, period }, body);
    return this.written(outcome, nodeView, { location: `/programmes/${programme}/${period}/nodes/${body.code}` });
  }

  /**
   * The programme's nodes in code order, from the programme-structure read model.
   * @param kind only nodes of this kind, e.g. `investment`
   * @param parent only the children of this node, e.g. `2.1`
   * @summary List programme nodes
   */
  @Get()
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown programme')
  public async listProgrammeNodes(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Request() req: ExRequest,
    @Query() kind?: NodeKind,
    @Query() parent?: NodeCode,
    @Query() cursor?: PageCursor,
    @Query() limit: PageLimit = 50,
  ): Promise<Page<NodeSummary>> {
    const filter = { ...(kind ? { kind } : {}), ...(parent ? { parent } : {}) };
    return mapPage(await this.app.programmeNodes.list(callerOf(req), { code: programme, period }, filter, { cursor, limit }), nodeSummary);
  }

  /**
   * The node (component, reform, investment, measure or round) as last amended, with its ETag for If-Match.
   * @summary Read a programme node
   */
  @Get('{code}')
  @SuccessResponse<StreamStateHeaders>(200, 'The current state; ETag is its stream version')
  @Security('jwt', ['beneficiary', 'officer', 'approver', 'council', 'auditor', 'admin'])
  @Response<Problem>(404, 'Unknown node')
  public async getProgrammeNode(@Path() programme: ProgrammeCode, @Path() period: Period, @Path() code: NodeCode): Promise<NodeView> {
    return this.shown(await this.app.programmeNodes.get({ programme, period, code }), nodeView);
  }

  /**
   * Amends the node's content (a new version with a reason; the whole content, not a patch).
   * If-Match with the ETag you read is required (428 without it).
   * @example body { "name": { "lv": "Pārvaldes centralizētās platformas un sistēmas", "en": "Centralised government platforms and systems" }, "plannedFundingCents": 7017792000, "endDate": "2026-08-31", "targets": [], "reason": "targets moved to the amended plan" }
   * @summary Amend a programme node
   */
  @Put('{code}')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown node or programme')
  @Response<Problem>(409, 'Retired, or changed concurrently')
  @Response<Problem>(412, 'If-Match is stale')
  @Response<Problem>(428, 'If-Match missing')
  public async amendProgrammeNode(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Path() code: NodeCode,
    @Body() body: AmendNodeRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    return this.written(await this.app.programmeNodes.amend(callerOf(req), { programme, period, code }, body), nodeView);
  }

  /**
   * Retires the node: it stays readable and in history, but no new children or projects can name it.
   * @example body { "reason": "merged into 2.1.2.1.i by the plan amendment" }
   * @summary Retire a programme node
   */
  @Post('{code}/retire')
  @Security('jwt', ['admin'])
  @Response<Problem>(404, 'Unknown node')
  @Response<Problem>(409, 'Already retired')
  @Response<Problem>(412, 'If-Match is stale')
  public async retireProgrammeNode(
    @Path() programme: ProgrammeCode,
    @Path() period: Period,
    @Path() code: NodeCode,
    @Body() body: RetireReferenceRequest,
    @Request() req: ExRequest,
    @Header('If-Match') _ifMatch?: VersionTag,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<NodeView> {
    return this.written(await this.app.programmeNodes.retire(callerOf(req), { programme, period, code }, body.reason), nodeView);
  }
}

const nodeSummary = (r: ProgrammeNodeEntry): NodeSummary => ({
  code: r.code,
  kind: r.kind as NodeKind,
  ...(r.parentCode ? { parent: r.parentCode } : {}),
  name: { lv: r.nameLv, en: r.nameEn },
  status: r.status,
  ...investmentDetails(r),
  version: r.version,
});

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
