import { describe, expect, it } from 'vitest';
import type { Caller as AppCaller } from '../../src/application/caller.js';
import { on } from '../../src/application/command.js';
import { budgetStream, budgetStreamId } from '../../src/domain/budget/decider.js';
import { createEventRegistry } from '../../src/domain/events.js';
import { PostgresEventStore } from '../../src/eventstore/postgres/adapter.js';
import type { TestApp } from '../support/app.js';
import { buildInvoice, SEED_SHARES } from '../support/budget-builders.js';
import { PEOPLE, VRAA, givenProject, seededSuite } from '../support/seeded.js';

/*
 * Submissions to one project at the same moment: a command sent without If-Match does not
 * depend on the budget's version, so a lost race on the version is decided again on the fresh
 * state, on the server (src/application/command.ts), and never reaches the client as a 409.
 */

let app: TestApp;
const as = seededSuite(PEOPLE, (a) => (app = a));

const givenBudget = () => givenProject(as, { shares: SEED_SHARES });

/** The invoices stored in the project's budget stream, by invoice id and by number. */
async function storedInvoices(projectId: string) {
  const { rows } = await app.db.pool.query<{ id: string; number: string }>(
    `select payload->>'invoiceId' as id, payload->>'number' as number
       from es_events where stream_id = $1 and type = 'InvoiceSubmitted.v1'`,
    [budgetStreamId(projectId)],
  );
  return rows;
}

// Fifty requests at once take a while on a busy machine: each is answered only once its turn has come.
describe('concurrent submissions to one project', { timeout: 180_000 }, () => {
  it('when 50 invoices are submitted to one project at once without If-Match, all 50 answer 201 and each is stored once', async () => {
    const id = await givenBudget();
    const invoices = Array.from({ length: 50 }, (_, n) => buildInvoice({ number: `RACE-${n}` }));
    const answers = await Promise.all(invoices.map((invoice) => as('anna').post(`/projects/${id}/budget/invoices`).send(invoice)));
    expect(answers.map((a) => a.status)).toEqual(invoices.map(() => 201));
    const stored = await storedInvoices(id);
    expect(stored.map((r) => r.number).sort()).toEqual(invoices.map((i) => i.number).sort());
    expect(new Set(stored.map((r) => r.id))).toEqual(new Set(answers.map((a) => a.body.id as string)));
    // Each answer names its own version: 50 appends, one after another, after the budget's opening at version 1.
    expect(answers.map((a) => a.body.streamVersion as number).sort((x, y) => x - y)).toEqual(invoices.map((_, n) => n + 2));
  });

  it('when a submission carries an If-Match that is no longer the budget version, it answers 412 with both versions and stores nothing', async () => {
    const id = await givenBudget();
    const first = await as('anna').post(`/projects/${id}/budget/invoices`).set('If-Match', '"1"').send(buildInvoice()).expect(201);
    expect(first.headers.etag).toBe('"2"');
    const stale = await as('anna').post(`/projects/${id}/budget/invoices`).set('If-Match', '"1"').send(buildInvoice());
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    expect(await storedInvoices(id)).toHaveLength(1);
  });

  it('when each of 20 concurrent submissions with the same If-Match races the others, one is stored and the rest answer 412, not 409', async () => {
    const id = await givenBudget();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => as('anna').post(`/projects/${id}/budget/invoices`).set('If-Match', '"1"').send(buildInvoice())),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(19);
    expect(await storedInvoices(id)).toHaveLength(1);
  });

  it('when another process appends to the same budget at the same moment, both sides lose races on the version and retry: every invoice is stored once', async () => {
    const id = await givenBudget();
    // A second store on the same database: its commands do not take turns with the service's, so their appends really race.
    const other = new PostgresEventStore(app.db.pool, createEventRegistry());
    const budgets = on({ store: other, clock: () => new Date() }, budgetStream);
    const anna: AppCaller = {
      user: { id: 'anna', name: 'anna', organisation: VRAA, role: 'beneficiary', roles: ['beneficiary'] },
      requestId: 'other-process',
      correlationId: 'other-process',
    };
    const viaHttp = Array.from({ length: 25 }, (_, n) => buildInvoice({ number: `HTTP-${n}` }));
    const viaOther = Array.from({ length: 25 }, (_, n) => buildInvoice({ number: `OTHER-${n}` }));
    const [answers] = await Promise.all([
      Promise.all(viaHttp.map((invoice) => as('anna').post(`/projects/${id}/budget/invoices`).send(invoice))),
      Promise.all(
        viaOther.map((invoice, n) =>
          budgets.execute(budgetStreamId(id), anna, (context) => ({
            type: 'SubmitInvoice',
            data: { ...invoice, invoiceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` },
            context,
          })),
        ),
      ),
    ]);
    await other.close();
    expect(answers.map((a) => a.status)).toEqual(viaHttp.map(() => 201));
    const numbers = (await storedInvoices(id)).map((r) => r.number).sort();
    expect(numbers).toEqual([...viaHttp, ...viaOther].map((i) => i.number).sort());
  });

  it('when a submission is retried with its Idempotency-Key while others race it, the retry replays the first answer and nothing is stored twice', async () => {
    const id = await givenBudget();
    const invoice = buildInvoice({ number: 'IDEMPOTENT-1' });
    const send = () => as('anna').post(`/projects/${id}/budget/invoices`).set('Idempotency-Key', `race-${id}`).send(invoice);
    const others = Array.from({ length: 10 }, (_, n) =>
      as('anna')
        .post(`/projects/${id}/budget/invoices`)
        .send(buildInvoice({ number: `O-${n}` })),
    );
    const [first, ...rest] = await Promise.all([send(), ...others]);
    expect(first?.status).toBe(201);
    expect(rest.map((r) => r.status)).toEqual(others.map(() => 201));
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first?.body.id);
    expect((await storedInvoices(id)).filter((r) => r.number === 'IDEMPOTENT-1')).toHaveLength(1);
  });
});
