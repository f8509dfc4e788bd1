import busboy from 'busboy';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { IMPORT_MEDIA_TYPES } from '../application/invoice-import-format.js';
import type { ImportFile } from '../application/invoice-import.js';
import { InvoiceImportRejected } from '../domain/budget/import.js';
import { problem, sendProblem, type Problem } from './problem.js';

/*
 * File uploads (the invoice import): the file as the body itself, or as the field `file` of a
 * multipart/form-data form (a browser form, `curl -F file=@invoices.csv`). Either way the route
 * gets the file's bytes with the media type and name it came with; the application decides the
 * format from those and the bytes (src/application/invoice-import-format.ts).
 */

/** Routes that take a file as the body or as a form's `file` field, and answer 415 themselves for what they cannot read. */
const FILE_ROUTES = /^\/projects\/[^/]+\/budget\/invoices\/import\/?$/i;
export const isFileRoute = (req: Request): boolean => req.method === 'POST' && FILE_ROUTES.test(req.path);

export const MULTIPART = 'multipart/form-data';
/** The form field that holds the file. */
export const FILE_FIELD = 'file';
/** Every media type a file route reads as its body. */
export const FILE_MEDIA_TYPES: readonly string[] = [...IMPORT_MEDIA_TYPES, MULTIPART];
/** The largest file accepted, as the body or as a form part (IMPORT_MAX_FILE_MB); a larger one answers 413. */
interface FileLimits {
  fileBytes: number;
  /** A whole form: the file, its part headers and boundaries, and a few small fields besides. */
  formBytes: number;
  form: busboy.Limits;
  megabytes: number;
}
const limitsOf = (megabytes: number): FileLimits => {
  const fileBytes = megabytes * 1024 * 1024;
  return {
    fileBytes,
    formBytes: fileBytes + 256 * 1024,
    form: { fileSize: fileBytes, files: 10, fields: 20, fieldSize: 16 * 1024, parts: 30, headerPairs: 20 },
    megabytes,
  };
};

/** What a file route received: the file, or why a form held none it could take. */
type Upload = { file: ImportFile } | { refused: InvoiceImportRejected };
const uploads = new WeakMap<Request, Upload>();

const mediaTypeOf = (contentType: string | undefined) => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The file the request carries, as the application takes it. A body that is no file (JSON, or a
 * media type no file is read as) is an empty file of that type, which the application refuses with
 * 415; a form without a usable file part is refused here, naming the field `file`.
 */
export function uploadedFile(req: Request): ImportFile {
  const upload = uploads.get(req);
  if (upload && 'refused' in upload) throw upload.refused;
  if (upload) return upload.file;
  return { bytes: Buffer.alloc(0), mediaType: mediaTypeOf(req.headers['content-type']) };
}

/**
 * What the idempotency fingerprint hashes beside the bytes: the Content-Type, but for a form the
 * file part's own type and name, since the boundary differs on every send of the same file.
 */
export function fileFingerprintLabel(req: Request): string {
  const upload = uploads.get(req);
  if (upload && 'file' in upload && mediaTypeOf(req.headers['content-type']) === MULTIPART)
    return `${MULTIPART}; file=${upload.file.mediaType}; filename=${JSON.stringify(upload.file.filename ?? '')}`;
  return req.headers['content-type'] ?? '';
}

/** Reads the file of a file route (the body, or a form's file part, at most `megabytes`) into `req.body` as bytes; other routes pass. */
export function fileBodies(megabytes: number): RequestHandler {
  const limits = limitsOf(megabytes);
  const rawFile = express.raw({ type: [...IMPORT_MEDIA_TYPES], limit: limits.fileBytes });
  return (req, res, next) => {
    if (!isFileRoute(req)) return next();
    if (req.is(MULTIPART)) return readForm(req, res, next, limits);
    readRaw(rawFile, req, res, next);
  };
}

function readRaw(rawFile: RequestHandler, req: Request, res: Response, next: (err?: unknown) => void): void {
  rawFile(req, res, (err?: unknown) => {
    if (err) return next(err);
    if (Buffer.isBuffer(req.body)) {
      const charset = /;\s*charset="?([^";\s]+)"?/i.exec(req.headers['content-type'] ?? '')?.[1];
      uploads.set(req, {
        file: { bytes: req.body, mediaType: mediaTypeOf(req.headers['content-type']), ...(charset ? { charset } : {}) },
      });
    }
    next();
  });
}

const fileTooLarge = (MB: number, name: string | undefined) =>
  problem(
    413,
    'too-large',
    'File too large',
    `The file${name ? ` ${JSON.stringify(name)}` : ''} is larger than ${MB} MB; split it into several imports`,
  );
const formTooLarge = (MB: number) =>
  problem(
    413,
    'too-large',
    'Request body too large',
    `The form is larger than the ${MB} MB file it may carry and a few small fields; send the file alone, in the field \`${FILE_FIELD}\``,
  );
