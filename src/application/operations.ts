import type { GenerationStatus } from '../projection-engine/manager.js';
import type { ProcessStatus } from '../projection-engine/process-manager.js';
import { cursorCodec, cursorSealForAll } from './cursor.js';
import type { Deps } from './deps.js';
import { pageOf, type Page, type PageRequest } from './page.js';

const PROJECTIONS_CURSOR = cursorCodec('projections', ['text', 'int']);

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
  /** Set once the service is shutting down: a load balancer stops sending requests here while those in flight finish. */
  stopping = false;

  constructor(private readonly deps: Deps) {}

  /** Ready: the database answers, every active projection has caught up, and each was built by the running code. */
  async readiness(): Promise<Readiness> {
    const reasons: string[] = this.stopping ? ['shutting down'] : [];
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

  /** Projection generations in (projection, generation) order, keyset-paged. */
  async projections(page: PageRequest): Promise<Page<GenerationStatus>> {
    const seal = cursorSealForAll(this.deps.config);
    const key = page.cursor === undefined ? undefined : PROJECTIONS_CURSOR.decode(seal, page.cursor);
    const after = key ? { after: { projection: key[0], generation: key[1] } } : {};
    const rows = await this.deps.projections.status({ ...after, limit: page.limit + 1 });
    return pageOf(rows, page.limit, (g) => PROJECTIONS_CURSOR.encode(seal, [g.projection, g.generation]));
  }

  /** Rebuilds a read model from the first event into new tables; the current ones serve until it has caught up. */
  rebuild(name: string): Promise<GenerationStatus> {
    return this.deps.projections.rebuild(name);
  }
}
