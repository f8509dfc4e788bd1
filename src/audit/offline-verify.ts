import { createHash } from 'node:crypto';

/**
 * One line of the log export (`GET /audit/export`): an event exactly as it was hashed.
 * The text fields are the stored forms, so nothing has to be re-serialised to check them.
 */
export interface ExportedLink {
  chainSeq: number;
  /** Hex sha256 of this link. */
  hash: string;
  position: string;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  /** The payload as PostgreSQL prints the stored jsonb. */
  payloadText: string;
  metadataText: string;
  /** UTC, microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  recordedAt: string;
}

export interface OfflineReport {
  ok: boolean;
  links: number;
  /** Hex hash of the last link: compare it with an anchor recorded earlier. */
  head: string;
  firstProblem: { line: number; chainSeq: number | null; reason: string } | null;
}

const GENESIS = Buffer.alloc(32);

/**
 * The documented algorithm, with no database: for each line in chain order,
 * input = eventId ⏎ streamId ⏎ version ⏎ type ⏎ payloadText ⏎ metadataText ⏎ recordedAt (UTF-8),
 * hash = sha256(previous hash bytes || input), the first previous hash being 32 zero bytes.
 */
export function verifyExport(lines: Iterable<string>): OfflineReport {
  let prev = GENESIS;
  let expected = 1;
  let n = 0;
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    n++;
    const fail = (chainSeq: number | null, reason: string): OfflineReport => ({
      ok: false,
      links: n - 1,
      head: prev.toString('hex'),
      firstProblem: { line: n, chainSeq, reason },
    });
    let link: ExportedLink;
    try {
      link = JSON.parse(raw) as ExportedLink;
    } catch {
      return fail(null, 'not a JSON line');
    }
    if (link.chainSeq !== expected) return fail(link.chainSeq, `expected link ${expected}: a link is missing or out of order`);
    const input = [link.eventId, link.streamId, String(link.version), link.type, link.payloadText, link.metadataText, link.recordedAt].join(
      '\n',
    );
    const hash = createHash('sha256').update(prev).update(input, 'utf8').digest();
    if (hash.toString('hex') !== link.hash) return fail(link.chainSeq, 'the event does not hash to its link (altered)');
    prev = hash;
    expected++;
  }
  return { ok: true, links: n, head: prev.toString('hex'), firstProblem: null };
}
