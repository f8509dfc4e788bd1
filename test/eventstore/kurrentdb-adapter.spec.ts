/* eslint-disable @typescript-eslint/require-await -- the fake client keeps the real client's async API without doing any I/O */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  NO_STREAM,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AppendStreamState,
  type EventData,
  type Filter,
  type Position,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  EventStoreUnavailable,
  IdempotencyKeyReused,
  InvalidStreamId,
  StreamDeleted,
} from '../../src/eventstore/errors.js';
import { KurrentDbEventStore, type KurrentClient } from '../../src/eventstore/kurrentdb/adapter.js';
import { COMPLETED, RELEASED, idempotencyStreamOf, toKurrentMetadata } from '../../src/eventstore/kurrentdb/mapping.js';
import { STREAM_ATTRIBUTED, beneficiaryIndexStream, projectIndexStream } from '../../src/eventstore/kurrentdb/query.js';
import type { Attribution, ExportedEvent } from '../../src/eventstore/port.js';
import { START, comparePositions } from '../../src/eventstore/position.js';
import { EventRegistry } from '../../src/eventstore/registry.js';
import { buildMetadata, Counted, counted, testRegistry } from '../support/builders.js';

interface Rec {
  streamId: string;
  id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  revision: bigint;
  position: Position;
  created: Date;
  isJson: true;
}

/**
 * A tiny in-memory stand-in for the client, ONLY to drive the adapter's control flow
 * (claim → append → complete, paging past system events, error paths). It is not a model
 * of KurrentDB: the contract suite against a real server (kurrentdb.spec.ts) is what
 * proves the adapter.
 */
class FakeClient {
  readonly log: Rec[] = [];
  readonly deleted = new Set<string>();
  readonly appends: string[] = [];
  /** Runs when a stream read has delivered its events: lets a test interleave another writer's appends. */
  afterRead?: (streamId: string) => Promise<void>;
  /** Fails the next append whose stream/event type matches, once. */
  failOnce?: { match: (stream: string, type: string) => boolean; error: Error };
  subscriptions: (EventEmitter & { unsubscribe(): Promise<void> })[] = [];
  private next = 100n;

  private stream(id: string) {
    return this.log.filter((r) => r.streamId === id);
  }

  /** Writes events (or system noise) straight into the log. */
  put(streamId: string, type: string, data: unknown = {}, metadata: unknown = {}): Rec {
    const revision = BigInt(this.stream(streamId).length);
    this.next += 10n;
    const rec: Rec = {
      streamId,
      id: randomUUID(),
      type,
      data,
      metadata,
      revision,
      position: { commit: this.next, prepare: this.next },
      created: new Date(),
      isJson: true,
    };
    this.log.push(rec);
    return rec;
  }

  async appendToStream(streamId: string, events: EventData | EventData[], options: { streamState?: AppendStreamState } = {}) {
    const list = Array.isArray(events) ? events : [events];
    this.appends.push(`${streamId}:${list.map((e) => e.type).join(',')}`);
    if (this.failOnce && list.some((e) => this.failOnce!.match(streamId, e.type))) {
      const { error } = this.failOnce;
      this.failOnce = undefined;
      throw error;
    }
    if (this.deleted.has(streamId)) throw StreamDeletedError.fromStreamName(streamId);
    const existing = this.stream(streamId);
    const current = existing.length === 0 ? NO_STREAM : BigInt(existing.length - 1);
    const state = options.streamState ?? 'any';
    if (state !== 'any' && state !== current) {
      throw new WrongExpectedVersionError(undefined, { streamName: streamId, expected: state, current });
    }
    for (const e of list) {
      // An id already in the stream is a retry of that write: KurrentDB stores it once.
      if (state === 'any' && existing.some((r) => r.id === e.id)) continue;
      const rec = this.put(streamId, e.type, e.data, e.metadata);
      rec.id = e.id;
    }
    return { success: true, nextExpectedRevision: BigInt(this.stream(streamId).length - 1), position: undefined };
  }

