import {
  ANY,
  AccessDeniedError,
  DeadlineExceededError,
  NO_STREAM,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  InvalidEventPayload,
  StreamDeleted,
  UnknownEventType,
} from '../../src/eventstore/errors.js';
import {
  CLAIMED,
  COMPLETED,
  RELEASED,
  InvalidStoredMetadata,
  completedData,
  foldClaim,
  fromKurrentMetadata,
  idempotencyStreamOf,
  idempotentEventId,
  isDomainEvent,
  isStreamNotFound,
  readStartFor,
  resultFromRecorded,
  toClientPosition,
  toEventStoreError,
  toGlobalPosition,
  toKurrentMetadata,
  toStoredEvent,
  toStreamState,
  uuidV5,
  versionOfState,
} from '../../src/eventstore/kurrentdb/mapping.js';
import { comparePositions, formatPosition, parsePosition } from '../../src/eventstore/position.js';
import { buildMetadata, testRegistry } from '../support/builders.js';

const metadata = buildMetadata({ actor: 'janis', role: 'officer', roles: ['officer', 'approver'], causationId: 'cause-1' });

function recorded(over: Partial<NonNullable<AllStreamResolvedEvent['event']>> = {}): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'test-1',
      id: '11111111-1111-4111-8111-111111111111',
      isJson: true,
      revision: 4n,
      type: 'Counted.v2',
      created: new Date('2026-11-23T10:00:00Z'),
      data: { n: 1, note: 'x' },
      metadata: toKurrentMetadata(metadata),
      position: { commit: 900n, prepare: 880n },
      ...over,
    } as NonNullable<AllStreamResolvedEvent['event']>,
  };
}

