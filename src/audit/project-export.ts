import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { csvUnguard } from '../application/csv.js';
import type { EventEntry } from '../application/history.js';
import type { ChainLink } from '../eventstore/port.js';

/**
 * A project's export (`GET /history/projects/{projectId}/export`): every event of every stream
 * of the project, in global order, each with its link in the log's hash chain, so it can be
 * checked offline (`npm run verify-export -- FILE`) with no database:
 *
 * - each event's link recomputes: `hash = sha256(prevHash || input)` over the exact stored text;
 * - the readable fields (event id, stream, version) are the ones the link covers;
 * - links come in chain order, none after the head the export was cut at;
 * - each stream's versions run 1, 2, 3 … with no gap, up to the version the summary states,
 *   so no event of a stream can be left out unnoticed;
 * - what a line says in words is what its link covers: actor, organisation, role, request,
 *   correlation and causation ids as in the hashed metadata, the time as hashed, and the payload
 *   (`data`) as hashed, unless the type was upcast since (`proof.type` then names the stored one);
 * - the summary's count and stream versions match the events found.
 *
 * The head's hash is the chain's at export time: compare it with `GET /audit/verify` or an
 * anchor recorded outside the database to tie the export to the live log.
 */
export const PROJECT_EXPORT_FORMAT = 'grants-project-export/1';

/** The first JSON line: what the export is of, and the cut of the chain it covers. */
export interface ProjectExportHeader {
  format: typeof PROJECT_EXPORT_FORMAT;
  projectId: string;
  exportedAt: string;
  /** The chain's last link when the export was cut (chainSeq null: the store keeps no chain). */
  head: { chainSeq: number | null; hash: string | null; position: string | null };
}

/** The last JSON line. */
export interface ProjectExportSummary {
  events: number;
  /** Each stream of the project and its last version in the export. */
  streams: Record<string, number>;
}

/** The event fields a CSV row holds, in order; `description`, `data` and `proof` are flattened after them. */
export const EXPORT_CSV_COLUMNS = [
  'position',
  'recordedAt',
  'streamId',
  'streamType',
  'version',
  'type',
  'eventId',
  'actor',
  'organisation',
  'role',
  'correlationId',
  'causationId',
  'requestId',
  'descriptionLv',
  'descriptionEn',
  'data',
  'chainSeq',
  'prevHash',
  'hash',
  'storedType',
  'payloadText',
  'metadataText',
  'recordedAtText',
] as const;
export type ExportCsvColumn = (typeof EXPORT_CSV_COLUMNS)[number];

/**
 * An exported event's link in the hash chain: what the chain hashed besides the event id, stream
 * and version the line already holds. `type` is the type name as stored (the line's `type` is
 * the current one, after upcasting); the texts are exactly what was hashed.
 */
export type ExportProof = Omit<ChainLink, 'eventId' | 'streamId' | 'version'>;

const json = JSON.stringify;

/** What JSON.stringify writes otherwise than as it is: a quote, a backslash, a control character, a surrogate (a lone one is escaped). */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(value), the same text, in a third of the time for a string with nothing to
 * escape (ids, roles, descriptions: most of them): one scan, and no call into the serialiser.
 */
function quoted(value: unknown): string {
  return typeof value === 'string' && !ESCAPED.test(value) ? `"${value}"` : `${json(value)}`;
}

/**
 * An event line, written field by field: joined, it is the JSON of the line
 * (test/unit/export-line.spec.ts), in less time, which is most of what an export costs the
 * service. Values of a fixed form that JSON never escapes (a uuid, a stream type, an ISO time, a
 * position, a hex hash) are written as they are; every other value as JSON.stringify writes it,
 * by {@link quoted}; the description as its two strings, in its type's order (lv, en).
 * `data` is the stored payload's own text where the event was not upcast (its link's type is
 * the event's): the same value as parsing it, in the exact form that was stored and hashed, and
 * not parsed and written again (7 % of an export). The link's event id, stream and version are
 * the line's own, so its proof does not repeat them.
 *
 * It comes in three parts, to be encoded one after the other: the description (in Latvian, so
 * in two-byte characters) apart from the rest, which then stays one-byte unless its own text
 * needs more; one joined string would take the wider form whole (measured: 5 % of an export).
 */
export function exportLineParts(e: EventEntry, link: ChainLink | null): readonly [string, string, string] {
  const type = quoted(e.type);
  const proof =
    link === null
      ? 'null'
      : `{"chainSeq":${link.chainSeq},"prevHash":"${link.prevHash}","hash":"${link.hash}","type":${link.type === e.type ? type : quoted(link.type)},"payloadText":${json(link.payloadText)},"metadataText":${json(link.metadataText)},"recordedAt":"${link.recordedAt}"}`;
  // (A stored text with a line break, which PostgreSQL's never has, is written anew: one event, one line.)
  const asStored = link !== null && link.type === e.type && link.payloadText.indexOf('\n') < 0 && link.payloadText.indexOf('\r') < 0;
  const data = asStored ? link.payloadText : (json(e.data) ?? 'null');
  return [
    `{"eventId":"${e.eventId}","streamId":${quoted(e.streamId)},"streamType":"${e.streamType}","version":${e.version},"type":${type},"recordedAt":"${e.recordedAt}","position":"${e.position}","actor":${quoted(e.actor)},"organisation":${quoted(e.organisation)},"role":${quoted(e.role)},"correlationId":${quoted(e.correlationId)},"causationId":${quoted(e.causationId)},"requestId":${quoted(e.requestId)},"description":`,
    `{"lv":${quoted(e.description.lv)},"en":${quoted(e.description.en)}}`,
    `,"data":${data},"proof":${proof}}\n`,
  ];
}

