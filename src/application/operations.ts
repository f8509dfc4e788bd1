import type { GenerationStatus } from '../projection-engine/manager.js';
import type { ProcessStatus } from '../projection-engine/process-manager.js';
import type { Deps } from './deps.js';

export interface Readiness {
  status: 'ready' | 'not-ready';
  database: 'up' | 'down';
  /** Active projections and how far behind the event log each one is. */
  projections: GenerationStatus[];
  /**
   * The workflow process manager and how far behind the event log it is. Shown, not judged: the
   * requests run their workflows' steps themselves, so a lagging process manager makes no answer wrong.
   */
  workflows?: ProcessStatus;
  /** Why the service is not ready, if it is not. */
  reasons: string[];
}

/** What an operator or an orchestrator asks of the running service: readiness, projections, rebuilds. */
export class Operations {
  constructor(private readonly deps: Deps) {}

  /** Ready: the database answers, every active projection has caught up, and each was built by the running code. */
  async readiness(): Promise<Readiness> {
    const reasons: string[] = [];
    let database: Readiness['database'] = 'up';
    let projections: GenerationStatus[] = [];
    let workflows: ProcessStatus | undefined;
    try {
      await this.deps.pool.query('select 1');
      projections = await this.deps.projections.status();
      workflows = await this.deps.workflows.status();
    } catch {
      database = 'down';
      reasons.push('database unreachable');
    }
    // A generation built by older code has older tables than this code's queries read: not
    // ready until the generation for this code has caught up and taken over.
    const current = new Map(this.deps.projections.projections.map((p) => [p.name, p.version]));
    for (const p of projections) {
      if (p.status !== 'active') continue;
      if (p.behind > this.deps.config.READY_MAX_LAG_EVENTS) reasons.push(`projection ${p.projection} is ${p.behind} events behind`);
      const version = current.get(p.projection);
      if (version !== undefined && p.codeVersion !== version) {
        reasons.push(
          `projection ${p.projection} is being rebuilt for code version ${version}; the generation serving it was built by version ${p.codeVersion}`,
        );
      }
    }
    return { status: reasons.length ? 'not-ready' : 'ready', database, projections, ...(workflows ? { workflows } : {}), reasons };
  }

  projections(): Promise<GenerationStatus[]> {
    return this.deps.projections.status();
  }

  /** Rebuilds a read model from the first event into new tables; the current ones serve until it has caught up. */
  rebuild(name: string): Promise<GenerationStatus> {
    return this.deps.projections.rebuild(name);
  }
}
