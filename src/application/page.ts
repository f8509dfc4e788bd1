/**
 * One page of a list: every list of the API answers this envelope, in a stable order on a
 * unique key, cursor-paged (keyset, never offsets).
 */
export interface Page<T> {
  /** At most `limit` items, in the list's order. */
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. Opaque: do not build or change it. */
  nextCursor: string | null;
}

/** What a client asks of a list: where to go on from (a previous page's `nextCursor`; none: the start) and how many. */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

/** Page size when the client names none, and the most a page may hold. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/**
 * The page of `rows`, read with `limit + 1` so the extra row tells that there is more; the
 * cursor is taken from the last row kept.
 */
export function pageOf<R>(rows: readonly R[], limit: number, cursorOf: (last: R) => string): Page<R> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit && items.length > 0 ? cursorOf(items.at(-1)!) : null };
}

/** The same page with each item shaped by `view`. */
export function mapPage<R, V>(page: Page<R>, view: (row: R) => V): Page<V> {
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}
