import { ValidateError } from '@tsoa/runtime';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { UnsupportedImportFile } from '../application/invoice-import-format.js';
import { InvoiceImportRejected } from '../domain/budget/import.js';
import { AuthenticationUnavailable, Forbidden, Unauthenticated } from '../auth/errors.js';
import { isConnectionError, logged } from '../db/errors.js';
import {
  FourEyesViolation,
  IllegalTransition,
  NotFound,
  PreconditionFailed,
  PreconditionRequired,
  ValidationFailed,
} from '../domain/errors.js';
import {
  ConcurrencyError,
  DuplicateEventId,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  IdempotencyKeyReused,
  InvalidEventPayload,
  InvalidStreamId,
  StreamDeleted,
} from '../eventstore/errors.js';
import { InvalidCursor } from '../application/cursor.js';
import { InvalidPosition } from '../eventstore/position.js';
import { TamperEvidenceUnavailable } from '../eventstore/postgres/chain.js';
import { UnknownProjection } from '../projection-engine/manager.js';
import { ReadModelBuilding } from '../projection-engine/projection.js';
import type { Logger } from '../logger.js';
import type { Readiness } from '../application/operations.js';

/** One field at fault: where (JSON pointer into the request part), and why. */
export interface FieldError {
  /** Request part: body, query, path or header. */
  in: string;
  /** JSON Pointer into that part, e.g. `/name/lv`; empty for the part itself. */
  pointer: string;
  detail: string;
}

/** One problem in the file: `row` as the spreadsheet shows it (the headings are row 1; null: the whole file), the column's heading and the cell as written. */
export interface ImportFieldError extends FieldError {
  row: number | null;
  column: string | null;
  /**
   * The cell at fault as written in the file: text exactly as typed (an amount as `1 234,56`, never
   * in cents), a number cell as the spreadsheet shows it, a date cell as its ISO date, '' for a blank
   * cell; null when the problem is not about one cell.
   */
  value: string | null;
}
/**
 * Every bad row and column of an import file; a request refused before its file is read (a reused
 * Idempotency-Key, a malformed header) names its fields as any other problem does.
 */
export interface ImportProblem extends Problem {
  errors: (ImportFieldError | FieldError)[];
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://grants.example.lv/problems/';

/** The controllers' parameter names of the headers every write declares, as tsoa reports them. */
const HEADER_PARAMS: Readonly<Record<string, string>> = {
  _ifMatch: 'If-Match',
  _idempotencyKey: 'Idempotency-Key',
  'If-Match': 'If-Match',
};

/** Readiness refused: the report rides along, so an operator sees every reason in one answer. */
export interface NotReadyProblem extends Problem {
  readiness: Readiness;
}

export class NotReady extends Error {
  constructor(readonly readiness: Readiness) {
    super(readiness.reasons.join('; ') || 'not ready');
    this.name = 'NotReady';
  }
}

/** A body that cannot be read as JSON text: not UTF-8 (body-parser's own parse errors say "not valid JSON"). */
export class MalformedBody extends Error {
  readonly status = 400;
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'MalformedBody';
  }
}

/** A body of a media type the operation does not read; the detail says which it reads. */
export class UnsupportedMediaType extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnsupportedMediaType';
  }
}

export function problem(status: number, slug: string, title: string, detail: string, extra: object = {}): Problem {
  return { type: `${TYPE_BASE}${slug}`, title, status, detail, ...extra };
}

export function sendProblem(res: Response, p: Problem): void {
  res.status(p.status).type('application/problem+json').send(JSON.stringify(p));
}

/** Where a request's parts are, to say which one a field at fault is in. */
export interface RequestParts {
  body?: unknown;
  query?: object;
  params?: object;
}

function pointerFromTsoa(field: string, { body, query = {}, params = {} }: RequestParts): { in: string; pointer: string } {
  // tsoa names fields like "body.name.lv", "body", "_ifMatch" or "requestBody.items.$0".
  const header = HEADER_PARAMS[field];
  if (header) return { in: 'header', pointer: `/${header}` };
  const [head, ...rest] = field.split('.');
  const clean = (parts: string[]) => parts.map((p) => p.replace(/^\$/, ''));
  if (rest.length === 0 && head! in params) return { in: 'path', pointer: `/${head}` };
  if (rest.length === 0 && head! in query) return { in: 'query', pointer: `/${head}` };
  if (head === 'body' || head === 'requestBody') return { in: 'body', pointer: toPointer(clean(rest)) };
  // tsoa 6 drops everything above an array when it reports an error inside an array item
  // ("benefits.$2.baselineDate" for body.objective.benefits.$2.baselineDate): find the full
  // path in the body that ends with what was reported.
  const full = body === undefined ? null : findSuffix(body, clean([head!, ...rest]), []);
  return full ? { in: 'body', pointer: toPointer(full) } : { in: 'request', pointer: toPointer(clean([head!, ...rest])) };
}

const toPointer = (parts: string[]) => (parts.length ? `/${parts.join('/')}` : '');

