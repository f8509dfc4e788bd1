/** One changed leaf between two JSON documents. */
export interface FieldChange {
  /** Dotted path, array items by index, e.g. `financing.costLines.0.maximumCents`. */
  path: string;
  /** Absent (undefined) when the field was added. */
  before?: unknown;
  /** Absent (undefined) when the field was removed. */
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field-level difference of two JSON values, leaves only, in a stable order. */
export function diff(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diff(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) =>
      diff(before[i], after[i], path ? `${path}.${i}` : String(i)),
    ).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) }];
}
