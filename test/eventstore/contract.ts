import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, IdempotencyKeyReused, InvalidEventPayload, UnknownEventType } from '../../src/eventstore/errors.js';
import type { EventStore, StoredEvent } from '../../src/eventstore/port.js';
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
