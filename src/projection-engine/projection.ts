import type pg from 'pg';
import type { EventShape, StoredEvent } from '../eventstore/port.js';

/** Logical table name → physical (quoted) table name of one generation. */
export type TableNames = Readonly<Record<string, string>>;

/**
 * A read model. Each generation of it owns its own tables (`<table>__g<N>`); queries read
 * the active generation through a view named after the logical table, so a new generation
 * can be filled from zero while the old one keeps serving.
 */
export interface Projection<E extends EventShape = EventShape> {
  /** Unique name, snake_case. */
  readonly name: string;
  /** Bump when tables or handlers change: a new generation is then built from zero on start. */
  readonly version: number;
  /** Logical table names; each is served as a view of the active generation. */
  readonly tables: readonly string[];
  /** DDL creating one generation's tables. */
  createTables(t: TableNames): string[];
  /**
   * Applies a batch of events in global order inside the runner's transaction, which also
   * moves the checkpoint. Must be idempotent: the same event applied twice changes nothing.
   */
  apply(tx: pg.ClientBase, events: readonly StoredEvent<E>[], t: TableNames): Promise<void>;
}

export function physicalTable(table: string, generation: number): string {
  return `${table}__g${generation}`;
}

export function tableNames(p: Pick<Projection, 'tables'>, generation: number): TableNames {
  return Object.fromEntries(p.tables.map((t) => [t, `"${physicalTable(t, generation)}"`]));
}

/**
 * A read model's table is not there yet: a new version of the projection brought a table the
 * serving generation does not have, and the new generation is still being built from zero.
 */
export class ReadModelBuilding extends Error {
  constructor(readonly table: string) {
    super(
      `the read model ${table} is being built (a new version of it started from zero); try again shortly (GET /ready shows how far it is)`,
    );
    this.name = 'ReadModelBuilding';
  }
}

/** Runs a read of `table`'s view, turning "no such relation" (the table is still being built) into {@link ReadModelBuilding}. */
export async function whenBuilt<T>(table: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') throw new ReadModelBuilding(table);
    throw error;
  }
}
