/*
 * Which reader an invoice file goes to. The media type it was sent as (the body's Content-Type, or
 * a form part's own) and its file name say what the sender believes it is; the first bytes say what
 * it is. Spreadsheet files are labelled loosely: Windows browsers send a .csv file as
 * application/vnd.ms-excel, curl -F sends anything as application/octet-stream. So those labels
 * are read by sniffing: a ZIP archive is an XLSX workbook, an OLE2 compound file a legacy Excel
 * 97-2003 workbook (.xls, refused: nothing here reads it), anything else CSV text.
 */

export type ImportFormat = 'csv' | 'xlsx';

export const CSV_MEDIA_TYPES = ['text/csv', 'application/csv'] as const;
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Labels that say little about the bytes; the bytes decide. */
export const SNIFFED_MEDIA_TYPES = ['application/vnd.ms-excel', 'application/octet-stream'] as const;
/** Every media type a file is read as, whether it is the body or a form part. */
export const IMPORT_MEDIA_TYPES: readonly string[] = [...CSV_MEDIA_TYPES, XLSX_MEDIA_TYPE, ...SNIFFED_MEDIA_TYPES];

/** The formats read, as a person chooses them in "Save as". */
export const ACCEPTED_FORMATS =
  `CSV (text/csv or application/csv) or an XLSX workbook (${XLSX_MEDIA_TYPE}); ` +
  `application/vnd.ms-excel and application/octet-stream are read as whichever of the two the bytes are, ` +
  'and any of them may be the field `file` of a multipart/form-data form';

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE2_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** What the first bytes are: a ZIP archive (an XLSX workbook is one), an OLE2 compound file (a legacy .xls), or neither (text). */
export function sniff(bytes: Buffer): 'zip' | 'ole2' | 'text' {
  if (bytes.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) return 'zip';
  if (bytes.subarray(0, OLE2_MAGIC.length).equals(OLE2_MAGIC)) return 'ole2';
  return 'text';
}

/** The file is in no format this import reads; the message says which it reads and what to do. */
export class UnsupportedImportFile extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'UnsupportedImportFile';
  }
}

export const LEGACY_XLS =
  'This is a legacy Excel 97-2003 workbook (.xls), which cannot be imported. ' +
  `The import reads ${ACCEPTED_FORMATS}. In Excel, save the sheet as .xlsx (Excel Workbook) or as CSV and send that file.`;

/** A file as it was sent: its bytes, the media type it was labelled with and, from a form, its name. */
export interface DeclaredFile {
  bytes: Buffer;
  /** The body's Content-Type, or a form part's own, without parameters; '' when none was given. */
  mediaType: string;
  /** The file's name, when it came as a form part. */
  filename?: string;
}

const EXTENSIONS = new Set(['csv', 'xlsx', 'xls']);
const extensionOf = (filename: string | undefined) => /\.([a-z0-9]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase();

/**
 * The reader for a file. A CSV or XLSX media type is taken at its word, and so is a form part of
 * another type (a browser's text/plain, say) whose name ends in .csv, .xlsx or .xls; but the bytes
 * always have the last word on what they are: ZIP → XLSX, OLE2 → refused as a legacy .xls.
 * Anything else is refused naming what is read.
 */
export function importFormatOf(file: DeclaredFile): ImportFormat {
  const bytes = sniff(file.bytes);
  if (bytes === 'ole2') throw new UnsupportedImportFile(LEGACY_XLS);
  const type = file.mediaType.toLowerCase();
  const extension = extensionOf(file.filename);
  const csv = (CSV_MEDIA_TYPES as readonly string[]).includes(type);
  const sniffed = (SNIFFED_MEDIA_TYPES as readonly string[]).includes(type) || (extension !== undefined && EXTENSIONS.has(extension));
  if (!csv && type !== XLSX_MEDIA_TYPE && !sniffed) {
    const what = `${type || 'no media type'}${file.filename === undefined ? '' : ` (file ${JSON.stringify(file.filename)})`}`;
    throw new UnsupportedImportFile(`Send the file as ${ACCEPTED_FORMATS}; got ${what}`);
  }
  if (bytes === 'zip') return 'xlsx';
  if (csv) return 'csv';
  if (type === XLSX_MEDIA_TYPE || extension === 'xlsx') return 'xlsx';
  return 'csv';
}
