import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 5, RFC 9562): the same namespace and name always give the same id.
 * Workflows derive the ids of what a step creates from what triggered it, so a repeated step
 * (a retry, a workflow resumed after a restart) finds what the first one stored.
 */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
