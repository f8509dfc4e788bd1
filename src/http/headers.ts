/**
 * A client-chosen key that makes a write safe to retry: the same key with the same request
 * returns the first result and stores nothing new.
 * @pattern ^[A-Za-z0-9._:-]{8,128}$
 */
export type IdempotencyKey = string;

/**
 * The version the client last read, as the ETag gave it, e.g. `"3"`. A different current
 * version answers 412.
 * @pattern ^"[0-9]{1,10}"$
 */
export type VersionTag = string;

export const etag = (version: number): string => `"${version}"`;

/** The headers of an answer that shows one stream's state. */
export interface StreamStateHeaders {
  /** The stream's version, quoted (`"7"`): send it as If-Match with the next write. */
  ETag: string;
}

/** The headers of a 202: the work was accepted as a job, to be polled where Location says. */
export interface AcceptedJobHeaders {
  /** The job: GET it until its state is completed or failed. */
  Location: string;
}
