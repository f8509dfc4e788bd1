import { describe, expect, it } from 'vitest';
import type { Caller as AppCaller } from '../../src/application/caller.js';
import { load, on } from '../../src/application/command.js';
import { statesOf } from '../../src/application/stream-states.js';
import { budgetStream, budgetStreamId, type BudgetCommand } from '../../src/domain/budget/decider.js';
import type { InvoiceInput } from '../../src/domain/budget/content.js';
import { fold } from '../../src/domain/decider.js';
import { passportStream, passportStreamId } from '../../src/domain/passport/decider.js';
import { PostgresSnapshots } from '../../src/eventstore/postgres/snapshots.js';
import type { TestApp } from '../support/app.js';
import { buildClaim, buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, VRAA, givenPaidClaim, givenProject, seededSuite } from '../support/seeded.js';

/*
 * A budget grows by an event per invoice. Its state is kept (src/application/stream-states.ts):
 * the latest in memory, and every 500 events (a quarter of the stream once that is more) as a
 * snapshot in es_snapshots, so a command reads only the events after the state kept. These tests
 * count the events read, not the time taken (timing is for bench/http.ts), and check that a kept
 * state never answers otherwise than the fold of the whole stream from the start.
 */

let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a));

const anna: AppCaller = {
  user: { id: 'anna', name: 'anna', organisation: VRAA, role: 'beneficiary', roles: ['beneficiary'] },
  requestId: 'snapshot-test',
  correlationId: 'snapshot-test',
};

const store = () => app.service.context.store;
const states = () => statesOf(store());

/** `count` invoices stored through the application's one write path, 1,000 to a command, as an import stores them. */
async function givenInvoices(projectId: string, count: number, prefix: string): Promise<void> {
  const budgets = on(app.service.context, budgetStream);
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, n) => {
      const invoice: InvoiceInput = buildInvoice({
        number: `${prefix}-${start + n}`,
        grossCents: 1210,
        netCents: 1000,
        vatCents: 210,
        allocations: [{ fund: 'RRF', cents: 1210 }],
      });
      return { row: start + n + 2, invoice: { ...invoice, invoiceId: crypto.randomUUID() } };
    });
    await budgets.execute(
      budgetStreamId(projectId),
      anna,
      (context): BudgetCommand => ({ type: 'ImportInvoices', data: { rows }, context }),
      {
        subject: projectId,
      },
    );
  }
}

/** The budget folded from its first event, as if nothing were kept. */
async function foldedFromTheStart(projectId: string) {
  const events = await store().readStream(budgetStreamId(projectId));
  return {
    state: fold(
      budgetStream.decider,
      budgetStream.decider.initialState,
      events.map((e) => budgetStream.own(e)),
    ),
    version: events.at(-1)!.version,
  };
}

/** Events read (and folded) from the store by `fn`. */
async function eventsReadBy(fn: () => Promise<unknown>): Promise<number> {
  const before = states().stats.eventsRead;
  await fn();
  return states().stats.eventsRead - before;
}

const submit = (projectId: string) => as('anna').post(`/projects/${projectId}/budget/invoices`).send(buildInvoice()).expect(201);

