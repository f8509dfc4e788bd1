/*
 * The one cursor codec of every paginated list. A cursor is opaque to clients: the base64url
 * of the list's name and the sort key of the last item a page held. Decoding refuses anything
 * that is not exactly what this module would have written for that list, so a cursor can only
 * position a list, never inject a value a query would choke on. Signing cursors, when it comes,
 * belongs here and nowhere else.
 */

/** A cursor that was not written by this service for this list. Answered 400 naming `cursor`. */
export class InvalidCursor extends Error {
  constructor(readonly reason: string) {
    super(`cursor is not a cursor of this list (${reason}); pass the nextCursor of a previous page, or no cursor for the first page`);
    this.name = 'InvalidCursor';
  }
}

/** What one part of a sort key may hold; each is checked on decoding. */
export type KeyPart = 'uuid' | 'text' | 'int' | 'instant' | 'position';

type PartValue<P extends KeyPart> = P extends 'int' ? number : string;
/** The decoded key: a number for `int`, a string for everything else (instants as ISO 8601 UTC). */
export type KeyOf<S extends readonly KeyPart[]> = { [I in keyof S]: PartValue<S[I]> };

export interface CursorCodec<S extends readonly KeyPart[]> {
  encode(key: KeyOf<S>): string;
  /** The key a cursor holds; throws {@link InvalidCursor} for anything else. */
  decode(cursor: string): KeyOf<S>;
}

/** Longest cursor accepted: keys are a few short values. */
const MAX_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const POSITION = /^\d{1,20}\.\d{1,20}$/;

const VALID: Record<KeyPart, (v: unknown) => boolean> = {
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  // No NUL: PostgreSQL text cannot hold it.
  text: (v) => typeof v === 'string' && v.length <= 500 && !v.includes('\u0000'),
  int: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  instant: (v) => typeof v === 'string' && INSTANT.test(v) && new Date(v).toISOString() === v,
  position: (v) => typeof v === 'string' && POSITION.test(v),
};

/** The codec of one list (`list` names it inside the cursor, so one list's cursor is refused by another). */
export function cursorCodec<const S extends readonly KeyPart[]>(list: string, parts: S): CursorCodec<S> {
  return {
    encode: (key) => Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url'),
    decode(cursor) {
      if (cursor.length === 0 || cursor.length > MAX_LENGTH || !BASE64URL.test(cursor)) throw new InvalidCursor('not base64url');
      const bytes = Buffer.from(cursor, 'base64url');
      // Only the canonical spelling: what encode() writes, byte for byte.
      if (bytes.toString('base64url') !== cursor) throw new InvalidCursor('not base64url');
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new InvalidCursor('unreadable');
      }
      if (!Array.isArray(value) || value[0] !== list) throw new InvalidCursor(`not a cursor of ${list}`);
      const key = value.slice(1);
      if (key.length !== parts.length || !parts.every((p, i) => VALID[p](key[i]))) throw new InvalidCursor('malformed position');
      return key as KeyOf<S>;
    },
  };
}
