import type { MikroORM } from '@mikro-orm/postgresql';
import type { Request } from 'express';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import type { ChainKeeper } from '../eventstore/postgres/chain.js';
import type { Logger } from '../logger.js';
import type { ProjectionManager } from '../projection-engine/manager.js';

/** What controllers may use; built once at start, reached from the request. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly orm: MikroORM;
  readonly projections: ProjectionManager;
  /** Keeps the tamper-evident hash chain; absent when the log is not in PostgreSQL. */
  readonly chain: ChainKeeper | undefined;
}

export function contextOf(req: Request): AppContext {
  return req.app.locals.context as AppContext;
}
