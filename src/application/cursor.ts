import { createHmac, timingSafeEqual } from 'node:crypto';
import { visibilityScope, type Viewer } from '../auth/scope.js';
import { serviceKeys, type KeyConfig } from './keys.js';

/*
 * The one cursor codec of every paginated list. A cursor is opaque to clients: the base64url of
 * the list's name and the sort key of the last item a page held, then a dot and an HMAC over it
 * and the scope of the caller it was issued to (a beneficiary's organisation; every other role
 * sees every object). So a cursor cannot be made or changed by a client, and one issued to
 * another organisation (or to an officer, whose lists hold everyone's objects) is refused with
 * 400 whatever it names: a position in a list can never tell that some object exists. Decoding
 * also refuses anything that is not exactly what this module would have written for that list,
 * so a cursor can only position a list, never inject a value a query would choke on.
 */

/** A cursor that was not written by this service for this list and this caller. Answered 400 naming `cursor`. */
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

/** Who a cursor is for: the service's cursor key and the caller's scope. */
export interface CursorSeal {
  readonly key: Uint8Array;
  /** What the caller may see of every list: `all`, or `organisation:<registration number>`. */
  readonly scope: string;
}

/** The seal of the cursors this caller receives and may send back. */
export function cursorSeal(config: KeyConfig, viewer: Viewer): CursorSeal {
  return { key: serviceKeys(config).cursor, scope: visibilityScope(viewer) };
}

/**
 * The seal of a list only roles that see every object may read (its route's roles say so: the
 * officers' alert queue, the auditors' history, the operators' projections).
 */
export function cursorSealForAll(config: KeyConfig): CursorSeal {
  return { key: serviceKeys(config).cursor, scope: 'all' };
}

export interface CursorCodec<S extends readonly KeyPart[]> {
  encode(seal: CursorSeal, key: KeyOf<S>): string;
  /** The key a cursor holds; throws {@link InvalidCursor} for anything else, and for a cursor sealed for another scope. */
  decode(seal: CursorSeal, cursor: string): KeyOf<S>;
}

/** Longest cursor accepted: keys are a few short values. */
const MAX_LENGTH = 1024;
/** Bytes of the HMAC-SHA256 kept: 128 bits. */
const MAC_BYTES = 16;
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

const macOf = (seal: CursorSeal, body: string) =>
  createHmac('sha256', seal.key).update(seal.scope).update('\n').update(body).digest().subarray(0, MAC_BYTES);

/** Bytes of a base64url text, only when it is the canonical spelling of them (what encode() writes). */
function canonicalBytes(text: string): Buffer | null {
  if (text.length === 0 || !BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** The codec of one list (`list` names it inside the cursor, so one list's cursor is refused by another). */
export function cursorCodec<const S extends readonly KeyPart[]>(list: string, parts: S): CursorCodec<S> {
  return {
    encode(seal, key) {
      const body = Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
      return `${body}.${macOf(seal, body).toString('base64url')}`;
    },
    decode(seal, cursor) {
      if (cursor.length > MAX_LENGTH) throw new InvalidCursor('not base64url');
      const [body = '', mac = '', ...more] = cursor.split('.');
      const bytes = canonicalBytes(body);
      const given = canonicalBytes(mac);
      if (!bytes || !given || more.length > 0) throw new InvalidCursor('not base64url');
      // Checked before anything in it is read: one answer whether it was changed, made up, or issued to another scope.
      if (given.length !== MAC_BYTES || !timingSafeEqual(given, macOf(seal, body))) throw new InvalidCursor('not issued to you');
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
