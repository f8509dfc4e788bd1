import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cursorCodec, InvalidCursor, type CursorSeal } from '../../src/application/cursor.js';
import { mapPage, pageOf } from '../../src/application/page.js';

const findings = cursorCodec('findings', ['instant', 'uuid']);
const projections = cursorCodec('projections', ['text', 'int']);
const feed = cursorCodec('events', ['position']);
const seal: CursorSeal = { key: Buffer.alloc(32, 7), scope: 'organisation:40003000000' };
/** A cursor body as this module writes it, sealed as it would seal it: what is refused here is refused for its content. */
const b64 = (value: unknown) => {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${body}.${createHmac('sha256', seal.key).update(`${seal.scope}\n${body}`).digest().subarray(0, 16).toString('base64url')}`;
};

describe('the cursor codec', () => {
  it('when a key is encoded, the cursor is base64url with its seal and decodes to the same key', () => {
    const key = ['2025-01-02T03:04:05.678Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7'] as const;
    const cursor = findings.encode(seal, key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(findings.decode(seal, cursor)).toEqual(key);
    expect(projections.decode(seal, projections.encode(seal, ['stream_catalogue', 3]))).toEqual(['stream_catalogue', 3]);
    expect(feed.decode(seal, feed.encode(seal, ['7412.1051']))).toEqual(['7412.1051']);
  });

  it('when a cursor is garbage, not base64url, not JSON or not canonical, decoding refuses it', () => {
    const canonical = projections.encode(seal, ['projects', 1]);
    for (const cursor of ['', 'page-2!', 'abc def', '%%%', 'x'.repeat(2000), `${canonical}=`, b64('x').slice(0, -1) + '*']) {
      expect(() => projections.decode(seal, cursor), cursor).toThrow(InvalidCursor);
    }
    expect(() => projections.decode(seal, Buffer.from('not json').toString('base64url'))).toThrow(InvalidCursor);
  });

  it("when a cursor is another list's, or its key has the wrong shape, decoding refuses it", () => {
    const refused = [
      findings.encode(seal, ['2025-01-02T03:04:05.678Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7']),
      b64(['projections']),
      b64(['projections', 'a', 1, 2]),
      b64(['projections', 1, 'a']),
      b64(['projections', 'a', 1.5]),
      b64(['projections', 'a\u0000b', 1]),
      b64(['projections', 'x'.repeat(501), 1]),
      b64({ list: 'projections', key: ['a', 1] }),
    ];
    for (const cursor of refused) expect(() => projections.decode(seal, cursor), cursor).toThrow(InvalidCursor);
    expect(() => findings.decode(seal, b64(['findings', '2025-02-30T00:00:00.000Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7']))).toThrow(
      InvalidCursor,
    );
    expect(() => findings.decode(seal, b64(['findings', '2025-01-02T03:04:05.678Z', "x' or 1=1 --"]))).toThrow(InvalidCursor);
    expect(() => feed.decode(seal, b64(['events', '1.2.3']))).toThrow(InvalidCursor);
  });
});

describe('the seal of a cursor', () => {
  const key = ['2025-01-02T03:04:05.678Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7'] as const;

  it('when a cursor is decoded for another scope or with another key, it is refused, whatever it names', () => {
    const cursor = findings.encode(seal, key);
    expect(() => findings.decode({ ...seal, scope: 'organisation:90000012345' }, cursor)).toThrow(InvalidCursor);
    expect(() => findings.decode({ ...seal, scope: 'all' }, cursor)).toThrow(InvalidCursor);
    expect(() => findings.decode({ ...seal, key: Buffer.alloc(32, 8) }, cursor)).toThrow(InvalidCursor);
    expect(() => findings.decode(seal, findings.encode({ ...seal, scope: 'all' }, key))).toThrow(InvalidCursor);
  });

  it('when any character of a cursor is changed, or its seal is dropped or moved, it is refused', () => {
    const cursor = findings.encode(seal, key);
    const [body, mac] = cursor.split('.') as [string, string];
    for (let i = 0; i < cursor.length; i++) {
      if (cursor[i] === '.') continue;
      const changed = `${cursor.slice(0, i)}${cursor[i] === 'A' ? 'B' : 'A'}${cursor.slice(i + 1)}`;
      expect(() => findings.decode(seal, changed), changed).toThrow(InvalidCursor);
    }
    const forged = Buffer.from(JSON.stringify(['findings', key[0], '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    for (const bad of [body, `${forged}.${mac}`, `${body}.`, `.${mac}`, `${body}.${mac}.${mac}`]) {
      expect(() => findings.decode(seal, bad), bad).toThrow(InvalidCursor);
    }
  });

  it('when the same position is encoded twice, the cursor is the same', () => {
    expect(findings.encode(seal, key)).toBe(findings.encode(seal, key));
  });
});

describe('a page', () => {
  it('when more rows were read than the limit, the page holds the limit and a cursor of its last item', () => {
    expect(pageOf([1, 2, 3], 2, (n) => `after-${n}`)).toEqual({ items: [1, 2], nextCursor: 'after-2' });
  });

  it('when no more rows were read than the limit, it is the last page', () => {
    expect(pageOf([1, 2], 2, (n) => `after-${n}`)).toEqual({ items: [1, 2], nextCursor: null });
    expect(pageOf([], 2, (n) => `after-${String(n)}`)).toEqual({ items: [], nextCursor: null });
  });

  it('when a page is mapped, only its items change', () => {
    expect(mapPage({ items: [1, 2], nextCursor: 'c' }, (n) => n * 10)).toEqual({ items: [10, 20], nextCursor: 'c' });
  });
});
