import { describe, expect, it } from 'vitest';
import { cursorCodec, InvalidCursor } from '../../src/application/cursor.js';
import { mapPage, pageOf } from '../../src/application/page.js';

const findings = cursorCodec('findings', ['instant', 'uuid']);
const projections = cursorCodec('projections', ['text', 'int']);
const feed = cursorCodec('events', ['position']);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('the cursor codec', () => {
  it('when a key is encoded, the cursor is base64url and decodes to the same key', () => {
    const key = ['2025-01-02T03:04:05.678Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7'] as const;
    const cursor = findings.encode(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(findings.decode(cursor)).toEqual(key);
    expect(projections.decode(projections.encode(['stream_catalogue', 3]))).toEqual(['stream_catalogue', 3]);
    expect(feed.decode(feed.encode(['7412.1051']))).toEqual(['7412.1051']);
  });

  it('when a cursor is garbage, not base64url, not JSON or not canonical, decoding refuses it', () => {
    const canonical = projections.encode(['projects', 1]);
    for (const cursor of ['', 'page-2!', 'abc def', '%%%', 'x'.repeat(2000), `${canonical}=`, b64('x').slice(0, -1) + '*']) {
      expect(() => projections.decode(cursor), cursor).toThrow(InvalidCursor);
    }
    expect(() => projections.decode(Buffer.from('not json').toString('base64url'))).toThrow(InvalidCursor);
  });

  it("when a cursor is another list's, or its key has the wrong shape, decoding refuses it", () => {
    const refused = [
      findings.encode(['2025-01-02T03:04:05.678Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7']),
      b64(['projections']),
      b64(['projections', 'a', 1, 2]),
      b64(['projections', 1, 'a']),
      b64(['projections', 'a', 1.5]),
      b64(['projections', 'a\u0000b', 1]),
      b64(['projections', 'x'.repeat(501), 1]),
      b64({ list: 'projections', key: ['a', 1] }),
    ];
    for (const cursor of refused) expect(() => projections.decode(cursor), cursor).toThrow(InvalidCursor);
    expect(() => findings.decode(b64(['findings', '2025-02-30T00:00:00.000Z', '6f1d3c2a-4b5e-4f60-8a71-92b3c4d5e6f7']))).toThrow(
      InvalidCursor,
    );
    expect(() => findings.decode(b64(['findings', '2025-01-02T03:04:05.678Z', "x' or 1=1 --"]))).toThrow(InvalidCursor);
    expect(() => feed.decode(b64(['events', '1.2.3']))).toThrow(InvalidCursor);
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
