import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { BudgetFact, ClaimItemFact, Facts, InvoiceFact } from '../../src/domain/dupalert/rules.js';
import { ACTIVE_TABLES, factsSql, type FactTables } from './sql.js';

/**
 * Where the facts come from. `read_model_and_tail`: the read model plus the events of the log
 * after the read model's checkpoint, i.e. everything in the log, in one snapshot (see
 * queries.ts `alertsAtSubmission`); `read_model`: the read model alone (an event log outside
 * PostgreSQL, e.g. KurrentDB, where the tail cannot be read in the same snapshot); `{ tables }`:
 * one generation's own tables, inside the projection's transaction (no tail: its batch is
 * already in them).
 */
export type FactSource = 'read_model_and_tail' | 'read_model' | { tables: FactTables };

/** What to start from: the events (of the suppliers, when given), the projects, or with neither, every fact of the suppliers. */
export interface Seeds {
  eventIds?: readonly string[];
  projectIds?: readonly string[];
  suppliers?: readonly string[];
}

export interface SeededFacts {
  facts: Facts;
  /** The seeds' own events: an alert is the seeds' when it involves one. */
  seedEvents: Set<string>;
}

type Row = { kind: 'i' | 'c' | 'b'; fact: Record<string, unknown> } | { kind: 's'; fact: string };

/** The facts the rules need to decide every alert involving the seeds, as of `asOf` (default: everything). */
export async function loadFacts(
  query: PlannedQuery,
  seeds: Seeds,
  nearDays: number,
  asOf: Date | undefined,
  source: FactSource,
): Promise<SeededFacts> {
  const { name, text } = statementOf(source);
  const values = [seeds.suppliers ?? null, nearDays, seeds.eventIds ?? null, seeds.projectIds ?? null, asOf ?? 'infinity'];
  const rows = await query<Row>(name, text, values);
  const facts = { invoices: [] as InvoiceFact[], items: [] as ClaimItemFact[], budgets: [] as BudgetFact[] };
  const seedEvents = new Set<string>();
  for (const row of rows) {
    if (row.kind === 's') seedEvents.add(row.fact);
    else if (row.kind === 'i') facts.invoices.push(invoiceFact(row.fact));
    else if (row.kind === 'c') facts.items.push(itemFact(row.fact));
    else facts.budgets.push(budgetFact(row.fact));
  }
  return { facts, seedEvents };
}

const instant = (value: unknown) => new Date(value as string).toISOString();
const cents = (value: unknown) => Number(value);

const invoiceFact = (f: Record<string, unknown>): InvoiceFact => ({
  invoiceId: f.invoice_id as string,
  projectId: f.project_id as string,
  eventId: f.event_id as string,
  supplier: f.supplier as string,
  normNumber: f.norm_number as string,
  invoiceDate: f.invoice_date as string,
  net: cents(f.net),
  vat: cents(f.vat),
  gross: cents(f.gross),
  costLine: f.cost_line as string,
  assetRef: (f.asset_ref as string | null) ?? null,
  recordedAt: instant(f.recorded_at),
});

const itemFact = (f: Record<string, unknown>): ClaimItemFact => ({
  claimId: f.claim_id as string,
  invoiceId: f.invoice_id as string,
  projectId: f.project_id as string,
  eventId: f.event_id as string,
  supplier: f.supplier as string,
  normNumber: f.norm_number as string,
  cents: cents(f.cents),
  recordedAt: instant(f.recorded_at),
  ineligible: f.verified_at === null ? 0 : cents(f.ineligible),
  verifiedAt: f.verified_at === null ? null : instant(f.verified_at),
});

const budgetFact = (f: Record<string, unknown>): BudgetFact => ({
  projectId: f.project_id as string,
  recipientOrg: f.recipient_org as string,
  fund: f.fund as string,
  programme: f.programme as string,
  investment: f.investment as string,
  vatSource: f.vat_source as string,
  costLines: (f.cost_lines as { code: string; output: string }[]).map((l) => ({ code: l.code, output: l.output })),
  recordedAt: instant(f.recorded_at),
});

const statements = new Map<string, { name: string; text: string }>();

/** The facts statement as a check reads it (`source`): its text and its per-connection name, built once per source. */
function statementOf(source: FactSource): { name: string; text: string } {
  const tables = typeof source === 'object' ? source.tables : ACTIVE_TABLES;
  const key = `${typeof source === 'object' ? 'tables' : source}:${Object.values(tables).join(',')}`;
  let statement = statements.get(key);
  if (!statement) {
    const text = factsSql(tables, source === 'read_model_and_tail');
    statement = { name: namedAfter('df_facts', text), text };
    statements.set(key, statement);
  }
  return statement;
}

/** A per-connection statement name that changes whenever the text does. */
export const namedAfter = (prefix: string, text: string) => `${prefix}_${createHash('md5').update(text).digest('hex').slice(0, 16)}`;