describe('KurrentDB mapping (pure, no server)', () => {
  describe('expected version → stream state', () => {
    it('when the expected version is 0, the stream must not exist (no_stream)', () => {
      expect(toStreamState(0)).toBe(NO_STREAM);
    });
    it('when the expected version is N, the last revision must be N-1', () => {
      expect(toStreamState(1)).toBe(0n);
      expect(toStreamState(42)).toBe(41n);
    });
    it("when the expected version is 'any', any state is accepted", () => {
      expect(toStreamState('any')).toBe(ANY);
    });
    it('when the expected version is negative or fractional, it is refused', () => {
      expect(() => toStreamState(-1)).toThrow(RangeError);
      expect(() => toStreamState(1.5)).toThrow(RangeError);
    });
    it('when the server reports a current state, it becomes the version: no_stream 0, revision r → r+1, deleted → null', () => {
      expect(versionOfState(NO_STREAM)).toBe(0);
      expect(versionOfState(0n)).toBe(1);
      expect(versionOfState(9n)).toBe(10);
      expect(versionOfState(-5n)).toBeNull();
      expect(versionOfState(-6n)).toBeNull();
    });
  });

  describe('positions ↔ GlobalPosition', () => {
    it('when a (commit, prepare) position is mapped, commit is the transaction id and prepare the sequence, and back', () => {
      const g = toGlobalPosition({ commit: 18_446_744_073_709_551_000n, prepare: 17n });
      expect(g).toEqual({ transactionId: 18_446_744_073_709_551_000n, sequence: 17n });
      expect(toClientPosition(g)).toEqual({ commit: 18_446_744_073_709_551_000n, prepare: 17n });
      expect(toGlobalPosition(toClientPosition(parsePosition('123.45')))).toEqual(parsePosition('123.45'));
    });
    it('when positions are compared, the order is $all order: commit first, then prepare', () => {
      const a = toGlobalPosition({ commit: 100n, prepare: 90n });
      const b = toGlobalPosition({ commit: 100n, prepare: 95n });
      const c = toGlobalPosition({ commit: 101n, prepare: 10n });
      expect(comparePositions(a, b)).toBe(-1);
      expect(comparePositions(b, c)).toBe(-1);
      expect(formatPosition(b)).toBe('100.95');
    });
    it('when reading after the start, the read starts at START; otherwise at the checkpoint itself', () => {
      expect(readStartFor({ transactionId: 0n, sequence: 0n })).toBe(START);
      expect(readStartFor({ transactionId: 7n, sequence: 3n })).toEqual({ commit: 7n, prepare: 3n });
    });
  });

  describe('metadata ↔ the client shape', () => {
    it('when metadata is written, correlation and causation use KurrentDB names and everything else is kept', () => {
      expect(toKurrentMetadata(metadata)).toEqual({
        actor: 'janis',
        organisation: metadata.organisation,
        role: 'officer',
        roles: ['officer', 'approver'],
        $correlationId: metadata.correlationId,
        $causationId: 'cause-1',
        requestId: metadata.requestId,
      });
    });
    it('when there is no causation, $causationId is left out and reads back as null', () => {
      const m = buildMetadata({ causationId: null });
      expect(toKurrentMetadata(m)).not.toHaveProperty('$causationId');
      expect(fromKurrentMetadata(JSON.parse(JSON.stringify(toKurrentMetadata(m))), 'e')).toEqual(m);
    });
    it('when metadata round-trips through JSON, it comes back equal', () => {
      expect(fromKurrentMetadata(JSON.parse(JSON.stringify(toKurrentMetadata(metadata))), 'e')).toEqual(metadata);
    });
    it('when an idempotency key is given, key and fingerprint are stored in the metadata but not read back into it', () => {
      const stored = toKurrentMetadata(metadata, { key: 'k-1', fingerprint: 'f-1' });
      expect(stored.idempotency).toEqual({ key: 'k-1', fingerprint: 'f-1' });
      expect(fromKurrentMetadata(stored, 'e')).toEqual(metadata);
    });
    it('when stored metadata is not ours, reading it fails naming the event and the field', () => {
      expect(() => fromKurrentMetadata({ actor: 'x' }, 'ev-9')).toThrow(InvalidStoredMetadata);
      expect(() => fromKurrentMetadata(undefined, 'ev-9')).toThrow(/ev-9/);
    });
  });

  describe('deterministic idempotent event ids', () => {
    it('when UUIDv5 is computed, it matches the RFC test vector (DNS namespace, python.org)', () => {
      expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    });
    it('when the same key, fingerprint and index are given, the same v5 id comes out; any change gives another', () => {
      const id = idempotentEventId('key-1', 'fp', 0);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(idempotentEventId('key-1', 'fp', 0)).toBe(id);
      const others = [idempotentEventId('key-1', 'fp', 1), idempotentEventId('key-2', 'fp', 0), idempotentEventId('key-1', 'fq', 0)];
      expect(new Set([id, ...others]).size).toBe(4);
    });
    it('when key and fingerprint could be spelled alike (a|b + c vs a + b|c), the ids still differ', () => {
      expect(idempotentEventId('a|b', 'c', 0)).not.toBe(idempotentEventId('a', 'b|c', 0));
    });
    it("when a key's claim stream is named, it is a reserved, fixed-length stream that is never a domain stream", () => {
      const s = idempotencyStreamOf('any key: with spaces/and slashes');
      expect(s).toMatch(/^es_idempotency-[0-9a-f]{64}$/);
      expect(idempotencyStreamOf('any key: with spaces/and slashes')).toBe(s);
      expect(isDomainEvent(s, CLAIMED)).toBe(false);
    });
  });

  describe('claim stream → state', () => {
    const claimed = { key: 'k', fingerprint: 'f', streamId: 'test-1', expectedVersion: 0, eventIds: ['a'] };
    const result = { streamId: 'test-1', nextVersion: 1, eventIds: ['a'], positions: [parsePosition('10.9')], duplicate: false };
    it('when nothing was claimed, there is no state', () => {
      expect(foldClaim([])).toBeNull();
    });
    it('when claimed and completed, the result is the stored first result with its positions', () => {
      const state = foldClaim([
        { type: CLAIMED, data: claimed, revision: 0n },
        { type: COMPLETED, data: JSON.parse(JSON.stringify(completedData(result))), revision: 1n },
      ]);
      expect(state).toMatchObject({ status: 'completed', revision: 1n, fingerprint: 'f', result });
    });
    it('when released and claimed again, the latest claim counts', () => {
      const state = foldClaim([
        { type: CLAIMED, data: claimed, revision: 0n },
        { type: RELEASED, data: {}, revision: 1n },
        { type: CLAIMED, data: { ...claimed, fingerprint: 'g' }, revision: 2n },
      ]);
      expect(state).toMatchObject({ status: 'claimed', revision: 2n, fingerprint: 'g' });
      expect(
        foldClaim([
          { type: CLAIMED, data: claimed, revision: 0n },
          { type: RELEASED, data: {}, revision: 1n },
        ]),
      ).toEqual({
        status: 'released',
        revision: 1n,
      });
    });
  });

  describe('append results read back from the stream', () => {
    const ev = (id: string, revision: bigint, commit: bigint) =>
      recorded({ id, revision, streamId: 'test-1', position: { commit, prepare: commit } }).event;
    it('when exactly the appended ids are found, the result has their versions and positions', () => {
      expect(resultFromRecorded('test-1', [ev('a', 2n, 50n), ev('b', 3n, 60n)], ['a', 'b'], true)).toEqual({
        streamId: 'test-1',
        nextVersion: 4,
        eventIds: ['a', 'b'],
        positions: [parsePosition('50.50'), parsePosition('60.60')],
        duplicate: true,
      });
    });
    it('when other events (or too few) are at that place, there is no result', () => {
      expect(resultFromRecorded('test-1', [ev('a', 2n, 50n), ev('x', 3n, 60n)], ['a', 'b'], false)).toBeNull();
      expect(resultFromRecorded('test-1', [ev('a', 2n, 50n)], ['a', 'b'], false)).toBeNull();
      expect(resultFromRecorded('test-1', [], [], false)).toBeNull();
    });
  });

  describe('resolved event → StoredEvent', () => {
    it('when a domain event is read, it has version revision+1, the stream type, metadata and its $all position', () => {
      expect(toStoredEvent(recorded(), testRegistry())).toEqual({
        id: '11111111-1111-4111-8111-111111111111',
        streamId: 'test-1',
        streamType: 'test',
        version: 5,
        type: 'Counted.v2',
        data: { n: 1, note: 'x' },
        metadata,
        recordedAt: new Date('2026-11-23T10:00:00Z'),
        position: { transactionId: 900n, sequence: 880n },
      });
    });
    it('when the stored type is retired, it is read through its upcaster', () => {
      expect(toStoredEvent(recorded({ type: 'Counted.v1', data: { n: 7 } }), testRegistry())).toMatchObject({
        type: 'Counted.v2',
        data: { n: 7, note: 'upcast from v1' },
      });
    });
    it('when the stored payload breaks its schema, or its type is unknown, reading fails', () => {
      expect(() => toStoredEvent(recorded({ data: { n: 'one', note: 'x' } }), testRegistry())).toThrow(InvalidEventPayload);
      expect(() => toStoredEvent(recorded({ type: 'Nope.v1' }), testRegistry())).toThrow(UnknownEventType);
    });
    it.each([
      ['a system stream', { streamId: '$stats-127.0.0.1:2113', type: '$statsCollected' }],
      ['a system event type in a normal stream', { type: '$metadata' }],
      ['a link event', { streamId: '$ce-test', type: '$>' }],
      ['an idempotency claim', { streamId: idempotencyStreamOf('k'), type: CLAIMED }],
      ['a stream not named <type>-<id>', { streamId: 'Foreign Stream' }],
    ])('when the event is %s, it is skipped (null)', (_what, over) => {
      expect(toStoredEvent(recorded(over), testRegistry())).toBeNull();
    });
    it('when a resolved link points to a deleted event, it is skipped', () => {
      expect(toStoredEvent({ event: undefined }, testRegistry())).toBeNull();
    });
  });

  describe('client errors → typed errors', () => {
    it('when the expected version is wrong, it is a ConcurrencyError with both versions', () => {
      const err = new WrongExpectedVersionError(undefined, { streamName: 'test-1', expected: 0n, current: 2n });
      const mapped = toEventStoreError(err, { streamId: 'test-1', expectedVersion: 1 });
      expect(mapped).toBeInstanceOf(ConcurrencyError);
      expect(mapped).toMatchObject({ streamId: 'test-1', expectedVersion: 1, actualVersion: 3 });
      const fresh = new WrongExpectedVersionError(undefined, { streamName: 'test-2', expected: 4n, current: NO_STREAM });
      expect(toEventStoreError(fresh)).toMatchObject({ streamId: 'test-2', expectedVersion: 5, actualVersion: 0 });
    });
    it('when the stream was deleted or tombstoned, it is StreamDeleted', () => {
      expect(toEventStoreError(StreamDeletedError.fromStreamName('test-1'))).toEqual(new StreamDeleted('test-1'));
      const tombstoned = new WrongExpectedVersionError(undefined, { streamName: 'test-3', expected: 0n, current: -6n });
      expect(toEventStoreError(tombstoned)).toBeInstanceOf(StreamDeleted);
    });
    it('when the server cannot be reached or does not answer in time, it is EventStoreUnavailable', () => {
      expect(toEventStoreError(new UnavailableError())).toBeInstanceOf(EventStoreUnavailable);
      expect(toEventStoreError(new DeadlineExceededError())).toBeInstanceOf(EventStoreUnavailable);
      const raw = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
      expect(toEventStoreError(raw)).toBeInstanceOf(EventStoreUnavailable);
    });
    it('when credentials are refused, it is EventStoreAccessDenied saying what to check', () => {
      const mapped = toEventStoreError(new AccessDeniedError());
      expect(mapped).toBeInstanceOf(EventStoreAccessDenied);
      expect((mapped as Error).message).toMatch(/KURRENTDB_URL/);
      expect(toEventStoreError(Object.assign(new Error('16 UNAUTHENTICATED'), { code: 16 }))).toBeInstanceOf(EventStoreAccessDenied);
    });
    it('when the error is none of these, it is passed on unchanged', () => {
      const other = new Error('boom');
      expect(toEventStoreError(other)).toBe(other);
      expect(isStreamNotFound(new StreamNotFoundError(undefined, 'x'))).toBe(true);
      expect(isStreamNotFound(other)).toBe(false);
    });
  });
});
