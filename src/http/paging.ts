/*
 * The two query parameters of every list, declared once: the OpenAPI document names them as
 * schemas, tsoa checks the limit (422 naming `limit` outside 1–500), and src/application/cursor.ts
 * reads the cursor (400 naming `cursor` for anything it did not write).
 */

/**
 * The most items a page holds: an integer from 1 to 500; default 50.
 * @isInt
 * @minimum 1
 * @maximum 500
 * @default 50
 */
export type PageLimit = number;

/** The `nextCursor` of the previous page, as it came (opaque); leave it out for the first page. */
export type PageCursor = string;