  readStream(streamId: string, o: { fromRevision?: bigint | 'start' | 'end'; maxCount?: number | bigint; direction?: string } = {}) {
    // Read when iterated, as the real client does: a deleted or missing stream fails then, not at the call.
    const deleted = () => this.deleted.has(streamId);
    const records = () => this.stream(streamId);
    const hook = this.afterRead;
    return (async function* () {
      if (deleted()) throw StreamDeletedError.fromStreamName(streamId);
      let recs = records();
      if (recs.length === 0) {
        if (hook) await hook(streamId);
        throw new StreamNotFoundError(undefined, streamId);
      }
      if (o.direction === 'backwards') recs = [...recs].reverse();
      if (typeof o.fromRevision === 'bigint') {
        const from = o.fromRevision;
        recs = recs.filter((r) => (o.direction === 'backwards' ? r.revision <= from : r.revision >= from));
      }
      for (const r of recs.slice(0, Number(o.maxCount ?? Number.MAX_SAFE_INTEGER))) yield { event: { ...r } };
      if (hook) await hook(streamId);
    })();
  }

  /** Every readAll call's options, to see what the adapter asked the server to filter. */
  readonly allReads: { fromPosition?: Position | 'start' | 'end'; filter?: Filter; direction?: string }[] = [];

  readAll(o: { fromPosition?: Position | 'start' | 'end'; maxCount?: number | bigint; direction?: string; filter?: Filter } = {}) {
    this.allReads.push(o);
    const log = () => this.log;
    const matches = (r: Rec) => {
      const f = o.filter;
      if (!f) return true;
      const subject = f.filterOn === 'streamName' ? r.streamId : r.type;
      // The server matches .NET regexes; the adapter sends ones that mean the same in JavaScript.
      return 'regex' in f ? new RegExp(f.regex).test(subject) : f.prefixes.some((p) => subject.startsWith(p));
    };
    return (async function* () {
      const from = o.fromPosition;
      let recs = log().filter(matches);
      if (o.direction === 'backwards') {
        recs = [...recs].reverse().filter((r) => typeof from !== 'object' || r.position.commit <= from.commit);
      } else {
        recs = recs.filter((r) => typeof from !== 'object' || r.position.commit >= from.commit);
      }
      for (const r of recs.slice(0, Number(o.maxCount ?? Number.MAX_SAFE_INTEGER))) yield { event: { ...r } };
    })();
  }

  subscribeToAll() {
    const sub = Object.assign(new EventEmitter(), { unsubscribe: async () => undefined });
    this.subscriptions.push(sub);
    return sub;
  }

  async dispose() {}
}

const newStore = (fake: FakeClient, pageSize = 1000): KurrentDbEventStore =>
  new KurrentDbEventStore(fake as unknown as KurrentClient, testRegistry(), { pageSize });
const stream = () => `test-${randomUUID()}`;

