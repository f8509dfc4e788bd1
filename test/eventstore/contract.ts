import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, IdempotencyKeyReused, InvalidEventPayload, UnknownEventType } from '../../src/eventstore/errors.js';
import type { Attribution, EventMetadata, EventQuery, EventStore, ExportedEvent, StoredEvent } from '../../src/eventstore/port.js';
import { comparePositions, formatPosition, parsePosition, START, type GlobalPosition } from '../../src/eventstore/position.js';
import { buildMetadata, counted } from '../support/builders.js';

export interface ContractHarness {
  store(): EventStore;
}

/** Reads the whole global order after `from`, in batches, as a projection would. */
export async function readEverything(store: EventStore, from: GlobalPosition = START, limit = 1000) {
  const all: StoredEvent[] = [];
  let after = from;
  for (;;) {
    const batch = await store.readAll({ after, limit });
    if (batch.length === 0) return all;
    all.push(...batch);
    after = batch.at(-1)!.position;
  }
}

const newStream = () => `test-${randomUUID()}`;

/** The `n` of each Counted event: the fixture numbers its events in the order it appends them. */
const ns = (events: readonly StoredEvent[]) => events.map((e) => (e.data as { n: number }).n);

/** Every event of an export's pages; each page must hold at least one. */
async function collectAll<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    expect(page.length).toBeGreaterThan(0);
    out.push(...page);
  }
  return out;
}

function expectStrictlyIncreasing(events: readonly StoredEvent[]) {
  for (let i = 1; i < events.length; i++) expect(comparePositions(events[i - 1]!.position, events[i]!.position)).toBe(-1);
}

/**
 * Two beneficiaries' projects and some reference data, appended in a known order (each event's
 * `n` is its place in it), in two phases some milliseconds apart:
 *
 *   n  stream          attributed to           actor (organisation)
 *   1  test-p1         P (orgA)                beneficiary A (orgA)
 *   2  test-p1         P (orgA)                officer (officerOrg)
 *   3  test-ref        none (reference data)   officer
 *   4  test-q1         Q (orgB)                beneficiary B (orgB)
 *   5  testb-pq        P (orgA) and Q (orgB)   officer
 *   6  test-late       none                    beneficiary A
 *   --- phase 2 ---
 *   7  testb-p2        P                       beneficiary A
 *   8  testb-p2        P                       beneficiary A
 *   9  test-late       P (its first event was not)  officer
 *  10  test-q1         Q                       officer
 *  11  test-p1         P                       officer
 *  12  test-pr         P and R (both orgA)     officer
 *  13  test-s1         S (beneficiary unknown: null)  officer
 */
async function appendAttributionFixture(store: EventStore) {
  const id = randomUUID();
  const org = { a: `orgA-${id}`, b: `orgB-${id}`, officer: `officerOrg-${id}` };
  const actor = { a: `beneficiary-a-${id}`, b: `beneficiary-b-${id}`, officer: `officer-${id}` };
  const project = { p: `P-${id}`, q: `Q-${id}`, r: `R-${id}`, s: `S-${id}` };
  const stream = {
    p1: `test-p1-${id}`,
    ref: `test-ref-${id}`,
    q1: `test-q1-${id}`,
    pq: `testb-pq-${id}`,
    late: `test-late-${id}`,
    p2: `testb-p2-${id}`,
    pr: `test-pr-${id}`,
    s1: `test-s1-${id}`,
  };
  const P: Attribution = { projectId: project.p, organisation: org.a };
  const Q: Attribution = { projectId: project.q, organisation: org.b };
  const R: Attribution = { projectId: project.r, organisation: org.a };
  const S: Attribution = { projectId: project.s, organisation: null };
  const by = {
    a: buildMetadata({ actor: actor.a, organisation: org.a, role: 'beneficiary' }),
    b: buildMetadata({ actor: actor.b, organisation: org.b, role: 'beneficiary' }),
    officer: buildMetadata({ actor: actor.officer, organisation: org.officer, role: 'officer', roles: ['officer'] }),
  };
  const versions = new Map<string, number>();
  const append = async (streamId: string, events: [number, EventMetadata][], attribution: Attribution[] = []) => {
    const expectedVersion = versions.get(streamId) ?? 0;
    const r = await store.append(
      streamId,
      events.map(([n, metadata]) => counted(n, { metadata })),
      { expectedVersion, ...(attribution.length > 0 ? { attribution } : {}) },
    );
    versions.set(streamId, r.nextVersion);
  };

  await append(
    stream.p1,
    [
      [1, by.a],
      [2, by.officer],
    ],
    [P],
  );
  await append(stream.ref, [[3, by.officer]]);
  await append(stream.q1, [[4, by.b]], [Q]);
  await append(stream.pq, [[5, by.officer]], [P, Q]);
  await append(stream.late, [[6, by.a]], []);
  await new Promise((r) => setTimeout(r, 60));
  await append(
    stream.p2,
    [
      [7, by.a],
      [8, by.a],
    ],
    [P],
  );
  await append(stream.late, [[9, by.officer]], [P]);
  await append(stream.q1, [[10, by.officer]], [Q]);
  await append(stream.p1, [[11, by.officer]], [P]);
  await append(stream.pr, [[12, by.officer]], [P, R]);
  await append(stream.s1, [[13, by.officer]], [S]);

  // The two phases' boundary, from the store's own clock: after every phase-1 event, before every phase-2 one.
  const recorded = new Map<number, Date>();
  for (const s of Object.values(stream)) for (const e of await store.readStream(s)) recorded.set((e.data as { n: number }).n, e.recordedAt);
  const lastOfPhase1 = Math.max(...[1, 2, 3, 4, 5, 6].map((n) => recorded.get(n)!.getTime()));
  const firstOfPhase2 = Math.min(...[7, 8, 9, 10, 11, 12, 13].map((n) => recorded.get(n)!.getTime()));
  expect(firstOfPhase2 - lastOfPhase1).toBeGreaterThan(10);
  const between = new Date(Math.floor((lastOfPhase1 + firstOfPhase2) / 2));

  return { org, actor, project, stream, between, append, P };
}

