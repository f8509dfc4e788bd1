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
  type Position,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreUnavailable, IdempotencyKeyReused, StreamDeleted } from '../../src/eventstore/errors.js';
import { KurrentDbEventStore, type KurrentClient } from '../../src/eventstore/kurrentdb/adapter.js';
import { COMPLETED, idempotencyStreamOf, toKurrentMetadata } from '../../src/eventstore/kurrentdb/mapping.js';
import { START } from '../../src/eventstore/position.js';
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
      const rec = this.put(streamId, e.type, e.data, e.metadata);
      rec.id = e.id;
    }
    return { success: true, nextExpectedRevision: BigInt(this.stream(streamId).length - 1), position: undefined };
  }

  readStream(streamId: string, o: { fromRevision?: bigint | 'start' | 'end'; maxCount?: number | bigint; direction?: string } = {}) {
    // Read when iterated, as the real client does: a deleted or missing stream fails then, not at the call.
    const deleted = () => this.deleted.has(streamId);
    const records = () => this.stream(streamId);
    return (async function* () {
      if (deleted()) throw StreamDeletedError.fromStreamName(streamId);
      let recs = records();
      if (recs.length === 0) throw new StreamNotFoundError(undefined, streamId);
      if (o.direction === 'backwards') recs = [...recs].reverse();
      if (typeof o.fromRevision === 'bigint') {
        const from = o.fromRevision;
        recs = recs.filter((r) => (o.direction === 'backwards' ? r.revision <= from : r.revision >= from));
      }
      for (const r of recs.slice(0, Number(o.maxCount ?? Number.MAX_SAFE_INTEGER))) yield { event: { ...r } };
    })();
  }

  readAll(o: { fromPosition?: Position | 'start' | 'end'; maxCount?: number | bigint } = {}) {
    const log = () => this.log;
    return (async function* () {
      const from = o.fromPosition;
      const recs = log().filter((r) => typeof from !== 'object' || r.position.commit >= from.commit);
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
