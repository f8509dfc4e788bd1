import { z } from 'zod';

/**
 * Configuration comes only from the environment and is validated once at start.
 * Each bad value is reported with the variable's name and what was expected.
 */
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** When set, the service uses this PostgreSQL; when absent, it starts an embedded one. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    /**
     * Whether the embedded PostgreSQL may be started when DATABASE_URL is unset: outside production
     * it is, in production only with `allow` (a production database is a server of its own).
     */
    EMBEDDED_PG: z.enum(['allow', 'deny'], { error: 'must be allow or deny' }).optional(),
    EMBEDDED_PG_DIR: z.string().min(1).default('.data/postgres'),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    /** The embedded server's shared_buffers in MB; unset: a quarter of this machine's memory, at most 1024 (see docs/operations.md). */
    EMBEDDED_PG_SHARED_BUFFERS_MB: z.coerce.number().int().min(16).max(65_536).optional(),
    DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    /**
     * Browser origins allowed to call the API from their pages (CORS), comma-separated, e.g.
     * `https://portal.example.lv,https://admin.example.lv`; empty (the default): none, no CORS headers.
     */
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^https?:\/\/[^/\s?#]+$/,
              'each must be an origin such as https://portal.example.lv (scheme, host, optional port; no path)',
            ),
        ),
      ),
    /** Requests a minute one client address may make to the public open-data files; beyond it 429 with Retry-After. */
    OPEN_DATA_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
    /** A request not answered within this many milliseconds gets 503 (file uploads get ten times as long). */
    REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    /** Express `trust proxy`: unset, the client address is the TCP peer; behind a reverse proxy, the number of proxies (e.g. 1) or their addresses. */
    TRUST_PROXY: z
      .string()
      .regex(/^(\d+|true|[\w.:/,\s-]+)$/, 'must be a number of proxies, true, or addresses and subnets')
      .optional(),
    /** OpenTelemetry: when set (e.g. http://otel-collector:4318), traces are exported over OTLP/HTTP (src/telemetry.ts); unset, no tracing. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** When set, `GET /metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open to whoever reaches the port. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * On SIGTERM/SIGINT: how long requests in flight may take to finish (new ones are refused) and
     * the background work to reach a batch boundary before connections are cut. Keep it below the
     * orchestrator's own grace (docker's stop_grace_period, Kubernetes' terminationGracePeriodSeconds).
     */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
    /** Largest JSON request body accepted by most operations; larger bodies get 413. */
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 1mb')
      .default('100kb'),
    /** Largest JSON body of the operations that carry whole documents (a passport, a claim's items): src/http/body.ts. */
    BODY_LIMIT_LARGE: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must look like 512kb or 1mb')
      .default('1mb'),
    /** A projection further behind than this many events makes /ready answer 503. */
    READY_MAX_LAG_EVENTS: z.coerce.number().int().min(0).default(1000),
    PROJECTIONS_ENABLED: booleanFlag.default(true),
    /**
     * Run the background work (projection runners, hash chain, workflows, import jobs) in a
     * thread of its own, so requests never wait behind it; false: in the request thread.
     */
    BACKGROUND_THREAD: booleanFlag.default(true),
    PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(250),
    PROJECTION_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    PROJECTION_SETTLE_MS: z.coerce.number().int().min(0).max(10_000).default(20),
    /** HS256 secret shared with whoever issues tokens; 32+ characters so it carries 256 bits. */
    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 needs a 256-bit secret)').optional(),
    /** Key set of an identity provider (RS256/ES256 tokens), e.g. https://idp.example.lv/.well-known/jwks.json */
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** When set, tokens must carry exactly this `iss`. */
    AUTH_ISSUER: z.string().min(1).optional(),
    /** When set, tokens must name this `aud`. */
    AUTH_AUDIENCE: z.string().min(1).optional(),
    /**
     * Signs the cursors of every list and the alert ids a beneficiary sees (HMAC keys are derived
     * from it); 32+ characters. Unset: derived from AUTH_JWT_SECRET, else (never in production)
     * from the development secret file.
     */
    CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters (it keys HMAC-SHA256)').optional(),
    /** Outside production, with no secret and no JWKS, a development secret is generated into this file once. */
    AUTH_DEV_SECRET_FILE: z.string().min(1).default('.data/dev-jwt-secret'),
    /** Where the event log lives: PostgreSQL (the same database as the read models) or KurrentDB. */
    EVENT_STORE: z.enum(['postgres', 'kurrentdb'], { error: 'must be postgres or kurrentdb' }).default('postgres'),
    /** KurrentDB connection string, e.g. kurrentdb://admin:changeit@localhost:2113?tls=false; only with EVENT_STORE=kurrentdb. */
    KURRENTDB_URL: z
      .string()
      .regex(
        /^(kurrentdb|kdb|esdb|eventstore)(\+discover)?:\/\/[^/?#]+/,
        'must be a kurrentdb:// (or kurrentdb+discover://, esdb://) connection string',
      )
      .optional(),
    /** How long the start-up check waits for KurrentDB before giving up. */
    KURRENTDB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
    /** Double funding: invoices of one supplier with the same gross this many days apart or closer are near-duplicates. */
    DUPCHECK_NEAR_DAYS: z.coerce.number().int().min(0).max(366).default(5),
    /** Invoice import: a file of at most this many rows is imported within the request (201); a larger one becomes a job (202). */
    IMPORT_SYNC_MAX_ROWS: z.coerce.number().int().min(0).max(100_000).default(500),
    /** Invoice import: the most rows one file may hold (a job beyond IMPORT_SYNC_MAX_ROWS). */
    IMPORT_MAX_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
    /** Invoice import: the largest file accepted, in MB (as the body or a form's file); larger answers 413. */
    IMPORT_MAX_FILE_MB: z.coerce.number().int().min(1).max(512).default(20),
    /** Invoice import job: rows stored in one append to the budget (and checked for double funding together). */
    IMPORT_CHUNK_ROWS: z.coerce.number().int().min(1).max(10_000).default(1000),
    /** Run the import-job worker in this process (picks up unfinished jobs at start). */
    IMPORT_WORKER_ENABLED: booleanFlag.default(true),
  })
  .superRefine((c, ctx) => {
    if (c.EVENT_STORE === 'kurrentdb' && !c.KURRENTDB_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['KURRENTDB_URL'],
        message: 'required when EVENT_STORE=kurrentdb (e.g. kurrentdb://admin:changeit@localhost:2113?tls=false)',
      });
    }
    if (c.EVENT_STORE !== 'kurrentdb' && c.KURRENTDB_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['KURRENTDB_URL'],
        message: 'is set but EVENT_STORE is not kurrentdb; set EVENT_STORE=kurrentdb to use it, or unset it',
      });
    }
    if (c.IMPORT_SYNC_MAX_ROWS > c.IMPORT_MAX_ROWS) {
      ctx.addIssue({ code: 'custom', path: ['IMPORT_SYNC_MAX_ROWS'], message: `must not exceed IMPORT_MAX_ROWS (${c.IMPORT_MAX_ROWS})` });
    }
    if (c.AUTH_JWT_SECRET && c.AUTH_JWKS_URL) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both' });
    }
    if (!c.DATABASE_URL && c.EMBEDDED_PG === 'deny') {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'required: EMBEDDED_PG=deny forbids the embedded PostgreSQL' });
    }
    if (c.NODE_ENV !== 'production') return;
    if (!c.DATABASE_URL && c.EMBEDDED_PG !== 'allow') {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required in production (the embedded PostgreSQL is for development; EMBEDDED_PG=allow starts it anyway)',
      });
    }
    if (!c.AUTH_JWT_SECRET && !c.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message:
          "production needs AUTH_JWT_SECRET (HS256 secret, 32+ characters) or AUTH_JWKS_URL (the identity provider's key set); the development secret is never used in production",
      });
    }
    // Keys fetched over plain HTTP could be swapped on the way, and with them every identity.
    if (c.AUTH_JWKS_URL?.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'must be an https URL in production' });
    }
    if (c.AUTH_JWKS_URL && !c.CURSOR_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['CURSOR_SECRET'],
        message:
          "production with AUTH_JWKS_URL needs CURSOR_SECRET (32+ characters): the key cursors and beneficiaries' alert ids are signed with",
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = i.path.join('.');
        const value = env[name];
        return `${name}: ${i.message}${value === undefined ? '' : ` (got ${shown(name, value)})`}`;
      }),
    );
  }
  return result.data;
}

/** The configuration, or (a command's start) the problems on stderr and exit code 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
}

/** What a refused value is echoed as: a secret never (only its length), a connection string without its password. */
function shown(name: string, value: string): string {
  return /SECRET|PASSWORD|TOKEN|KEY/.test(name) ? `${value.length} characters, not shown` : JSON.stringify(redactCredentials(value));
}

/**
 * A connection string's password is never echoed into logs: `kurrentdb://admin:***@host`, also
 * in a URL that did not parse (`user:pass@host` without a scheme) and as a `password=` parameter.
 */
export function redactCredentials(value: string): string {
  return value
    .replace(/^((?:[a-z][a-z0-9+.-]*:\/*)?[^:/@?#\s]*):[^@/?#\s]*@/i, '$1:***@')
    .replace(/([?&;\s](?:password|pass|pwd|secret|token)=)[^&;\s]*/gi, '$1***');
}
