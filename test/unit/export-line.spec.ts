import { describe, expect, it } from 'vitest';
import type { EventEntry } from '../../src/application/history.js';
import { exportLineParts } from '../../src/audit/project-export.js';
import type { ChainLink } from '../../src/eventstore/port.js';

/** Every character class JSON escapes differently: quotes, backslashes, controls, line separators, Latvian letters, a lone surrogate. */
const AWKWARD = ['"', '\\', '\n', '\t', '\u0000', '\u001f', '\u2028', '\u2029', 'ā', 'Š', '€', '„', '”', '\ud800', '😀', '/', '<', ' '];

function awkward(seed: number, length = 12): string {
  let s = '';
  for (let i = 0; i < length; i++) s += AWKWARD[(seed * 31 + i * 7) % AWKWARD.length]!;
  return `x${s}`;
}

function entry(n: number): EventEntry {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    streamId: `budget-${awkward(n, 3)}`,
    streamType: 'budget',
    version: n + 1,
    type: 'InvoiceSubmitted.v1',
    recordedAt: '2024-07-15T09:00:00.123Z',
    position: `${1000 + n}.${n}`,
    actor: awkward(n + 1),
    organisation: '40003012345',
    role: n % 2 ? 'beneficiary' : awkward(n + 2, 2),
    correlationId: awkward(n + 3, 4),
    causationId: n % 3 ? null : awkward(n + 4, 4),
    requestId: 'req-1',
    description: {
      lv: `Finansējuma saņēmējs iesniedza rēķinu „${awkward(n + 5)}”`,
      en: `The beneficiary submitted invoice “${awkward(n + 6)}”`,
    },
    data: {
      number: awkward(n + 7),
      amountCents: 1_683_800_00 + n,
      lines: [{ text: awkward(n + 8), vat: null, ok: true }],
      nested: { a: [1, 2.5, -3] },
    },
  };
}

function link(n: number): ChainLink {
  const e = entry(n);
  return {
    chainSeq: 40_000 + n,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    eventId: e.eventId,
    streamId: e.streamId,
    version: e.version,
    type: n % 4 ? e.type : 'InvoiceSubmitted.v0',
    payloadText: JSON.stringify(e.data).replace(/,/g, ', ').replace(/":/g, '": '),
    metadataText: `{"actor": ${JSON.stringify(e.actor)}, "causationId": null}`,
    recordedAt: '2024-07-15T09:00:00.123456Z',
  };
}

const exportLine = (e: EventEntry, link: ChainLink | null) => exportLineParts(e, link).join('');

describe('an export line', () => {
  it('is the JSON of the line for every awkward character, its data the stored text itself unless the event was upcast', () => {
    for (let n = 0; n < 60; n++) {
      const e = entry(n);
      const l = link(n);
      const { eventId: _e, streamId: _s, version: _v, ...proof } = l;
      const line = exportLine(e, l);
      expect(JSON.parse(line)).toEqual({ ...e, proof });
      if (l.type === e.type) {
        // As stored (with the store's spacing), where JSON.stringify would have written it anew.
        expect(line).toContain(`,"data":${l.payloadText},"proof":`);
        expect(line).toBe(
          `${JSON.stringify({ ...e, proof }).replace(`,"data":${JSON.stringify(e.data)},`, `,"data":${l.payloadText},`)}\n`,
        );
      } else expect(line).toBe(`${JSON.stringify({ ...e, proof })}\n`);
    }
  });

  it('writes values with nothing to escape as they are, and the same text as JSON.stringify for every one', () => {
    for (const text of ['bench.loader', 'Iestāde „Ā” – €', 'emoji 😀 pair', 'DEL \u007f', '', 'a/b<c>']) {
      const e: EventEntry = { ...entry(1), actor: text, role: text, causationId: text, description: { lv: text, en: text } };
      expect(exportLine(e, link(1))).toBe(
        `${JSON.stringify({ ...e, proof: { ...link(1), eventId: undefined, streamId: undefined, version: undefined } })}\n`.replace(
          `,"data":${JSON.stringify(e.data)},`,
          `,"data":${link(1).payloadText},`,
        ),
      );
    }
  });

  it('writes a null proof for an event the chain has not linked', () => {
    const e = entry(7);
    const line = exportLine(e, null);
    expect(line).toBe(`${JSON.stringify({ ...e, proof: null })}\n`);
    expect(JSON.parse(line)).toMatchObject({ eventId: e.eventId, proof: null });
  });

  it('is one line: every newline inside a value is escaped, and a stored text laid out on lines is written anew', () => {
    const line = exportLine(entry(2), link(2));
    expect(line.indexOf('\n')).toBe(line.length - 1);
    const e = entry(3);
    const pretty = { ...link(3), payloadText: JSON.stringify(e.data, null, 2) };
    const written = exportLine(e, pretty);
    expect(written.indexOf('\n')).toBe(written.length - 1);
    expect(JSON.parse(written)).toMatchObject({ data: e.data });
  });
});
