import { describe, expect, it } from 'vitest';
import { attributionOf, fromKurrentMetadata, isDomainEvent, toKurrentMetadata } from '../../src/eventstore/kurrentdb/mapping.js';
import {
  STREAM_ATTRIBUTED,
  beneficiaryIndexStream,
  escapeRegex,
  exactStreamsRegex,
  indexEntriesFor,
  indexEntryId,
  matchesQuery,
  planQuery,
  projectIndexStream,
  streamsOfIndex,
  type Candidate,
} from '../../src/eventstore/kurrentdb/query.js';
import type { Attribution } from '../../src/eventstore/port.js';
import { buildMetadata } from '../support/builders.js';

const P: Attribution = { projectId: 'P-1', organisation: '40003000001' };
const Q: Attribution = { projectId: 'Q-2', organisation: '40003000002' };
const officer = buildMetadata({ actor: 'ilze', organisation: '90000000001', role: 'officer' });

function candidate(over: Partial<Candidate> & { attribution?: Attribution[] } = {}): Candidate {
  const { attribution = [P], ...rest } = over;
  return {
    streamId: 'budget-P-1',
    type: 'InvoiceSubmitted.v1',
    metadata: JSON.parse(JSON.stringify(toKurrentMetadata(officer, undefined, attribution))) as unknown,
    created: new Date('2026-12-01T10:00:00.000Z'),
    ...rest,
  };
}

