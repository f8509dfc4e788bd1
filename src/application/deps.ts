import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { AnyEvent } from '../domain/stream-types.js';
import type { EventStore } from '../eventstore/port.js';
import type { ChainKeeper } from '../eventstore/postgres/chain.js';
import type { Logger } from '../logger.js';
import type { ProjectionManager } from '../projection-engine/manager.js';
import type { ProcessManager } from '../projection-engine/process-manager.js';

/** What the application layer works with; built once at start (src/service.ts). */
export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  readonly store: EventStore<AnyEvent>;
  readonly orm: MikroORM;
  readonly projections: ProjectionManager<AnyEvent>;
  /** Runs the workflow steps a stopped request left undone (src/application/workflows.ts). */
  readonly workflows: ProcessManager<AnyEvent>;
  /** Keeps the tamper-evident hash chain; absent when the log is not in PostgreSQL. */
  readonly chain: ChainKeeper | undefined;
  /** Now, for every command: one clock, so a test can hold it still. */
  readonly clock: () => Date;
}