describe('budget snapshots', () => {
  it('when a budget holds 10,000 invoices, a submission reads as few events as on an empty budget in memory, and a quarter of them at most from a snapshot', async () => {
    const empty = await givenProject(as, { shares: SEED_SHARES });
    const full = await givenProject(as, { shares: SEED_SHARES });
    await givenInvoices(full, 10_000, 'FULL');
    await submit(empty);
    await submit(full);

    // Warm: the state kept in memory plus the one event stored since.
    const onEmpty = await eventsReadBy(() => submit(empty));
    const onFull = await eventsReadBy(() => submit(full));
    expect(onFull).toBe(onEmpty);
    expect(onFull).toBeLessThanOrEqual(4);

    // Cold, as a process that has not seen the budget: its snapshot and the events after it, not 10,000.
    await states().flush();
    const { rows } = await app.db.pool.query<{ version: number; schema: string }>(
      'select version, schema from es_snapshots where stream_id = $1',
      [budgetStreamId(full)],
    );
    // Snapshots every 500 events, or every quarter of the stream once that is more: at most a quarter is read after one.
    expect(rows[0]?.schema).toBe('budget.1');
    expect(rows[0]!.version).toBeGreaterThan(10_003 * 0.75);
    states().forget();
    const snapshotsRead = states().stats.snapshotsRead;
    const cold = await eventsReadBy(() => submit(full));
    // The budget's events after its snapshot, and the project's passport (kept in memory only) from its first.
    const passportEvents = (await store().readStream(passportStreamId(full))).length;
    expect(cold).toBe(10_003 - rows[0]!.version + passportEvents);
    expect(cold).toBeLessThan(10_003 / 4);
    expect(states().stats.snapshotsRead).toBe(snapshotsRead + 1);
    expect((await load(store(), budgetStream, budgetStreamId(full))).version).toBe(10_000 + 4);
    // Storing 10,000 invoices with their double-funding checks takes a while on a busy machine.
  }, 300_000);

  it('when a budget is loaded from a snapshot and the events after it, the state is the fold from the start: invoices, contracts, claims, verifications, payments, corrections', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const { invoiceId, claimId } = await givenPaidClaim(as, id);
    await givenInvoices(id, 700, 'MIX');
    await as('janis')
      .post(`/projects/${id}/budget/corrections`)
      .send({ costLine: '4.3', amountCents: 1000, funds: [{ fund: 'RRF', cents: 1000 }], reason: 'procurement breach', claimId, invoiceId })
      .expect(201);
    const late = await as('anna').post(`/projects/${id}/budget/invoices`).send(buildInvoice()).expect(201);
    await as('anna')
      .post(`/projects/${id}/budget/claims`)
      .send(buildClaim([{ invoiceId: late.body.id as string, cents: 121000 }]))
      .expect(201);

    const expected = await foldedFromTheStart(id);
    // From memory.
    expect(await load(store(), budgetStream, budgetStreamId(id))).toEqual(expected);
    // From the snapshot (taken after the 700 invoices, before the correction and the claim) and the events after it.
    await states().flush();
    states().forget();
    const read = await eventsReadBy(async () => expect(await load(store(), budgetStream, budgetStreamId(id))).toEqual(expected));
    expect(read).toBeLessThan(expected.version);
    // From a fresh snapshot of exactly the last version, through JSON and back.
    const snapshots = new PostgresSnapshots(app.db.pool);
    const snapshot = await snapshots.read(budgetStreamId(id));
    expect(snapshot).not.toBeNull();
    await snapshots.write(budgetStreamId(id), { version: expected.version, schema: 'budget.1', state: expected.state });
    states().forget();
    expect(await load(store(), budgetStream, budgetStreamId(id))).toEqual(expected);
    // Earlier versions (an idempotent replay reads one) are folded as they were, never from a later snapshot.
    states().forget();
    const earlier = await store().readStream(budgetStreamId(id), { to: 5 });
    expect(await load(store(), budgetStream, budgetStreamId(id), 5)).toEqual({
      state: fold(
        budgetStream.decider,
        budgetStream.decider.initialState,
        earlier.map((e) => budgetStream.own(e)),
      ),
      version: 5,
    });
  }, 180_000);

  it('when a snapshot was written by another fold (another schema), it is ignored and the stream is folded from the start', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    await submit(id);
    const expected = await foldedFromTheStart(id);
    await new PostgresSnapshots(app.db.pool).write(budgetStreamId(id), {
      version: expected.version,
      schema: 'budget.0',
      state: { status: 'none' },
    });
    states().forget();
    expect(await load(store(), budgetStream, budgetStreamId(id))).toEqual(expected);
  });

  it('when events are stored by someone else after the state was kept, a load reads them: a kept state is never taken for the current one', async () => {
    const id = await givenProject(as, { shares: SEED_SHARES });
    const before = await load(store(), passportStream, passportStreamId(id));
    await submit(id);
    // Another writer (here SQL-free: a second store instance) appends to the budget; this store's kept state is now behind.
    const { PostgresEventStore } = await import('../../src/eventstore/postgres/adapter.js');
    const { createEventRegistry } = await import('../../src/domain/events.js');
    const other = new PostgresEventStore(app.db.pool, createEventRegistry());
    await on({ store: other, clock: () => new Date() }, budgetStream).execute(budgetStreamId(id), anna, (context) => ({
      type: 'SubmitInvoice',
      data: { ...buildInvoice({ number: 'ELSEWHERE' }), invoiceId: crypto.randomUUID() },
      context,
    }));
    await other.close();
    const loaded = await load(store(), budgetStream, budgetStreamId(id));
    expect(loaded).toEqual(await foldedFromTheStart(id));
    expect(Object.values(loaded.state.status === 'open' ? loaded.state.invoices : {}).map((i) => i.number)).toContain('ELSEWHERE');
    expect((await load(store(), passportStream, passportStreamId(id))).version).toBe(before.version);
  });
});