const malformedForm = (why: string) =>
  problem(
    400,
    'malformed',
    'Malformed request',
    `The multipart/form-data body cannot be read (${why}); send the file as the field \`${FILE_FIELD}\``,
  );

interface FilePart {
  field: string;
  filename: string | undefined;
  mediaType: string;
  chunks: Buffer[];
}

/**
 * A multipart/form-data body, streamed through busboy: each file part is kept in memory up to
 * the file limit, the whole form up to the form limit (413 beyond either, as soon as
 * it is passed); text fields are read past. The file is the part in the field `file`, or the only
 * file part there is.
 */
function readForm(req: Request, res: Response, next: (err?: unknown) => void, limits: FileLimits): void {
  const MB = limits.megabytes;
  if (Number(req.headers['content-length'] ?? 0) > limits.formBytes) return refuse(req, res, formTooLarge(MB));
  let form: busboy.Busboy;
  try {
    form = busboy({ headers: req.headers, limits: limits.form, defParamCharset: 'utf8' });
  } catch (err) {
    return refuse(req, res, malformedForm(err instanceof Error ? err.message : 'no boundary'));
  }
  const parts: FilePart[] = [];
  let moreFiles = false;
  let textInFileField = false;
  let received = 0;
  let settled = false;
  const fail = (p: Problem) => {
    if (settled) return;
    settled = true;
    parts.length = 0; // what was kept is let go at once; the rest of the body is read past
    req.unpipe(form);
    refuse(req, res, p);
  };
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > limits.formBytes) fail(formTooLarge(MB));
  });
  form.on('file', (field, stream, info) => {
    const part: FilePart = { field, filename: info.filename, mediaType: info.mimeType.toLowerCase(), chunks: [] };
    parts.push(part);
    stream.on('data', (chunk: Buffer) => part.chunks.push(chunk));
    stream.on('limit', () => fail(fileTooLarge(MB, part.filename)));
    // A form cut short ends its open file part with an error; unheard, it would bring the process down.
    stream.on('error', (err) => fail(malformedForm(err.message)));
  });
  form.on('field', (field) => {
    if (field === FILE_FIELD) textInFileField = true;
  });
  form.on('filesLimit', () => (moreFiles = true));
  form.on('error', (err) => fail(malformedForm(err instanceof Error ? err.message : String(err))));
  form.on('close', () => {
    if (settled) return;
    settled = true;
    const upload = chosenFile(parts, moreFiles, textInFileField);
    uploads.set(req, upload);
    if ('file' in upload) req.body = upload.file.bytes;
    next();
  });
  req.pipe(form);
}

/** The part in the field `file`, else the only file part; or why there is none to take. */
function chosenFile(parts: readonly FilePart[], moreFiles: boolean, textInFileField: boolean): Upload {
  const named = parts.filter((p) => p.field === FILE_FIELD);
  const refused = (reason: string): Upload => ({
    refused: new InvoiceImportRejected([{ row: null, column: null, value: null, formField: FILE_FIELD, reason }]),
  });
  const names = (ps: readonly FilePart[]) => ps.map((p) => JSON.stringify(p.filename ?? p.field)).join(', ');
  if (named.length > 1) return refused(`the form holds ${named.length} files in the field \`${FILE_FIELD}\` (${names(named)}); send one`);
  const part = named[0] ?? (parts.length === 1 && !moreFiles ? parts[0] : undefined);
  if (part) {
    const file: ImportFile = { bytes: Buffer.concat(part.chunks), mediaType: part.mediaType };
    return { file: part.filename === undefined ? file : { ...file, filename: part.filename } };
  }
  if (parts.length > 1)
    return refused(
      `the form holds ${moreFiles ? 'more than ' : ''}${parts.length} files (${names(parts)}) and none in the field \`${FILE_FIELD}\`; send the one to import as \`${FILE_FIELD}\``,
    );
  if (textInFileField)
    return refused(`the field \`${FILE_FIELD}\` holds text, not a file: attach the file itself (curl -F ${FILE_FIELD}=@invoices.csv)`);
  return refused(`the form holds no file: send it in the field \`${FILE_FIELD}\` (curl -F ${FILE_FIELD}=@invoices.csv)`);
}

/**
 * Answers a problem once the rest of the body has been read past (not kept), as express's own
 * body parsers do, so the client, still sending, reads the answer rather than a reset connection.
 */
function refuse(req: Request, res: Response, p: Problem): void {
  let sent = false;
  const send = () => {
    if (sent || res.headersSent) return;
    sent = true;
    req.log?.info({ problem: p.type, status: p.status }, p.detail);
    sendProblem(res, { ...p, instance: req.originalUrl });
  };
  if (req.readableEnded || req.complete) return send();
  req.once('end', send);
  req.once('close', send);
  req.resume();
}
