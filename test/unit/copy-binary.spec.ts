import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { binaryCopyRows } from '../../src/eventstore/postgres/copy-binary.js';

/** A binary COPY stream of text rows, as PostgreSQL writes it (a header extension of `extension` bytes). */
function copyStream(rows: (string | null)[][], extension = 0): Buffer {
  const parts = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(extension), Buffer.alloc(extension, 7)];
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const field of row) {
      if (field === null) parts.push(int32(-1));
      else {
        const bytes = Buffer.from(field, 'utf8');
        parts.push(int32(bytes.length), bytes);
      }
    }
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** The bytes as a socket might deliver them, `size` at a time. */
function inChunks(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function read(chunks: AsyncIterable<Buffer>): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for await (const chunk of binaryCopyRows(chunks)) for (const row of chunk) rows.push(row);
  return rows;
}

const ROWS: (string | null)[][] = [
  ['1\u001f2\u001fabc', 'budget-7', '{"a": "Iestāde „Ā”", "b": "\\"q\\""}', null, ''],
  ['', 'fund-RRF', '{}', 'x', 'Šķ€😀'],
  ['9', 'passport-1', '{"n": 1}', null, null],
];

describe('binary COPY rows', () => {
  it('reads every row and field (nulls, empty texts, multi-byte characters) however the stream is cut', async () => {
    const bytes = copyStream(ROWS, 3);
    for (const size of [1, 2, 3, 5, 7, 16, 64, bytes.length]) expect(await read(inChunks(bytes, size))).toEqual(ROWS);
  });

  it('reads a stream with no rows', async () => {
    expect(await read(inChunks(copyStream([]), 4))).toEqual([]);
  });

  it('refuses what is not a binary COPY stream, and a stream that ends inside its rows', async () => {
    await expect(read(inChunks(Buffer.from('id,name\n1,x\n'), 64))).rejects.toThrow(/not a PGCOPY stream/);
    const bytes = copyStream(ROWS);
    await expect(read(inChunks(bytes.subarray(0, bytes.length - 5), 8))).rejects.toThrow(/ended inside the rows/);
  });
});