/** The behaviour every event-store adapter must show. */
export function eventStoreContract(h: ContractHarness) {
  describe('append and readStream', () => {
    it('when events are appended to a new stream, they read back in version order with their metadata', async () => {
      const stream = newStream();
      const metadata = buildMetadata({ actor: 'janis', role: 'officer', causationId: randomUUID() });
      const result = await h.store().append(stream, [counted(1, { metadata }), counted(2)], { expectedVersion: 0 });
      expect(result.nextVersion).toBe(2);
      expect(result.duplicate).toBe(false);

      const events = await h.store().readStream(stream);
      expect(events.map((e) => [e.version, e.type, e.data])).toEqual([
        [1, 'Counted.v2', { n: 1, note: 'event 1' }],
        [2, 'Counted.v2', { n: 2, note: 'event 2' }],
      ]);
      expect(events[0]!.metadata).toEqual(metadata);
      expect(events[0]!.streamType).toBe('test');
      expect(events.map((e) => e.id)).toEqual(result.eventIds);
      expect(comparePositions(events[0]!.position, events[1]!.position)).toBe(-1);
      expect(Math.abs(events[0]!.recordedAt.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('when from and to are given, only that version range is read', async () => {
      const stream = newStream();
      await h.store().append(
        stream,
        [1, 2, 3, 4].map((n) => counted(n)),
        { expectedVersion: 0 },
      );
      const events = await h.store().readStream(stream, { from: 2, to: 3 });
      expect(events.map((e) => e.version)).toEqual([2, 3]);
    });

    it('when the stream does not exist, reading it gives no events', async () => {
      expect(await h.store().readStream(newStream())).toEqual([]);
    });
  });

  describe('optimistic concurrency', () => {
    it('when the expected version is stale, the append is refused with both versions and nothing is stored', async () => {
      const stream = newStream();
      await h.store().append(stream, [counted(1)], { expectedVersion: 0 });
      const attempt = h.store().append(stream, [counted(2), counted(3)], { expectedVersion: 0 });
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(attempt).rejects.toMatchObject({ expectedVersion: 0, actualVersion: 1 });
      expect((await h.store().readStream(stream)).length).toBe(1);
    });

    it('when two writers race on the same version, exactly one wins', async () => {
      const stream = newStream();
      await h.store().append(stream, [counted(0)], { expectedVersion: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => h.store().append(stream, [counted(i)], { expectedVersion: 1 })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.every((r) => r.reason instanceof ConcurrencyError)).toBe(true);
      expect((await h.store().readStream(stream)).map((e) => e.version)).toEqual([1, 2]);
    });

    it("when the expected version is 'any', the append goes to the end", async () => {
      const stream = newStream();
      await h.store().append(stream, [counted(1)], { expectedVersion: 'any' });
      const r = await h.store().append(stream, [counted(2)], { expectedVersion: 'any' });
      expect(r.nextVersion).toBe(2);
    });
  });

  describe('idempotency', () => {
    it('when a command is retried with the same key, nothing new is stored and the first result comes back', async () => {
      const stream = newStream();
      const idempotency = { key: randomUUID(), fingerprint: 'register:abc' };
      const first = await h.store().append(stream, [counted(1)], { expectedVersion: 0, idempotency });
      const retry = await h.store().append(stream, [counted(1)], { expectedVersion: 0, idempotency });
      expect(retry).toEqual({ ...first, duplicate: true });
      expect(await h.store().findIdempotentResult(idempotency.key, idempotency.fingerprint)).toEqual({
        ...first,
        duplicate: true,
      });
      expect((await h.store().readStream(stream)).length).toBe(1);
    });

    it('when a key is reused for a different request, it is refused and nothing is stored', async () => {
      const stream = newStream();
      const key = randomUUID();
      await h.store().append(stream, [counted(1)], { expectedVersion: 0, idempotency: { key, fingerprint: 'a' } });
      await expect(
        h.store().append(stream, [counted(2)], { expectedVersion: 1, idempotency: { key, fingerprint: 'b' } }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReused);
      await expect(h.store().findIdempotentResult(key, 'b')).rejects.toBeInstanceOf(IdempotencyKeyReused);
      expect((await h.store().readStream(stream)).length).toBe(1);
    });

    it('when the same event ids are appended again, the retry is recognised and nothing is stored', async () => {
      const stream = newStream();
      const events = [counted(1, { id: randomUUID() }), counted(2, { id: randomUUID() })];
      const first = await h.store().append(stream, events, { expectedVersion: 0 });
      const retry = await h.store().append(stream, events, { expectedVersion: 0 });
      expect(retry).toEqual({ ...first, duplicate: true });
      expect((await h.store().readStream(stream)).length).toBe(2);
    });

    it('when an unknown idempotency key is looked up, there is no result', async () => {
      expect(await h.store().findIdempotentResult(randomUUID(), 'x')).toBeNull();
    });
  });

  describe('payload schemas', () => {
    it('when a payload does not match its schema, the append is refused naming the field', async () => {
      const stream = newStream();
      const bad = { ...counted(1), data: { n: 'one', note: 'x' } };
      const attempt = h.store().append(stream, [counted(0), bad], { expectedVersion: 0 });
      await expect(attempt).rejects.toBeInstanceOf(InvalidEventPayload);
      await expect(attempt).rejects.toThrow(/n: /);
      expect(await h.store().readStream(stream)).toEqual([]);
    });

    it('when the event type is not registered (or retired), the append is refused', async () => {
      await expect(h.store().append(newStream(), [{ ...counted(1), type: 'Counted.v1' }], { expectedVersion: 0 })).rejects.toBeInstanceOf(
        UnknownEventType,
      );
    });
  });

  describe('attribution, queryEvents and exportEvents', () => {
    let fixture: ReturnType<typeof appendAttributionFixture> | undefined;
    /** One fixture for the block's read-only tests (appended on first use, unique ids). */
    const given = () => (fixture ??= appendAttributionFixture(h.store()));
    const query = (q: EventQuery, limit = 1000) => h.store().queryEvents({ ...q, after: START, limit });

    it("when a project's events are queried, they are exactly the events attributed to it, each once, in global order", async () => {
      const f = await given();
      const p = await query({ projectId: f.project.p });
      expect(ns(p)).toEqual([1, 2, 5, 7, 8, 9, 11, 12]);
      expect(new Set(p.map((e) => e.id)).size).toBe(p.length);
      expectStrictlyIncreasing(p);
      // Not the reference stream's, not the other project's, nor the earlier unattributed event of a stream attributed later.
      expect(p.map((e) => e.streamId)).not.toContain(f.stream.ref);
      expect(p.map((e) => e.streamId)).not.toContain(f.stream.q1);
      // The events read back as stored: metadata exactly as passed (no attribution leaks into it).
      const [first] = await h.store().readStream(f.stream.p1);
      expect(p[0]).toEqual(first);
      expect(Object.keys(p[0]!.metadata).sort()).toEqual([
        'actor',
        'causationId',
        'correlationId',
        'organisation',
        'requestId',
        'role',
        'roles',
      ]);
    });

    it("when an event is attributed to two projects, it is in both projects' histories", async () => {
      const f = await given();
      expect(ns(await query({ projectId: f.project.q }))).toEqual([4, 5, 10]);
      expect(ns(await query({ projectId: f.project.r }))).toEqual([12]);
      expect(ns(await query({ projectId: f.project.s }))).toEqual([13]);
      expect(await query({ projectId: `no-such-project-${randomUUID()}` })).toEqual([]);
    });

    it("when a beneficiary's events are queried, they are its projects' events, each once, and never an unknown beneficiary's", async () => {
      const f = await given();
      const a = await query({ beneficiary: f.org.a });
      expect(ns(a)).toEqual([1, 2, 5, 7, 8, 9, 11, 12]);
      expectStrictlyIncreasing(a);
      expect(ns(await query({ beneficiary: f.org.b }))).toEqual([4, 5, 10]);
      expect(ns(await query({ projectId: f.project.q, beneficiary: f.org.b }))).toEqual([4, 5, 10]);
      expect(await query({ projectId: f.project.p, beneficiary: f.org.b })).toEqual([]);
      expect(await query({ beneficiary: f.org.officer })).toEqual([]);
    });

    it('when a filter is added to a project query, each one narrows it: stream type, type, actor, organisation, from and to', async () => {
      const f = await given();
      const p = { projectId: f.project.p };
      expect(ns(await query({ ...p, streamType: 'testb' }))).toEqual([5, 7, 8]);
      expect(ns(await query({ ...p, streamType: 'test' }))).toEqual([1, 2, 9, 11, 12]);
      expect(await query({ ...p, streamType: 'nosuchtype' })).toEqual([]);
      expect(ns(await query({ ...p, type: 'Counted.v2' }))).toEqual([1, 2, 5, 7, 8, 9, 11, 12]);
      expect(await query({ ...p, type: 'Counted.v1' })).toEqual([]);
      expect(ns(await query({ ...p, actor: f.actor.a }))).toEqual([1, 7, 8]);
      expect(ns(await query({ ...p, actor: f.actor.officer }))).toEqual([2, 5, 9, 11, 12]);
      expect(ns(await query({ ...p, organisation: f.org.officer }))).toEqual([2, 5, 9, 11, 12]);
      expect(ns(await query({ ...p, organisation: f.org.a }))).toEqual([1, 7, 8]);
      expect(ns(await query({ ...p, from: f.between }))).toEqual([7, 8, 9, 11, 12]);
      expect(ns(await query({ ...p, to: f.between }))).toEqual([1, 2, 5]);
      expect(ns(await query({ ...p, streamType: 'test', actor: f.actor.officer, from: f.between }))).toEqual([9, 11, 12]);
      expect(ns(await query({ beneficiary: f.org.b, streamType: 'testb' }))).toEqual([5]);
    });

    it('when no project is named, the filters select from every event, reference data included', async () => {
      const f = await given();
      expect(ns(await query({ actor: f.actor.officer }))).toEqual([2, 3, 5, 9, 10, 11, 12, 13]);
      expect(ns(await query({ organisation: f.org.b }))).toEqual([4]);
      expect(ns(await query({ actor: f.actor.a, to: f.between }))).toEqual([1, 6]);
      expect(ns(await query({ actor: f.actor.officer, streamType: 'testb' }))).toEqual([5]);
      expect(ns(await query({ actor: f.actor.officer, type: 'Counted.v2', from: f.between }))).toEqual([9, 10, 11, 12, 13]);
    });

    it('when a query is read in small pages, each after the last position of the one before, the pages are the one big read: no gap, no repeat', async () => {
      const f = await given();
      for (const q of [{ projectId: f.project.p }, { beneficiary: f.org.a }, { actor: f.actor.officer }] satisfies EventQuery[]) {
        const whole = await query(q);
        const paged: StoredEvent[] = [];
        let after: GlobalPosition = START;
        for (let pages = 0; pages < 20; pages++) {
          const page = await h.store().queryEvents({ ...q, after, limit: 3 });
          expect(page.length).toBeLessThanOrEqual(3);
          if (page.length === 0) break;
          paged.push(...page);
          after = page.at(-1)!.position;
        }
        expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
        expect(await h.store().queryEvents({ ...q, after: whole.at(-1)!.position, limit: 10 })).toEqual([]);
        expect(ns(await h.store().queryEvents({ ...q, after: whole[1]!.position, limit: 2 }))).toEqual(ns(whole.slice(2, 4)));
      }
    });

    it("when a project is exported, the export holds the query's events in the same order, each with its chain link or none", async () => {
      const f = await given();
      const queried = await query({ projectId: f.project.p });
      const { head, pages: events } = await h.store().exportEvents({ projectId: f.project.p });
      const exported: ExportedEvent[] = await collectAll(events);
      expect(exported.map((e) => e.id)).toEqual(queried.map((e) => e.id));
      expect(exported.map(({ proof: _proof, ...e }) => e)).toEqual(queried);
      for (const e of exported) {
        if (e.proof !== null) expect(e.proof).toMatchObject({ eventId: e.id, streamId: e.streamId, version: e.version });
      }
      expect(head.position).not.toBeNull();
      expect(comparePositions(exported.at(-1)!.position, head.position!)).toBeLessThanOrEqual(0);
      // A store that keeps a chain links every event up to its head; one that keeps none proves nothing.
      expect(exported.every((e) => (head.chainSeq === null ? e.proof === null : e.proof !== null))).toBe(true);
      const filtered = await collectAll((await h.store().exportEvents({ projectId: f.project.p, actor: f.actor.a })).pages);
      expect(ns(filtered)).toEqual([1, 7, 8]);
    });

    it('when an export is filtered, it holds exactly the events the same query reads, for every filter', async () => {
      const f = await given();
      const p = { projectId: f.project.p };
      const queries: EventQuery[] = [
        { ...p, streamType: 'testb' },
        { ...p, type: 'Counted.v2' },
        { ...p, organisation: f.org.officer },
        { ...p, from: f.between },
        { ...p, to: f.between },
        { ...p, streamType: 'test', actor: f.actor.officer, from: f.between },
        { beneficiary: f.org.b },
        { beneficiary: f.org.b, streamType: 'testb' },
        { actor: f.actor.officer },
        { organisation: f.org.b },
        // A value with a quote and a backslash is a value, not SQL.
        { ...p, actor: "o'brien\\'; select 1; --" },
      ];
      for (const q of queries) {
        const exported = await collectAll((await h.store().exportEvents(q)).pages);
        expect({ q, ids: exported.map((e) => e.id) }).toEqual({ q, ids: (await query(q)).map((e) => e.id) });
      }
    });

    it('when an event is appended after an export has fixed its head, that export does not hold it; a later one does', async () => {
      const f = await appendAttributionFixture(h.store());
      const { head, pages: events } = await h.store().exportEvents({ projectId: f.project.p });
      await f.append(f.stream.p1, [[14, buildMetadata()]], [f.P]);
      const exported = await collectAll(events);
      expect(ns(exported)).toEqual([1, 2, 5, 7, 8, 9, 11, 12]);
      expect(exported.every((e) => comparePositions(e.position, head.position!) <= 0)).toBe(true);
      expect(ns(await collectAll((await h.store().exportEvents({ projectId: f.project.p })).pages))).toEqual([
        1, 2, 5, 7, 8, 9, 11, 12, 14,
      ]);
    });

    it('when nothing matches, the export is empty', async () => {
      const { pages: events } = await h.store().exportEvents({ projectId: `no-such-project-${randomUUID()}` });
      expect(await collectAll(events)).toEqual([]);
    });
  });

  describe('global order', () => {
    it('when 16 writers append 500 events each while a reader checkpoints mid-way, every event is read exactly once, each stream in order', async () => {
      const writers = 16;
      const perWriter = 500;
      const streams = Array.from({ length: writers }, () => newStream());
      const mine = new Set(streams);
      const seen: StoredEvent[] = [];
      let done = false;

      // The reader restarts from its last checkpoint every 7 batches, as a crashed projection would.
      const reader = (async () => {
        let checkpoint: GlobalPosition = START;
        let batches = 0;
        for (;;) {
          const finished = done;
          const batch = await h.store().readAll({ after: checkpoint, limit: 97 });
          seen.push(...batch.filter((e) => mine.has(e.streamId)));
          if (batch.length > 0) checkpoint = batch.at(-1)!.position;
          if (++batches % 7 === 0) checkpoint = parsePosition(formatPosition(checkpoint));
          if (batch.length === 0 && finished) return;
          if (batch.length === 0) await new Promise((r) => setTimeout(r, 2));
        }
      })();

      await Promise.all(
        streams.map(async (stream) => {
          for (let i = 0; i < perWriter; i++) {
            await h.store().append(stream, [counted(i)], { expectedVersion: i });
          }
        }),
      );
      done = true;
      await reader;

      expect(seen.length).toBe(writers * perWriter);
      expect(new Set(seen.map((e) => e.id)).size).toBe(writers * perWriter);
      for (const stream of streams) {
        const versions = seen.filter((e) => e.streamId === stream).map((e) => e.version);
        expect(versions).toEqual(Array.from({ length: perWriter }, (_, i) => i + 1));
      }
      for (let i = 1; i < seen.length; i++) {
        expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBe(-1);
      }
    });
  });
}
