import { Body, Header, Path, Post, Request, Response, Route, Security, SuccessResponse, Tags } from '@tsoa/runtime';
import type { Request as ExRequest } from 'express';
import type { BilingualName } from '../../domain/fund/events.js';
import type { IndicatorDefinition } from '../../domain/indicator/events.js';
import type { IsoDate } from '../../domain/values.js';
import { ApiController } from '../api-controller.js';
import { callerOf } from '../caller.js';
import type { IdempotencyKey } from '../headers.js';
import type { Problem } from '../problem.js';
import { indicatorView, type IndicatorView } from '../views/indicator.js';

/**
 * @format uuid
 * @pattern ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
 */
export type ProjectUuid = string;

/** A milestone (qualitative: no unit, baseline or target value) or a target (quantitative: all three). */
export interface IndicatorDefinitionInput {
  /**
   * Indicator code: the plan's (T3, M2), a measure's, or an EU common indicator (RCO14, RCR11).
   * @pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$
   */
  code: string;
  name: BilingualName;
  kind: 'milestone' | 'target';
  unit?: BilingualName;
  baseline?: { value: number; date: IsoDate };
  target: { value?: number; dueDate: IsoDate };
}

export function toDefinition(input: IndicatorDefinitionInput): Omit<IndicatorDefinition, 'contributingProjects'> {
  return {
    code: input.code,
    name: input.name,
    kind: input.kind,
    unit: input.unit ?? null,
    baseline: input.baseline ?? null,
    target: { value: input.target.value ?? null, dueDate: input.target.dueDate },
  };
}

@Route('projects/{projectId}/indicators')
@Tags('Indicators and progress')
@Response<Problem>(404, 'No such project, or not visible to you')
export class ProjectIndicatorsController extends ApiController {
  /**
   * Defines an indicator of a project: by its beneficiary (own organisation's project) or an officer.
   * @example body { "code": "RCR11", "name": { "lv": "e-adreses lietotāji", "en": "e-address users" }, "kind": "target", "unit": { "lv": "lietotāji gadā", "en": "users/year" }, "baseline": { "value": 54391, "date": "2022-12-01" }, "target": { "value": 223560, "dueDate": "2026-06-30" } }
   * @summary Define a project indicator
   */
  @Post()
  @Security('jwt', ['beneficiary', 'officer'])
  @SuccessResponse(201, 'Defined')
  @Response<Problem>(422, 'Invalid definition, or the Idempotency-Key was used for another request')
  public async defineProjectIndicator(
    @Path() projectId: ProjectUuid,
    @Body() body: IndicatorDefinitionInput,
    @Request() req: ExRequest,
    @Header('Idempotency-Key') _idempotencyKey?: IdempotencyKey,
  ): Promise<IndicatorView> {
    const outcome = await this.app.indicators.defineForProject(callerOf(req), projectId, {
      ...toDefinition(body),
      contributingProjects: [],
    });
    return this.written(outcome, indicatorView, { location: `/indicators/${outcome.state.indicatorId}` });
  }
}
