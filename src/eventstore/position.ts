/**
 * A place in the global order of events. The order is (transaction id, sequence): a
 * sequence number alone is not safe to checkpoint, because a transaction that drew
 * sequence N can commit after one that drew N+1 has been read. Readers only see events
 * of transactions older than the oldest one still running, so nothing can later appear
 * before a position once a reader has passed it.
 *
 * Serialised as `"<transactionId>.<sequence>"`, e.g. `"7412.1051"`; compare with
 * {@link comparePositions}, never as strings.
 */
export interface GlobalPosition {
  readonly transactionId: bigint;
  readonly sequence: bigint;
}

export const START: GlobalPosition = Object.freeze({ transactionId: 0n, sequence: 0n });

const PATTERN = /^(\d{1,20})\.(\d{1,20})$/;

export class InvalidPosition extends Error {
  constructor(readonly value: string) {
    super(`"${value}" is not a global position (expected "<transactionId>.<sequence>", e.g. "0.0")`);
    this.name = 'InvalidPosition';
  }
}

export function formatPosition(p: GlobalPosition): string {
  return `${p.transactionId}.${p.sequence}`;
}

export function parsePosition(value: string): GlobalPosition {
  const m = PATTERN.exec(value);
  if (!m) throw new InvalidPosition(value);
  return { transactionId: BigInt(m[1]!), sequence: BigInt(m[2]!) };
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  if (a.sequence !== b.sequence) return a.sequence < b.sequence ? -1 : 1;
  return 0;
}