describe('KurrentDB adapter control flow (against a tiny fake client, not a substitute for the contract suite)', () => {
  describe('idempotency claims', () => {
    it('when an append carries a key, the key is claimed first, the events follow, and the result is recorded on the claim', async () => {
      const fake = new FakeClient();
      const s = stream();
      const idempotency = { key: 'key-1', fingerprint: 'fp' };
      const first = await newStore(fake).append(s, [counted(1)], { expectedVersion: 0, idempotency });
      const claim = idempotencyStreamOf('key-1');
      expect(fake.appends).toEqual([`${claim}:IdempotencyClaimed`, `${s}:Counted.v2`, `${claim}:IdempotencyCompleted`]);
      expect(first).toMatchObject({ streamId: s, nextVersion: 1, duplicate: false });

      const retry = await newStore(fake).append(s, [counted(1)], { expectedVersion: 0, idempotency });
      expect(retry).toEqual({ ...first, duplicate: true });
      expect(fake.appends).toHaveLength(3);
    });

    it('when the same key comes with another fingerprint, it is refused before anything is written', async () => {
      const fake = new FakeClient();
      const s = stream();
      await newStore(fake).append(s, [counted(1)], { expectedVersion: 0, idempotency: { key: 'k', fingerprint: 'a' } });
      await expect(
        newStore(fake).append(s, [counted(2)], { expectedVersion: 1, idempotency: { key: 'k', fingerprint: 'b' } }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReused);
      expect(fake.appends).toHaveLength(3);
    });

    it('when the process died after the events but before the result was recorded, the lookup finds the events and completes the claim', async () => {
      const fake = new FakeClient();
      const s = stream();
      const idempotency = { key: 'k2', fingerprint: 'fp' };
      fake.failOnce = { match: (_s, type) => type === COMPLETED, error: new UnavailableError() };
      const first = await newStore(fake).append(s, [counted(1), counted(2)], { expectedVersion: 0, idempotency });
      expect(await newStore(fake).findIdempotentResult('k2', 'fp')).toEqual({ ...first, duplicate: true });
      expect(fake.appends.at(-1)).toBe(`${idempotencyStreamOf('k2')}:IdempotencyCompleted`);
      await expect(newStore(fake).findIdempotentResult('k2', 'other')).rejects.toBeInstanceOf(IdempotencyKeyReused);
    });

    it('when the append loses on the expected version, the claim is released so the key is free again', async () => {
      const fake = new FakeClient();
      const s = stream();
      await newStore(fake).append(s, [counted(1)], { expectedVersion: 0 });
      const attempt = newStore(fake).append(s, [counted(2)], { expectedVersion: 0, idempotency: { key: 'k3', fingerprint: 'a' } });
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(attempt).rejects.toMatchObject({ expectedVersion: 0, actualVersion: 1 });
      expect(fake.appends.at(-1)).toBe(`${idempotencyStreamOf('k3')}:IdempotencyReleased`);
      expect(await newStore(fake).findIdempotentResult('k3', 'b')).toBeNull();
      const ok = await newStore(fake).append(s, [counted(2)], { expectedVersion: 1, idempotency: { key: 'k3', fingerprint: 'b' } });
      expect(ok.nextVersion).toBe(2);
    });

    it('when client-chosen ids are sent again at the same expected version, the earlier result comes back and nothing is written', async () => {
      const fake = new FakeClient();
      const s = stream();
      const events = [counted(1, { id: randomUUID() })];
      const first = await newStore(fake).append(s, events, { expectedVersion: 0 });
      const writes = fake.appends.length;
      expect(await newStore(fake).append(s, events, { expectedVersion: 0 })).toEqual({ ...first, duplicate: true });
      expect(fake.appends).toHaveLength(writes);
    });
  });

  describe('reading $all', () => {
    it('when system events and claims fill whole pages, readAll pages past them to the domain events, strictly after the checkpoint', async () => {
      const fake = new FakeClient();
      const store = newStore(fake, 10);
      const s = stream();
      await store.append(s, [counted(1)], { expectedVersion: 0 });
      for (let i = 0; i < 35; i++) fake.put('$stats-node', '$statsCollected');
      fake.put(idempotencyStreamOf('x'), 'IdempotencyClaimed');
      fake.put('test-other', '$metadata');
      await store.append(s, [counted(2), counted(3)], { expectedVersion: 1 });

      const all = await store.readAll({ after: START, limit: 100 });
      expect(all.map((e) => [e.streamId, e.version])).toEqual([
        [s, 1],
        [s, 2],
        [s, 3],
      ]);
      const rest = await store.readAll({ after: all[0]!.position, limit: 1 });
      expect(rest.map((e) => e.version)).toEqual([2]);
      expect(await store.countAfter(START, 100)).toBe(3);
      expect(await store.countAfter(START, 2)).toBe(2);
      expect(await store.readAll({ after: all[2]!.position, limit: 10 })).toEqual([]);
    });
  });

  describe('attribution, queryEvents and exportEvents', () => {
    const P: Attribution = { projectId: 'P', organisation: '40003000001' };
    const Q: Attribution = { projectId: 'Q', organisation: '40003000002' };
    const ns = (events: readonly { data: unknown }[]) => events.map((e) => (e.data as { n: number }).n);
    const collect = async <T>(items: AsyncIterable<T>) => {
      const out: T[] = [];
      for await (const i of items) out.push(i);
      return out;
    };

    it("when an attributed stream is first appended, it is announced in its project's and beneficiary's index before its events, once", async () => {
      const fake = new FakeClient();
      const s = stream();
      const metadata = buildMetadata();
      const store = newStore(fake);
      await store.append(s, [counted(1, { metadata })], { expectedVersion: 0, attribution: [P] });
      expect(fake.appends.slice(0, 2).sort()).toEqual(
        [`${beneficiaryIndexStream(P.organisation!)}:${STREAM_ATTRIBUTED}`, `${projectIndexStream('P')}:${STREAM_ATTRIBUTED}`].sort(),
      );
      expect(fake.appends[2]).toBe(`${s}:Counted.v2`);
      // Each event carries its own attribution; the metadata read back is exactly what was passed.
      expect(fake.log.find((r) => r.streamId === s)!.metadata).toMatchObject({ attribution: [P] });
      expect((await store.readStream(s))[0]!.metadata).toEqual(metadata);

      await store.append(s, [counted(2)], { expectedVersion: 1, attribution: [P] });
      await newStore(fake).append(s, [counted(3)], { expectedVersion: 2, attribution: [P] }); // a cold cache reads the index first
      expect(fake.appends.filter((a) => a.endsWith(STREAM_ATTRIBUTED))).toHaveLength(2);
      expect(fake.log.filter((r) => r.type === STREAM_ATTRIBUTED)).toHaveLength(2);
    });

    it('when two processes announce the same stream at once, the fixed entry id makes it one entry', async () => {
      const fake = new FakeClient();
      const s = stream();
      await Promise.all([
        newStore(fake).append(s, [counted(1)], { expectedVersion: 'any', attribution: [P] }),
        newStore(fake).append(s, [counted(2)], { expectedVersion: 'any', attribution: [P] }),
      ]);
      expect(fake.log.filter((r) => r.streamId === projectIndexStream('P'))).toHaveLength(1);
    });

    it('when the index cannot be written, no event is appended and an idempotency claim is released', async () => {
      const fake = new FakeClient();
      const s = stream();
      fake.failOnce = { match: (_s, type) => type === STREAM_ATTRIBUTED, error: new UnavailableError() };
      const idempotency = { key: 'k-index', fingerprint: 'fp' };
      await expect(newStore(fake).append(s, [counted(1)], { expectedVersion: 0, attribution: [P], idempotency })).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      expect(fake.log.filter((r) => r.streamId === s)).toEqual([]);
      expect(fake.appends.at(-1)).toBe(`${idempotencyStreamOf('k-index')}:${RELEASED}`);
      const retry = await newStore(fake).append(s, [counted(1)], { expectedVersion: 0, attribution: [P], idempotency });
      expect(retry.nextVersion).toBe(1);
    });

    it('when the process dies between the index entry and the events, the entry names a stream with no events of the project: harmless', async () => {
      const fake = new FakeClient();
      const s = stream();
      fake.failOnce = { match: (stream, type) => stream === s && type === 'Counted.v2', error: new UnavailableError() };
      await expect(newStore(fake).append(s, [counted(1)], { expectedVersion: 0, attribution: [P] })).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      expect(fake.log.some((r) => r.streamId === projectIndexStream('P'))).toBe(true);
      expect(await newStore(fake).queryEvents({ projectId: 'P', after: START, limit: 10 })).toEqual([]);
      await newStore(fake).append(s, [counted(1)], { expectedVersion: 0, attribution: [P] });
      expect(ns(await newStore(fake).queryEvents({ projectId: 'P', after: START, limit: 10 }))).toEqual([1]);
    });

    it("when an index or claim stream is named in an append, it is refused: they are the store's own", async () => {
      const fake = new FakeClient();
      for (const reserved of [projectIndexStream('P'), beneficiaryIndexStream('1'), idempotencyStreamOf('k')]) {
        await expect(newStore(fake).append(reserved, [counted(1)], { expectedVersion: 'any' })).rejects.toBeInstanceOf(InvalidStreamId);
      }
    });

    it("when a project is queried, the server is asked for exactly its streams' names and only its own events come back, in pages", async () => {
      const fake = new FakeClient();
      const store = newStore(fake, 4);
      const [a, b, ref, q] = [stream(), `testb-${randomUUID()}`, stream(), stream()];
      await store.append(a, [counted(0)], { expectedVersion: 0 }); // before the stream belonged to the project
      await store.append(ref, [counted(100)], { expectedVersion: 0 });
      for (let i = 1; i <= 6; i++) {
        await store.append(i % 2 ? a : b, [counted(i)], { expectedVersion: 'any', attribution: i === 4 ? [P, Q] : [P] });
        await store.append(q, [counted(10 + i)], { expectedVersion: 'any', attribution: [Q] });
        for (let k = 0; k < 5; k++) fake.put('$stats-node', '$statsCollected');
      }
      const reads = fake.allReads.length;
      const all = await store.queryEvents({ projectId: 'P', after: START, limit: 100 });
      expect(ns(all)).toEqual([1, 2, 3, 4, 5, 6]);
      const filters = fake.allReads.slice(reads).flatMap((r) => (r.filter ? [r.filter] : []));
      expect(filters[0]).toMatchObject({ filterOn: 'streamName', regex: `^(?:${[a, b].sort().join('|')})$` });

      const paged: number[] = [];
      for (let after = START, page; (page = await store.queryEvents({ projectId: 'P', after, limit: 2 })).length > 0;) {
        paged.push(...ns(page));
        after = page.at(-1)!.position;
      }
      expect(paged).toEqual([1, 2, 3, 4, 5, 6]);
      expect(ns(await store.queryEvents({ projectId: 'Q', after: START, limit: 100 }))).toEqual([11, 12, 13, 4, 14, 15, 16]);
      expect(ns(await store.queryEvents({ beneficiary: P.organisation!, streamType: 'testb', after: START, limit: 100 }))).toEqual([
        2, 4, 6,
      ]);
      expect(ns(await store.queryEvents({ streamType: 'testb', after: START, limit: 100 }))).toEqual([2, 4, 6]);
      expect(fake.allReads.at(-1)!.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['testb-'] });
      // readAll never delivers the index entries.
      expect((await store.readAll({ after: START, limit: 1000 })).some((e) => e.streamId.startsWith('es_'))).toBe(false);
    });

    it('when another writer attributes a new stream while a page is read, the page stops before it, and the next page has both', async () => {
      const fake = new FakeClient();
      const store = newStore(fake);
      const [known, added] = [stream(), stream()];
      await store.append(known, [counted(1)], { expectedVersion: 'any', attribution: [P] });
      const page1Position = (await store.queryEvents({ projectId: 'P', after: START, limit: 10 }))[0]!.position;
      await store.append(stream(), [counted(100)], { expectedVersion: 0 }); // the log goes on: the next page reads it
      // Right after the reader has read the index: a new stream of the project, then one more event of a known one.
      fake.afterRead = async (streamId) => {
        if (streamId !== projectIndexStream('P')) return;
        fake.afterRead = undefined;
        await newStore(fake).append(added, [counted(2)], { expectedVersion: 'any', attribution: [P] });
        await newStore(fake).append(known, [counted(3)], { expectedVersion: 'any', attribution: [P] });
      };
      const page = await store.queryEvents({ projectId: 'P', after: page1Position, limit: 10 });
      expect(ns(page)).toEqual([]); // not [3]: that would pass 2, which this page could not see
      expect(ns(await store.queryEvents({ projectId: 'P', after: page1Position, limit: 10 }))).toEqual([2, 3]);
    });

    it('when a project has more streams than one regex should name, the server filters on their types and the adapter on the streams', async () => {
      const fake = new FakeClient();
      const store: KurrentDbEventStore = new KurrentDbEventStore(fake as unknown as KurrentClient, testRegistry(), { maxRegexStreams: 2 });
      const streams = [stream(), stream(), stream()];
      for (const [i, s] of streams.entries()) await store.append(s, [counted(i)], { expectedVersion: 0, attribution: [P] });
      await store.append(stream(), [counted(9)], { expectedVersion: 0 });
      expect(ns(await store.queryEvents({ projectId: 'P', after: START, limit: 10 }))).toEqual([0, 1, 2]);
      expect(fake.allReads.at(-1)!.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['test-'] });
    });

    it('when a project is exported, it streams its events up to the head noted at the start, each without a proof (no chain here)', async () => {
      const fake = new FakeClient();
      const store = newStore(fake, 2);
      const s = stream();
      for (let i = 1; i <= 5; i++) await store.append(s, [counted(i)], { expectedVersion: 'any', attribution: [P] });
      fake.put('$stats-node', '$statsCollected');
      const { head, pages } = await store.exportEvents({ projectId: 'P' });
      expect(head).toEqual({
        chainSeq: null,
        hash: null,
        position: { transactionId: fake.log.at(-1)!.position.commit, sequence: fake.log.at(-1)!.position.prepare },
      });
      await store.append(s, [counted(6)], { expectedVersion: 'any', attribution: [P] });
      const exported: ExportedEvent[] = (await collect(pages)).flat();
      expect(ns(exported)).toEqual([1, 2, 3, 4, 5]);
      expect(exported.every((e) => e.proof === null && comparePositions(e.position, head.position!) < 0)).toBe(true);
      expect(ns((await collect((await store.exportEvents({ projectId: 'P' })).pages)).flat())).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('when $all is empty, the export has no head position and no events', async () => {
      const { head, pages } = await newStore(new FakeClient()).exportEvents({});
      expect(head).toEqual({ chainSeq: null, hash: null, position: null });
      expect(await collect(pages)).toEqual([]);
    });
  });

  describe('retired types whose upcaster needs the earlier types of the stream', () => {
    /** Counted.v0 was read differently after a reset: the upcaster needs to know whether Counted.v2 came before it. */
    const contextualRegistry = () =>
      EventRegistry.of(Counted).upcast(
        'Counted.v0',
        (p, { earlierTypes }) => ({
          type: 'Counted.v2',
          data: { ...(p as object), note: `after ${[...earlierTypes].sort().join(', ') || 'nothing'}` },
        }),
        { contextual: true },
      );

    it('when a stored event of such a type is read by readStream or readAll, the upcaster gets the types stored before it in its own stream', async () => {
      const fake = new FakeClient();
      const metadata = toKurrentMetadata(buildMetadata());
      const [s, other] = [stream(), stream()];
      fake.put(other, 'Counted.v2', { n: 0, note: 'another stream' }, metadata);
      fake.put(s, 'Counted.v0', { n: 1 }, metadata);
      fake.put(s, 'Counted.v2', { n: 2, note: 'current' }, metadata);
      fake.put(s, 'Counted.v0', { n: 3 }, metadata);
      const store = new KurrentDbEventStore(fake as unknown as KurrentClient, contextualRegistry(), { pageSize: 10 });

      const expected = [
        { type: 'Counted.v2', data: { n: 1, note: 'after nothing' } },
        { type: 'Counted.v2', data: { n: 2, note: 'current' } },
        { type: 'Counted.v2', data: { n: 3, note: 'after Counted.v0, Counted.v2' } },
      ];
      expect((await store.readStream(s)).map(({ type, data }) => ({ type, data }))).toEqual(expected);
      expect((await store.readStream(s, { from: 3 })).map(({ type, data }) => ({ type, data }))).toEqual([expected[2]]);
      const all = await store.readAll({ after: START, limit: 100 });
      expect(all.filter((e) => e.streamId === s).map(({ type, data }) => ({ type, data }))).toEqual(expected);
    });
  });

  describe('errors', () => {
    it('when the stream does not exist, readStream gives no events; when it was deleted, StreamDeleted', async () => {
      const fake = new FakeClient();
      expect(await newStore(fake).readStream(stream())).toEqual([]);
      fake.deleted.add('test-gone');
      await expect(newStore(fake).readStream('test-gone')).rejects.toBeInstanceOf(StreamDeleted);
      await expect(newStore(fake).append('test-gone', [counted(1)], { expectedVersion: 'any' })).rejects.toBeInstanceOf(StreamDeleted);
    });

    it('when the server is unreachable during an append, the append fails with EventStoreUnavailable', async () => {
      const fake = new FakeClient();
      fake.failOnce = { match: () => true, error: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }) };
      await expect(newStore(fake).append(stream(), [counted(1)], { expectedVersion: 0 })).rejects.toBeInstanceOf(EventStoreUnavailable);
    });
  });

  describe('watch (doorbell for the projection runners)', () => {
    it('when the subscription delivers an event, the listener rings; after an error it re-subscribes; stop ends it', async () => {
      const fake = new FakeClient();
      let rings = 0;
      const errors: unknown[] = [];
      const store = new KurrentDbEventStore(fake as unknown as KurrentClient, testRegistry(), { onWatchError: (e) => errors.push(e) });
      const stop = store.watch(() => rings++);
      fake.subscriptions[0]!.emit('data', {});
      expect(rings).toBe(1);
      fake.subscriptions[0]!.emit('error', new UnavailableError());
      fake.subscriptions[0]!.emit('end'); // error and end of one subscription: one re-subscription
      expect(errors[0]).toBeInstanceOf(EventStoreUnavailable);
      await new Promise((r) => setTimeout(r, 600));
      expect(fake.subscriptions).toHaveLength(2);
      expect(rings).toBe(2); // rung once on reconnect: events may have come while it was down
      stop();
    });
  });
});