/**
 * Runs a statement prepared once per connection with a generic plan and index access only, and
 * returns its rows. Planning the facts statement (some twenty small CTEs) takes 3–5 ms, more
 * than running it; its plan is the same whatever the seeds, so it is planned once per
 * connection. PostgreSQL's automatic choice keeps planning afresh (custom plans look cheaper),
 * hence forced, for these statements only. Every table here is meant to be reached through an
 * index from a handful of rows, but a generic plan cannot know how short the tail is (a row
 * comparison with a parameter is estimated at a third of es_events: a sequential scan, ~1 s at
 * 1.6 M events), nor how large a generation being rebuilt has grown since it was analysed, so
 * sequential scans are ruled out; and it estimates tens of thousands of groups where there are
 * a few, which a hashed aggregate would allocate for, so aggregates sort.
 */
export type PlannedQuery = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) => Promise<R[]>;

const SETTINGS = 'set local plan_cache_mode = force_generic_plan; set local enable_seqscan = off; set local enable_hashagg = off';
const RESET = 'reset plan_cache_mode; reset enable_seqscan; reset enable_hashagg';

/** The statements each connection has prepared, by name (a prepared statement outlives a rolled-back transaction). */
const preparedOn = new WeakMap<pg.ClientBase, Set<string>>();

/**
 * One message to the server, so one round trip: `before`, the statement prepared as `name`
 * executed with `values` (written as literals), then `after`; the statement's rows. A
 * connection prepares the statement once, in a message of its own, so it knows for sure
 * whether it has.
 */
async function execute<R extends pg.QueryResultRow>(
  client: pg.ClientBase,
  statement: { name: string; text: string; values: unknown[] },
  before: string,
  after = '',
): Promise<R[]> {
  const { name, text, values } = statement;
  let names = preparedOn.get(client);
  if (!names) preparedOn.set(client, (names = new Set()));
  if (!names.has(name)) {
    await client.query(`prepare ${name} as ${text}`);
    names.add(name);
  }
  const results = (await client.query<R>(`${before}; execute ${name}(${values.map((v) => literal(client, v)).join(', ')}); ${after}`)) as
    pg.QueryResult<R> | pg.QueryResult<R>[];
  const executed = (Array.isArray(results) ? results : [results]).find((r) => r.command === 'SELECT');
  if (!executed) throw new Error(`statement ${name} returned no rows`);
  return executed.rows;
}

/** A parameter as an SQL literal (the prepared statement gives it its type): text, numbers, instants and arrays of text. */
function literal(client: pg.ClientBase, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return client.escapeLiteral(value);
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  if (Array.isArray(value))
    return client.escapeLiteral(
      `{${value.map((v) => (v === null ? 'NULL' : `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)).join(',')}}`,
    );
  throw new TypeError(`no literal for ${typeof value}`);
}

/** Planned statements inside a transaction already open on `client` (the projection's): the settings hold for the statement alone. */
export function plannedOn(client: pg.ClientBase): PlannedQuery {
  return async <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
    execute<R>(client, { name, text, values }, SETTINGS, RESET);
}

/**
 * `work`'s planned statements on one connection of the pool, in one read-only transaction, so
 * they all read one snapshot (the facts and the decisions on them agree). The transaction is
 * opened in the same message as the first statement, and the answer does not wait for its
 * commit: the connection goes back once it is committed, or is discarded on any failure, never
 * returned inside a failed transaction.
 */
export async function inSnapshot<T>(pool: pg.Pool, work: (query: PlannedQuery) => Promise<T>): Promise<T> {
  const { result, released } = await onOwnConnection(await pool.connect(), work);
  released.catch(() => undefined);
  return result;
}

async function onOwnConnection<T>(
  client: pg.PoolClient,
  work: (query: PlannedQuery) => Promise<T>,
): Promise<{ result: T; released: Promise<void> }> {
  try {
    let begun = false;
    const result = await work(async <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) => {
      const rows = await execute<R>(client, { name, text, values }, begun ? '' : `begin read only; ${SETTINGS}`);
      begun = true;
      return rows;
    });
    const released = (begun ? client.query('commit') : Promise.resolve()).then(
      () => client.release(),
      (err: unknown) => {
        client.release(true);
        throw err;
      },
    );
    return { result, released };
  } catch (error) {
    client.release(true);
    throw error;
  }
}

/**
 * Plans the facts statement on `connections` connections of the pool now: planning it takes
 * ~60 ms at a million invoices, which the first check on each connection would otherwise pay (the
 * p99 of the check at submission). With the whole pool planned, and idle connections kept (see
 * createPool), only a connection that replaces a lost one plans it again.
 */
export async function keepFactsPlanned(pool: pg.Pool, source: FactSource, connections: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  const planned = await Promise.allSettled(
    clients.map(async (client) => {
      // A connection lost meanwhile fails its query below; its 'error' event must not go unheard.
      const lost = () => undefined;
      client.on('error', lost);
      try {
        // No seeds: nothing is read, the statement is only prepared and planned.
        await (
          await onOwnConnection(client, (query) => loadFacts(query, {}, 0, undefined, source))
        ).released;
      } finally {
        client.removeListener('error', lost);
      }
    }),
  );
  const failed = planned.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) throw failed.reason;
}