/** What the verifier needs of one exported event, from a JSON line or a CSV row alike. */
export type ExportedEventCheck = Pick<
  EventEntry,
  | 'eventId'
  | 'streamId'
  | 'version'
  | 'type'
  | 'recordedAt'
  | 'actor'
  | 'organisation'
  | 'role'
  | 'correlationId'
  | 'causationId'
  | 'requestId'
  | 'data'
> & { proof: ExportProof | null };

const METADATA_FIELDS = ['actor', 'organisation', 'role', 'correlationId', 'causationId', 'requestId'] as const;

/** The first field a line states otherwise than the text its link covers, or null. */
function misstated(e: ExportedEventCheck, p: ExportProof): string | null {
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(p.metadataText) as Record<string, unknown>;
  } catch {
    return 'metadataText';
  }
  const field = METADATA_FIELDS.find((f) => (metadata[f] ?? null) !== e[f]);
  if (field) return field;
  // The line gives milliseconds; the hashed text microseconds.
  if (`${p.recordedAt.slice(0, 23)}Z` !== e.recordedAt) return 'recordedAt';
  if (p.type === e.type && !isDeepStrictEqual(JSON.parse(p.payloadText), e.data)) return 'data';
  return null;
}

export interface ProjectExportReport {
  ok: boolean;
  format: 'jsonl' | 'csv';
  events: number;
  /** Each stream and its last version as found. */
  streams: Record<string, number>;
  /** The chain head stated by the export (JSON Lines only). */
  head: ProjectExportHeader['head'] | null;
  firstProblem: { line: number; reason: string } | null;
}

const ZERO_HASH = '0'.repeat(64);

/** `sha256(prevHash || input)` of a link, as the chain computes it (see the migration's es_chain_input). */
export function linkHash(link: ChainLink): string {
  const input = [link.eventId, link.streamId, String(link.version), link.type, link.payloadText, link.metadataText, link.recordedAt].join(
    '\n',
  );
  return createHash('sha256').update(Buffer.from(link.prevHash, 'hex')).update(input, 'utf8').digest('hex');
}

/** Checks exported events one by one, in order; the caller feeds them and reads the result. */
export class ExportChecker {
  private n = 0;
  private lastSeq = 0;
  readonly streams: Record<string, number> = {};
  problem: { line: number; reason: string } | null = null;

  constructor(private readonly maxChainSeq: number | null) {}

  get events(): number {
    return this.n;
  }

  /** False once a problem is found (the first one is kept). */
  check(line: number, e: ExportedEventCheck): boolean {
    if (this.problem) return false;
    const fail = (reason: string) => {
      this.problem = { line, reason };
      return false;
    };
    this.n++;
    if (!e.proof) return fail(`event ${e.eventId} carries no link of the hash chain`);
    const p: ChainLink = { ...e.proof, eventId: e.eventId, streamId: e.streamId, version: e.version };
    if (!/^[0-9a-f]{64}$/.test(p.prevHash) || !/^[0-9a-f]{64}$/.test(p.hash)) return fail(`event ${e.eventId}: malformed hash`);
    if (p.chainSeq === 1 && p.prevHash !== ZERO_HASH) return fail('the first link of the chain must follow 32 zero bytes');
    if (linkHash(p) !== p.hash) return fail(`event ${e.eventId} does not hash to its link (altered)`);
    const wrong = misstated(e, e.proof);
    if (wrong) return fail(`event ${e.eventId}: its ${wrong} is not what its link covers (altered)`);
    if (p.chainSeq <= this.lastSeq) return fail(`link ${p.chainSeq} is out of chain order`);
    if (this.maxChainSeq !== null && p.chainSeq > this.maxChainSeq) return fail(`link ${p.chainSeq} lies after the export's head`);
    this.lastSeq = p.chainSeq;
    const expected = (this.streams[e.streamId] ?? 0) + 1;
    if (e.version !== expected) return fail(`${e.streamId}: version ${e.version} where ${expected} was expected (an event is missing)`);
    this.streams[e.streamId] = e.version;
    return true;
  }
}

