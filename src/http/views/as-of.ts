import { ValidateError } from '@tsoa/runtime';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** With a zone (Z or ±hh:mm): an instant must not depend on the server's time zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `asOf` as an instant: a date means the end of that day (UTC), capped at now; a date-time
 * is taken as given. Absent → now. Unparseable or in the future → 422 naming `asOf`.
 */
export function parseAsOf(asOf: string | undefined, now = new Date()): Date {
  if (asOf === undefined) return now;
  const refuse = (message: string): never => {
    throw new ValidateError({ asOf: { message, value: asOf } }, message);
  };
  const instant = DATE.test(asOf) ? new Date(`${asOf}T23:59:59.999Z`) : DATE_TIME.test(asOf) ? new Date(asOf) : null;
  if (!instant || Number.isNaN(instant.getTime()) || (DATE.test(asOf) && instant.toISOString().slice(0, 10) !== asOf)) {
    return refuse(`${asOf} is neither a date (YYYY-MM-DD) nor an ISO 8601 date-time with a zone`);
  }
  if (DATE.test(asOf) ? asOf > now.toISOString().slice(0, 10) : instant.getTime() > now.getTime()) {
    return refuse(`${asOf} is in the future; nothing is known after now (${now.toISOString()})`);
  }
  return instant.getTime() > now.getTime() ? now : instant;
}

/**
 * The `asOf` of a read of state: the instant the answer is for (stated in the answer), and the
 * cut to apply to the log: none when the client named no instant, so the read is of everything
 * stored (a write just made is always seen, whatever the clocks of service and database say).
 */
export interface AsOfRead {
  /** The instant the answer is for: `asOf`, or now. */
  readonly instant: Date;
  /** Only events recorded at or before this count; undefined: every event stored. */
  readonly cut: Date | undefined;
}

/** `asOf` of a read as {@link AsOfRead}; unparseable or in the future → 422 naming `asOf`. */
export function asOfRead(asOf: string | undefined, now = new Date()): AsOfRead {
  const instant = parseAsOf(asOf, now);
  return { instant, cut: asOf === undefined ? undefined : instant };
}