describe('KurrentDB queries (pure, no server)', () => {
  describe('attribution in the event metadata', () => {
    it('when an append carries an attribution, each event stores it, and the metadata read back is exactly what was passed', () => {
      const stored = JSON.parse(JSON.stringify(toKurrentMetadata(officer, undefined, [P, { projectId: 'S', organisation: null }])));
      expect(stored.attribution).toEqual([P, { projectId: 'S', organisation: null }]);
      expect(fromKurrentMetadata(stored, 'e')).toEqual(officer);
      expect(attributionOf(stored)).toEqual([P, { projectId: 'S', organisation: null }]);
    });
    it('when there is no attribution, none is stored, and any malformed one reads as none', () => {
      expect(toKurrentMetadata(officer, undefined, [])).not.toHaveProperty('attribution');
      expect(toKurrentMetadata(officer)).not.toHaveProperty('attribution');
      expect(attributionOf(toKurrentMetadata(officer))).toEqual([]);
      expect(attributionOf({ attribution: [{ projectId: 7 }] })).toEqual([]);
      expect(attributionOf(undefined)).toEqual([]);
    });
  });

  describe('index streams', () => {
    it('when a stream is attributed, it needs one entry per project and per named beneficiary, each with a fixed id', () => {
      const entries = indexEntriesFor('budget-P-1', [P, Q, { projectId: 'S', organisation: null }, P]);
      expect(entries.map((e) => e.indexStream)).toEqual([
        projectIndexStream('P-1'),
        beneficiaryIndexStream('40003000001'),
        projectIndexStream('Q-2'),
        beneficiaryIndexStream('40003000002'),
        projectIndexStream('S'),
      ]);
      expect(entries[0]).toEqual({
        indexStream: 'es_project_streams-P-1',
        id: indexEntryId('es_project_streams-P-1', 'budget-P-1'),
        data: { streamId: 'budget-P-1', projectId: 'P-1', organisation: '40003000001' },
      });
    });
    it('when the same stream is announced again, its id is the same; another stream or index gets another id', () => {
      const id = indexEntryId(projectIndexStream('P-1'), 'budget-P-1');
      expect(indexEntryId(projectIndexStream('P-1'), 'budget-P-1')).toBe(id);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(indexEntryId(projectIndexStream('P-1'), 'budget-P-2')).not.toBe(id);
      expect(indexEntryId(beneficiaryIndexStream('P-1'), 'budget-P-1')).not.toBe(id);
      // Length-prefixed: moving the boundary between the two parts changes the id.
      expect(indexEntryId('a|b', 'c')).not.toBe(indexEntryId('a', 'b|c'));
    });
    it('when an index is read, each stream counts once and anything that is not an entry is ignored', () => {
      const data = (streamId: unknown) => ({ streamId, projectId: 'P-1', organisation: null });
      expect(
        streamsOfIndex([
          { type: STREAM_ATTRIBUTED, data: data('budget-P-1') },
          { type: STREAM_ATTRIBUTED, data: data('finding-9') },
          { type: STREAM_ATTRIBUTED, data: data('budget-P-1') },
          { type: '$metadata', data: data('x-1') },
          { type: STREAM_ATTRIBUTED, data: data(42) },
          { type: STREAM_ATTRIBUTED, data: null },
        ]),
      ).toEqual(new Set(['budget-P-1', 'finding-9']));
    });
    it('when events of index streams are met in $all, they are not domain events', () => {
      expect(isDomainEvent(projectIndexStream('P-1'), STREAM_ATTRIBUTED)).toBe(false);
      expect(isDomainEvent(beneficiaryIndexStream('4000'), STREAM_ATTRIBUTED)).toBe(false);
      expect(isDomainEvent('budget-P-1', 'InvoiceSubmitted.v1')).toBe(true);
    });
  });

  describe('regexes for the server', () => {
    it("when a name holds a regex's special characters, each is escaped, so the name matches itself and nothing else", () => {
      const names = ['test-a.b', 'test-a+b(c)', 'test-[x]{2}', 'test-^$|?*#\\', 'test-with space\ttab'];
      for (const name of names) {
        const re = new RegExp(`^${escapeRegex(name)}$`);
        expect(re.test(name)).toBe(true);
        expect(re.test(`${name}x`)).toBe(false);
      }
      expect(new RegExp(`^${escapeRegex('test-a.b')}$`).test('test-aXb')).toBe(false);
      expect(escapeRegex('InvoiceSubmitted.v1')).toBe('InvoiceSubmitted\\.v1');
      expect(escapeRegex('a b')).toBe('a\\u0020b');
    });
    it('when streams are named, the regex is anchored: exactly those names, not a longer or shorter one', () => {
      const regex = exactStreamsRegex(['test-b', 'test-a.1']);
      expect(regex).toBe('^(?:test-a\\.1|test-b)$');
      const re = new RegExp(regex);
      expect(['test-a.1', 'test-b'].every((s) => re.test(s))).toBe(true);
      expect(['test-a-1', 'test-bb', 'xtest-b', 'test-', 'test-a.10'].some((s) => re.test(s))).toBe(false);
    });
  });

  describe('the server-side filter of a query', () => {
    const indexed = new Set(['budget-P-1', 'finding-7', 'passport-P-1']);

    it("when a project's streams are known, the server is asked for exactly them (of the asked stream type)", () => {
      expect(planQuery({ projectId: 'P-1' }, indexed)).toMatchObject({
        filter: { filterOn: 'streamName', regex: '^(?:budget-P-1|finding-7|passport-P-1)$' },
        streams: indexed,
      });
      expect(planQuery({ projectId: 'P-1', streamType: 'budget', type: 'InvoiceSubmitted.v1' }, indexed)).toMatchObject({
        filter: { filterOn: 'streamName', regex: '^(?:budget-P-1)$' },
        streams: new Set(['budget-P-1']),
      });
    });
    it('when the index has no stream (of the asked type), nothing can match and no read is needed', () => {
      expect(planQuery({ projectId: 'P-1' }, new Set())).toBeNull();
      expect(planQuery({ projectId: 'P-1', streamType: 'indicator' }, indexed)).toBeNull();
    });
    it('when a project has more streams than one regex should name, the server filters on their stream types', () => {
      expect(planQuery({ beneficiary: '4000' }, indexed, 2)).toMatchObject({
        filter: { filterOn: 'streamName', prefixes: ['budget-', 'finding-', 'passport-'] },
        streams: indexed,
      });
    });
    it('when no project is named, the stream type, else the event type, else "no system events" is what the server filters on', () => {
      expect(planQuery({ streamType: 'budget', type: 'X.v1' }, null)).toMatchObject({
        filter: { filterOn: 'streamName', prefixes: ['budget-'] },
        streams: null,
      });
      expect(planQuery({ type: 'InvoiceSubmitted.v1', actor: 'x' }, null)).toMatchObject({
        filter: { filterOn: 'eventType', regex: '^InvoiceSubmitted\\.v1$' },
      });
      const none = planQuery({}, null)!.filter;
      expect(none).toMatchObject({ filterOn: 'eventType' });
      const re = new RegExp((none as { regex: string }).regex);
      expect(re.test('InvoiceSubmitted.v1')).toBe(true);
      expect(re.test('$metadata')).toBe(false);
    });
  });

  describe('the check of each event', () => {
    it("when the query names a project or a beneficiary, the event's own attribution decides, on one entry", () => {
      expect(matchesQuery(candidate(), { projectId: 'P-1' })).toBe(true);
      expect(matchesQuery(candidate(), { projectId: 'Q-2' })).toBe(false);
      expect(matchesQuery(candidate({ attribution: [P, Q] }), { projectId: 'Q-2' })).toBe(true);
      expect(matchesQuery(candidate({ attribution: [] }), { projectId: 'P-1' })).toBe(false);
      expect(matchesQuery(candidate(), { beneficiary: '40003000001' })).toBe(true);
      expect(matchesQuery(candidate(), { beneficiary: '90000000001' })).toBe(false); // the actor's organisation is not the beneficiary
      expect(matchesQuery(candidate({ attribution: [P, Q] }), { projectId: 'P-1', beneficiary: '40003000002' })).toBe(false);
      expect(matchesQuery(candidate({ attribution: [{ projectId: 'S', organisation: null }] }), { projectId: 'S' })).toBe(true);
    });
    it('when other filters are given, each narrows: stream type, stored type, actor, organisation, from and to (inclusive)', () => {
      const e = candidate();
      expect(matchesQuery(e, { streamType: 'budget' })).toBe(true);
      expect(matchesQuery(e, { streamType: 'budge' })).toBe(false);
      expect(matchesQuery(e, { type: 'InvoiceSubmitted.v1' })).toBe(true);
      expect(matchesQuery(e, { type: 'InvoiceSubmitted.v2' })).toBe(false);
      expect(matchesQuery(e, { actor: 'ilze' })).toBe(true);
      expect(matchesQuery(e, { actor: 'anna' })).toBe(false);
      expect(matchesQuery(e, { organisation: '90000000001' })).toBe(true);
      expect(matchesQuery(e, { organisation: '40003000001' })).toBe(false);
      expect(matchesQuery(e, { from: e.created, to: e.created })).toBe(true);
      expect(matchesQuery(e, { from: new Date(e.created.getTime() + 1) })).toBe(false);
      expect(matchesQuery(e, { to: new Date(e.created.getTime() - 1) })).toBe(false);
      expect(matchesQuery(e, { projectId: 'P-1', streamType: 'budget', actor: 'ilze', organisation: '90000000001' })).toBe(true);
    });
    it("when the streams to read are known, an event of another stream (a prefix filter's extra) is left out", () => {
      expect(matchesQuery(candidate(), { projectId: 'P-1' }, new Set(['budget-P-1']))).toBe(true);
      expect(matchesQuery(candidate({ streamId: 'budget-P-10' }), { projectId: 'P-1' }, new Set(['budget-P-1']))).toBe(false);
    });
    it("when an event is the server's own, an index entry or an idempotency claim, it is never an answer", () => {
      expect(matchesQuery(candidate({ type: '$metadata' }), {})).toBe(false);
      expect(matchesQuery(candidate({ streamId: '$stats-node' }), {})).toBe(false);
      expect(matchesQuery(candidate({ streamId: projectIndexStream('P-1'), type: STREAM_ATTRIBUTED }), {})).toBe(false);
      expect(matchesQuery(candidate({ streamId: 'es_idempotency-abc', type: 'IdempotencyClaimed' }), {})).toBe(false);
      expect(matchesQuery(candidate({ metadata: undefined }), { actor: 'ilze' })).toBe(false);
    });
  });
});