/** A CSV row as the checker reads it; a `data` cell that is not JSON is stated as its text, so it fails the check. */
function checkOfCsvRow(row: Record<ExportCsvColumn, string>): ExportedEventCheck {
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    data = row.data;
  }
  return {
    eventId: row.eventId,
    streamId: row.streamId,
    version: Number(row.version),
    type: row.type,
    recordedAt: row.recordedAt,
    actor: row.actor,
    organisation: row.organisation,
    role: row.role,
    correlationId: row.correlationId,
    causationId: row.causationId === '' ? null : row.causationId,
    requestId: row.requestId,
    data,
    proof: proofOfCsvRow(row),
  };
}

/** Builds the CSV rows' link back from its columns. */
export function proofOfCsvRow(row: Record<ExportCsvColumn, string>): ExportProof | null {
  if (row.chainSeq === '') return null;
  return {
    chainSeq: Number(row.chainSeq),
    prevHash: row.prevHash,
    hash: row.hash,
    type: row.storedType,
    payloadText: row.payloadText,
    metadataText: row.metadataText,
    recordedAt: row.recordedAtText,
  };
}

// A file from outside is read as untrusted: each kind of line is parsed, not assumed.
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const headerSchema = z.object({
  format: z.literal(PROJECT_EXPORT_FORMAT),
  projectId: z.string(),
  exportedAt: z.string(),
  head: z.object({ chainSeq: z.number().int().nullable(), hash: hex64.nullable(), position: z.string().nullable() }),
}) satisfies z.ZodType<ProjectExportHeader>;
const summarySchema = z.object({
  summary: z.object({ events: z.number().int(), streams: z.record(z.string(), z.number().int()) }),
});
const eventLineSchema = z.object({
  eventId: z.string(),
  streamId: z.string(),
  version: z.number().int(),
  type: z.string(),
  recordedAt: z.string(),
  actor: z.string(),
  organisation: z.string(),
  role: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  requestId: z.string(),
  data: z.unknown(),
  proof: z
    .object({
      chainSeq: z.number().int(),
      prevHash: z.string(),
      hash: z.string(),
      type: z.string(),
      payloadText: z.string(),
      metadataText: z.string(),
      recordedAt: z.string(),
    })
    .nullable(),
}) satisfies z.ZodType<ExportedEventCheck>;

/** Checks a JSON Lines project export, line by line (constant memory). */
export async function verifyProjectJsonl(lines: AsyncIterable<string> | Iterable<string>): Promise<ProjectExportReport> {
  let header: ProjectExportHeader | null = null;
  let summary: ProjectExportSummary | null = null;
  let checker = new ExportChecker(null);
  let lineNo = 0;
  const report = (problem: { line: number; reason: string } | null): ProjectExportReport => ({
    ok: problem === null,
    format: 'jsonl',
    events: checker.events,
    streams: checker.streams,
    head: header?.head ?? null,
    firstProblem: problem,
  });
  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (summary) return report({ line: lineNo, reason: 'a line follows the summary' });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return report({ line: lineNo, reason: 'not a JSON line' });
    }
    if (!header) {
      const parsed = headerSchema.safeParse(value);
      if (!parsed.success) return report({ line: lineNo, reason: `the first line is not a ${PROJECT_EXPORT_FORMAT} header` });
      header = parsed.data;
      checker = new ExportChecker(header.head.chainSeq);
      continue;
    }
    const asSummary = summarySchema.safeParse(value);
    if (asSummary.success) {
      summary = asSummary.data.summary;
      continue;
    }
    const event = eventLineSchema.safeParse(value);
    if (!event.success) return report({ line: lineNo, reason: `not an event line: ${event.error.issues[0]?.message ?? 'malformed'}` });
    if (!checker.check(lineNo, event.data)) return report(checker.problem);
  }
  if (!header) return report({ line: lineNo, reason: 'empty: no header line' });
  if (!summary) return report({ line: lineNo, reason: 'no summary line: the export is cut short' });
  if (summary.events !== checker.events)
    return report({ line: lineNo, reason: `the summary counts ${summary.events} events, the file holds ${checker.events}` });
  const stated = Object.entries(summary.streams ?? {}).sort();
  const found = Object.entries(checker.streams).sort();
  if (JSON.stringify(stated) !== JSON.stringify(found))
    return report({
      line: lineNo,
      reason: "the summary's stream versions differ from the events found (events missing at a stream's end)",
    });
  return report(null);
}

/**
 * Checks a CSV project export, row by row: each link, chain order and each stream's versions from 1.
 * Cells are read back through the formula guard they were written with (src/application/csv.ts).
 */
export async function verifyProjectCsv(rows: AsyncIterable<Record<ExportCsvColumn, string>>): Promise<ProjectExportReport> {
  const checker = new ExportChecker(null);
  let line = 1;
  for await (const written of rows) {
    line++;
    const row = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, csvUnguard(v)])) as Record<ExportCsvColumn, string>;
    if (!checker.check(line, checkOfCsvRow(row))) break;
  }
  return {
    ok: checker.problem === null,
    format: 'csv',
    events: checker.events,
    streams: checker.streams,
    head: null,
    firstProblem: checker.problem,
  };
}