function findSuffix(node: unknown, suffix: string[], path: string[]): string[] | null {
  if (path.length >= suffix.length && suffix.every((s, i) => path[path.length - suffix.length + i] === s)) return path;
  if (typeof node !== 'object' || node === null) return null;
  for (const [key, child] of Object.entries(node)) {
    const found = findSuffix(child, suffix, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** tsoa reports a value outside a string-literal union as a JSON dump of one failure per member. */
function readableTsoaMessage(message: string): string {
  if (!message.startsWith('Could not match the union')) return message;
  const allowed = [...message.matchAll(/one of the following; \[([^\]]*)\]/g)].flatMap((m) =>
    m[1]!.split(',').map((v) => v.trim().replace(/^\\?'|\\?'$/g, '')),
  );
  return allowed.length ? `must be one of: ${allowed.join(', ')}` : message;
}

/** Maps every error to a problem; anything unknown is a 500 that names no internals. */
export function toProblem(err: unknown, request: RequestParts = {}): Problem {
  if (err instanceof Unauthenticated) return problem(401, 'unauthenticated', 'Authentication required', err.reason);
  if (err instanceof Forbidden) {
    return problem(403, 'forbidden', 'Not allowed for your roles', err.message, { allowedRoles: err.allowedRoles });
  }
  if (err instanceof AuthenticationUnavailable) {
    return problem(503, 'authentication-unavailable', 'Authentication unavailable', `${err.message}; try again shortly`);
  }
  if (err instanceof ValidateError) {
    const errors = Object.entries(err.fields).map(([field, f]) => ({
      ...pointerFromTsoa(field, request),
      detail: readableTsoaMessage(f.message),
    }));
    return problem(422, 'validation', 'Request is invalid', `${errors.length} field(s) at fault`, { errors });
  }
  if (err instanceof InvoiceImportRejected) return importProblem(err);
  if (err instanceof NotReady) return problem(503, 'not-ready', 'Not ready', err.message, { readiness: err.readiness });
  if (err instanceof ReadModelBuilding) return problem(503, 'read-model-building', 'Read model being built', err.message);
  if (err instanceof UnsupportedMediaType || err instanceof UnsupportedImportFile)
    return problem(415, 'unsupported-media-type', 'Unsupported media type', err.message);
  if (err instanceof ValidationFailed) {
    const errors = err.issues.map((i) => ({ in: 'body', pointer: `/${i.field.split('.').join('/')}`, detail: i.message }));
    return problem(422, 'validation', 'Request is invalid', err.message, { errors });
  }
  if (err instanceof ZodError) {
    const errors = err.issues.map((i) => ({ in: 'body', pointer: `/${i.path.join('/')}`, detail: i.message }));
    return problem(422, 'validation', 'Request is invalid', `${errors.length} field(s) at fault`, { errors });
  }
  if (err instanceof InvalidEventPayload) {
    const errors = err.issues.map((i) => ({ in: 'body', pointer: `/${i.path.split('.').join('/')}`, detail: i.message }));
    return problem(422, 'validation', 'Request is invalid', err.message, { errors });
  }
  if (err instanceof TamperEvidenceUnavailable) return problem(501, 'not-implemented', 'Not available', err.message);
  if (err instanceof InvalidPosition) return problem(422, 'validation', 'Request is invalid', err.message);
  if (err instanceof InvalidCursor) {
    return problem(400, 'invalid-cursor', 'Invalid cursor', err.message, {
      errors: [{ in: 'query', pointer: '/cursor', detail: `not a cursor this list issued (${err.reason})` }],
    });
  }
  if (err instanceof InvalidStreamId) return problem(422, 'validation', 'Request is invalid', err.message);
  if (err instanceof IdempotencyKeyReused) {
    const detail = 'This Idempotency-Key was already used for a different request; send a new key with a new request';
    return problem(422, 'idempotency-key-reused', 'Idempotency key reused', detail, {
      errors: [{ in: 'header', pointer: '/Idempotency-Key', detail: 'already used by you for another request (method, path or body)' }],
    });
  }
  if (err instanceof DuplicateEventId) return problem(409, 'duplicate-event', 'Duplicate event id', err.message);
  if (err instanceof NotFound || err instanceof UnknownProjection) return problem(404, 'not-found', 'Not found', err.message);
  if (err instanceof ConcurrencyError) {
    return problem(409, 'version-conflict', 'Version conflict', err.message, {
      expectedVersion: err.expectedVersion,
      actualVersion: err.actualVersion,
    });
  }
  // 410, not 409: the stream was removed on purpose by an operator; reloading and retrying cannot help.
  if (err instanceof StreamDeleted) {
    return problem(410, 'stream-deleted', 'Deleted', err.message, { streamId: err.streamId });
  }
  // Both are outages from the caller's side; what exactly failed is in the log, not in the answer.
  if (err instanceof EventStoreUnavailable || err instanceof EventStoreAccessDenied) {
    return problem(503, 'event-store-unavailable', 'Event store unavailable', 'The event store cannot be reached; try again shortly');
  }
  if (err instanceof PreconditionRequired) {
    return problem(428, 'precondition-required', 'Precondition required', err.message, {
      errors: [{ in: 'header', pointer: '/If-Match', detail: 'required: the ETag of the version you read' }],
    });
  }
  if (err instanceof PreconditionFailed) {
    return problem(412, 'precondition-failed', 'Precondition failed', err.message, {
      expectedVersion: err.expectedVersion,
      actualVersion: err.actualVersion,
    });
  }
  if (err instanceof IllegalTransition) {
    return problem(409, 'illegal-transition', 'Not allowed in the current state', err.message, {
      currentState: err.currentState,
    });
  }
  if (err instanceof FourEyesViolation) {
    return problem(403, 'four-eyes', 'Four-eyes principle: a second person must do this', err.message, {
      rule: 'four-eyes',
      actor: err.actor,
      act: err.act,
      earlierActs: err.earlierActs,
    });
  }
  // The database stopped, restarting or cut off: an outage, answered like one (the write was not acknowledged; retry it).
  if (isConnectionError(err)) {
    return problem(503, 'database-unavailable', 'Database unavailable', 'The database cannot be reached; try again shortly');
  }
  const status = httpStatusOf(err);
  if (status === 400) {
    const body = err instanceof MalformedBody || typeOf(err) === 'entity.parse.failed';
    const detail = err instanceof MalformedBody ? err.detail : body ? 'The request body is not valid JSON' : 'The request is malformed';
    return problem(400, 'malformed', 'Malformed request', detail, { errors: [{ in: body ? 'body' : 'request', pointer: '', detail }] });
  }
  if (status === 413) {
    const detail = 'The request body exceeds the size this service accepts';
    return problem(413, 'too-large', 'Request body too large', detail, { errors: [{ in: 'body', pointer: '', detail }] });
  }
  if (status === 415) return problem(415, 'unsupported-media-type', 'Unsupported media type', 'Send application/json');
  if (status !== undefined && status >= 400 && status < 500) {
    return problem(status, 'client-error', 'Request refused', err instanceof Error ? err.message : 'Request refused');
  }
  return problem(500, 'internal', 'Internal error', 'The request failed inside the service; it is logged under the request id');
}

/** Every bad row and column of an import file, each with its reason: the file's own coordinates, not the API's. */
export function importProblem(err: InvoiceImportRejected): ImportProblem {
  const rows = new Set(err.problems.map((p) => p.row).filter((r) => r !== null)).size;
  const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const errors = err.problems.map((p) => ({
    in: 'body',
    pointer: p.formField ? `/${escape(p.formField)}` : p.row === null ? '' : `/rows/${p.row}${p.column ? `/${escape(p.column)}` : ''}`,
    row: p.row,
    column: p.column,
    value: p.value ?? null,
    detail: p.reason,
  }));
  const [only] = err.problems;
  const detail =
    err.problems.length === 1 && only!.row === null
      ? `${only!.formField ? `${only!.formField}: ` : ''}${only!.reason}; nothing was imported`
      : `${errors.length} problem(s)${rows ? ` in ${rows} row(s)` : ''}; nothing was imported`;
  return { ...problem(422, 'validation', 'Request is invalid', detail), errors };
}

/** body-parser's error kind (`entity.parse.failed`, `entity.too.large`, …). */
const typeOf = (err: unknown): unknown => (typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined);

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { status?: unknown; statusCode?: unknown };
    const s = e.status ?? e.statusCode;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    // An answer already begun (a stream that failed midway) or given (a timeout's 503): end the connection, log the cause.
    if (res.headersSent) {
      logger.warn({ err, reqId: req.id }, 'request failed after its answer had begun');
      if (!res.writableEnded) res.destroy();
      return;
    }
    const p = { ...toProblem(err, { body: req.body, query: req.query, params: req.params }), instance: req.originalUrl };
    if (err instanceof Unauthenticated) res.setHeader('WWW-Authenticate', bearerChallenge(err));
    if (err instanceof EventStoreUnavailable || err instanceof EventStoreAccessDenied || p.type.endsWith('/database-unavailable'))
      res.setHeader('Retry-After', '5');
    // Not ready, or the database away: expected while it lasts, one line each, not an error with a stack.
    if (err instanceof NotReady) req.log?.warn({ problem: p.type, status: p.status }, p.detail);
    else if (p.status === 503 && isConnectionError(err))
      logger.warn({ ...logged(err), reqId: req.id }, 'request failed: database unavailable');
    else if (p.status >= 500) logger.error({ ...logged(err), reqId: req.id }, 'request failed');
    else req.log?.info({ problem: p.type, status: p.status }, p.detail);
    sendProblem(res, p);
  };
}

/** RFC 6750 §3: no error code when no token came, `invalid_token` with the reason when one did. */
function bearerChallenge(err: Unauthenticated): string {
  if (!err.tokenPresented) return 'Bearer realm="grants"';
  return `Bearer realm="grants", error="invalid_token", error_description="${err.reason.replace(/["\\]/g, '')}"`;
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, {
    ...problem(404, 'not-found', 'Not found', `No route for ${req.method} ${req.path}`),
    instance: req.originalUrl,
  });
};
