/**
 * Rows of PostgreSQL's binary COPY format, read from the stream of its bytes
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): an 11-byte
 * signature, a 32-bit flags field and a header extension of a given length; then each row as
 * a 16-bit field count and, per field, a 32-bit length (-1 for null) and that many bytes; then
 * a count of -1. A text column's bytes are its UTF-8 text as stored, with no escaping to undo.
 *
 * The columns are all read as text (`null` for SQL null). Each chunk of the stream gives the
 * rows it completes, each decoded only when the reader asks for it: memory holds a chunk of
 * bytes and the rows being handled, however far the server is ahead (decoding a whole chunk at
 * once kept its rows alive long enough to reach the old generation, and the export then ran
 * half as fast), and waiting costs once a chunk rather than once a row.
 */
export async function* binaryCopyRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Iterable<(string | null)[]>> {
  const reader = new Reader();
  for await (const chunk of chunks) yield reader.rows(chunk);
  if (!reader.ended) throw new Error('binary COPY: the stream ended inside the rows');
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

class Reader {
  private buffer: Buffer = Buffer.alloc(0);
  private headerRead = false;
  ended = false;

  /** The rows `chunk` completes; the bytes of a row it ends inside wait for the next chunk. */
  *rows(chunk: Buffer): Generator<(string | null)[]> {
    if (this.ended) throw new Error('binary COPY: data after the end of the rows');
    const buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    if (!this.headerRead) {
      const start = this.header(buffer);
      if (start === null) {
        this.buffer = buffer;
        return;
      }
      offset = start;
      this.headerRead = true;
    }
    for (;;) {
      if (buffer.length - offset < 2) break;
      const count = buffer.readInt16BE(offset);
      if (count === -1) {
        this.ended = true;
        offset += 2;
        break;
      }
      const row = readRow(buffer, offset, count);
      if (row === null) break;
      offset = row.next;
      yield row.fields;
    }
    this.buffer = buffer.subarray(offset);
  }

  /** Where the rows start, or null while the header is incomplete. */
  private header(buffer: Buffer): number | null {
    const signed = buffer.subarray(0, SIGNATURE.length);
    if (!signed.equals(SIGNATURE.subarray(0, signed.length))) throw new Error('binary COPY: not a PGCOPY stream');
    if (buffer.length < SIGNATURE.length + 8) return null;
    const start = SIGNATURE.length + 8 + buffer.readUInt32BE(SIGNATURE.length + 4);
    return buffer.length < start ? null : start;
  }
}

/** The row of `count` fields at `start`, or null when the buffer ends inside it. */
function readRow(buffer: Buffer, start: number, count: number): { fields: (string | null)[]; next: number } | null {
  const fields: (string | null)[] = [];
  let at = start + 2;
  for (let i = 0; i < count; i++) {
    if (buffer.length - at < 4) return null;
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length === -1) {
      fields.push(null);
      continue;
    }
    if (buffer.length - at < length) return null;
    fields.push(buffer.toString('utf8', at, at + length));
    at += length;
  }
  return { fields, next: at };
}
