import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseRouteLimits } from './lib/route-limits.ts';

/**
 * Every setting comes from the environment, is parsed here once and documented in README.md.
 * Values that must stay secret (JWT secret, database passwords) are generated on first start
 * and kept under DATA_DIR when not given.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Interface to listen on; unset: 127.0.0.1 for `cdp start`, 0.0.0.0 for `cdp api` (see listenHost). */
  HOST: z.string().optional(),
  /** Where clinical data, the embedded database and generated secrets live. */
  DATA_DIR: z.string().default('./.data'),
  /** Owner connection (migrations, seed). When unset, an embedded PostgreSQL starts under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Runtime connection as the non-owner role cdp_app; derived from DATABASE_URL when unset. */
  DATABASE_APP_URL: z.string().url().optional(),
  /** Password given to the cdp_app role by `cdp migrate` (external PostgreSQL only). */
  DATABASE_APP_PASSWORD: z.string().min(12).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Port of the embedded PostgreSQL (loopback only). */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  /**
   * `false`: the embedded PostgreSQL neither flushes at each commit nor fsyncs (a crash of the
   * machine may lose or corrupt the database). Only for a throwaway installation: the e2e servers.
   */
  EMBEDDED_PG_DURABLE: z.enum(['true', 'false']).default('true'),
  /**
   * `false`: a version's or an export's files are not flushed to the disk before the row naming
   * them commits (a power loss may leave a committed version without its files). Test clusters only.
   */
  DATA_FILES_DURABLE: z.enum(['true', 'false']).default('true'),
  JWT_SECRET: z.string().min(32).optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(720).default(12),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** Wrong passwords from all addresses together before the account locks everywhere. */
  LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().min(1).max(10_000).default(25),
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Send the refresh cookie with the Secure flag: on behind HTTPS; off for http://localhost. */
  COOKIE_SECURE: z.enum(['true', 'false', 'auto']).default('auto'),
  CDP_DEMO_PASSWORD: z.string().optional(),
  /** Load the demo organization and users on first start. */
  CDP_SEED_DEMO: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted JSON body, in bytes. */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Requests per minute per IP on the login endpoint. */
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /**
   * Trust X-Forwarded-For from a reverse proxy for the client IP the audit trail records:
   * "true", or a comma-separated list of proxy addresses / CIDR ranges. Off by default.
   */
  TRUST_PROXY: z.string().default('false'),
  /** Largest accepted data upload (a ZIP or one file), in bytes. */
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 ** 3),
  /** Most bytes a ZIP may inflate to (counted while inflating, never from its headers). */
  ZIP_MAX_UNCOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 ** 3),
  /**
   * Nice value (0–19) of background CPU work: every thread of a `cdp worker`, and the upload
   * conversion threads of `cdp api` and `cdp start`, so requests get a core first on a busy
   * machine. 0 runs them at the request handlers' priority.
   */
  BACKGROUND_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * V8's heap growing factor for the whole process, in percent over the live heap (100: the next
   * full collection when the heap has doubled); 0 leaves V8's own adaptive factor. Set for the
   * upload conversion threads, whose adaptive factor falls to 1.1 (lib/heap-growing.ts).
   */
  V8_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1000).default(100),
  /** Uploads converted at once per API process; later ones wait their turn. */
  CONVERSION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * Uploads' conversion code compiled before the first upload (issue 17): once `cdp api` or
   * `cdp start` listens, its conversion worker converts a synthetic SDTM transfer this many times
   * at the background priority (~0.5 s of CPU a round, ~5 s for the eight, measured under load),
   * stopping early when an upload comes. 0: no warm-up, the first uploads warm the code themselves.
   */
  CONVERSION_WARM_UP_ROUNDS: z.coerce.number().int().min(0).max(100).default(8),
  /**
   * One conversion worker (with its member threads) kept for good, so what it compiled survives
   * quiet hours (about 120 MB of resident memory, measured); `false`: every conversion worker
   * stops after a minute idle.
   */
  CONVERSION_KEEP_WORKER: z.enum(['true', 'false']).default('true'),
  /** DuckDB's memory limit per conversion and for dataset queries; work beyond it spills to disk. */
  DUCKDB_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'e.g. 512MB or 2GB')
    .default('256MB'),
  /** Dashboard queries: DuckDB memory limit (their own instance, apart from the dataset viewer's). */
  DASHBOARD_QUERY_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'e.g. 512MB or 2GB')
    .default('512MB'),
  /** A dashboard query running longer than this is interrupted and reported to the widget. */
  DASHBOARD_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** How long a dashboard export's file is kept before the purge job removes it. */
  EXPORT_RETENTION_HOURS: z.coerce.number().int().min(1).max(8760).default(72),
  /** The most rows of one listing an export holds (PDF, PowerPoint, Excel, a widget's CSV/XLSX). */
  EXPORT_LISTING_MAX_ROWS: z.coerce.number().int().min(1000).max(1_000_000).default(100_000),
  /**
   * `true`: a worker loads and warms the export renderers when it starts (~170 MB it keeps, and the
   * first export does not wait 1–2 s for them). `false`: at the process's first export, so a worker
   * that only runs pipelines and pulls never holds them (docs/decisions.md, "Export renderers").
   */
  EXPORT_RENDERERS_AT_START: z.enum(['true', 'false']).default('false'),
  /**
   * `true`: the memory DuckDB freed goes back to the system when the worker goes idle (a second
   * after its last job, and after the start-up warm-up: lib/duckdb-memory.ts), instead of staying
   * with DuckDB's allocator for good; the DSL's instances also run its background thread
   * (docs/decisions.md, "worker memory", p12 and p12m).
   */
  DUCKDB_RELEASE_IDLE_MEMORY: z.enum(['true', 'false']).default('true'),
  /**
   * Dashboard queries DuckDB runs at once per process; more wait their turn (identical ones share a
   * run). DuckDB spreads each query over every core already: twice the cores (at most 12) keeps
   * them busy without queries fighting over them (docs/decisions.md, "Dashboard speed").
   */
  DASHBOARD_QUERY_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(Math.min(12, 2 * os.availableParallelism())),
  /**
   * DuckDB threads each dashboard query may use. 1: queries already run side by side
   * (CONCURRENCY), and one thread each spent ~20% less CPU per Overview page than DuckDB's default
   * (every core), measured page for page in one run (docs/decisions.md, "Cold query cost").
   */
  DASHBOARD_QUERY_THREADS: z.coerce.number().int().min(1).max(256).default(1),
  /**
   * Fold aggregates of the same rows that a page asks for together (Total screened, Screen
   * failures, Subject Flow's counts) into one DuckDB query: `false` runs each as its own (same answers).
   */
  DASHBOARD_QUERY_FOLD: z.enum(['true', 'false']).default('true'),
  /**
   * With folding: also fold the queries of that kind still waiting for a turn when one comes, from
   * any user's page (`false`: only those one page asks for together).
   */
  DASHBOARD_QUERY_FOLD_QUEUED: z.enum(['true', 'false']).default('true'),
  /**
   * With queue folding: how many pages past those being served a folded query may take specs of
   * (`all`: every waiting page's; 0: only the pages being served, so an early page's answers are
   * not held up by later pages' shares).
   */
  /**
   * `true`: once listening, the server asks the first page of its 10 most recently changed
   * dashboards with active data once, one page at a time while the engine is idle, so the first
   * users after a start do not pay for DuckDB's first reads, checks, copies and base tables.
   */
  DASHBOARD_WARM_AT_START: z.enum(['true', 'false']).default('true'),
  /**
   * After a data version is activated (in any process), warm that study's dashboards' first pages in
   * this API process's engine when it is idle (dashboards/activation-warm-up.ts).
   */
  DASHBOARD_WARM_ON_ACTIVATION: z.enum(['true', 'false']).default('true'),
  DASHBOARD_QUERY_FOLD_WINDOW: z
    .union([z.literal('all'), z.coerce.number().int().min(0).max(10_000)], {
      error: '`all`, or a whole number of pages from 0 to 10000',
    })
    .default('all'),
  /**
   * Keep each DuckDB connection's prepared statements and run a known query shape by binding its
   * filter values (parsed, bound and planned once per connection): `false` prepares every query anew.
   */
  DASHBOARD_QUERY_PREPARED: z.enum(['true', 'false']).default('true'),
  /**
   * Count subjects without DISTINCT where the engine has checked, once per file, that the column
   * repeats no value (USUBJID of DM or ADSL): `false` keeps every count(DISTINCT …) (same answers).
   */
  DASHBOARD_QUERY_UNIQUE_COUNTS: z.enum(['true', 'false']).default('true'),
  /**
   * Which waiting dashboard query runs next: `page`, the queries of the page asked for first (a page
   * finishes before a later one starts); `cost`, that plus 10 × the query shape's recent run time
   * (quick answers overtake slow ones; not shown to help yet); `arrival`, first come first served
   * (docs/decisions.md, "Dashboard queries in turn").
   */
  DASHBOARD_QUERY_ORDER: z.enum(['page', 'cost', 'arrival']).default('page'),
  /**
   * Read datasets smaller than DASHBOARD_BASE_TABLE_MIN_ROWS (DM, AE, DS) from in-memory copies
   * whose subject ids are matched and counted by integer keys (within DASHBOARD_BASE_TABLE_MB):
   * `false` reads the files (same answers).
   */
  DASHBOARD_QUERY_KEYED_COPIES: z.enum(['true', 'false']).default('true'),
  /**
   * Answer counts filtered by whole-number ranges on the subject dataset (a page's age range) by
   * summing a partial grouped by the ranged column, one per data version and widget query shared by
   * every page: `false` runs each page's query (same answers).
   */
  DASHBOARD_QUERY_PARTIALS: z.enum(['true', 'false']).default('true'),
  /**
   * Megabytes (estimated) of base tables the dashboard engine keeps: a large dataset's rows that pass
   * a widget's own filters (ALT rows of LB), so a filter change reads those instead of the file. 0: off.
   */
  DASHBOARD_BASE_TABLE_MB: z.coerce.number().int().min(0).max(65_536).default(128),
  /** Datasets with fewer rows than this are read from their files every time (no base table). */
  DASHBOARD_BASE_TABLE_MIN_ROWS: z.coerce.number().int().min(0).default(100_000),
  /**
   * Megabytes of dataset rows (as JSON text) each API process keeps for the dataset viewer, in blocks
   * of 250 rows per view (docs/decisions.md, "Dataset rows from kept blocks"). 0: every page is read.
   */
  DATASET_ROWS_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(32),
  /** Requests a signed-in user may make per hour (all routes together); API keys carry their own limits. */
  RATE_LIMIT_USER_PER_HOUR: z.coerce.number().int().min(1).default(10_000),
  /**
   * Seconds an API process reuses an authenticated actor (session or API key) before asking the
   * database again; a revocation or role change empties the cache within about a second on every
   * process (docs/decisions.md, "Actor cache"). 0 turns the cache off.
   */
  ACTOR_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  /**
   * Milliseconds between a process's batched writes of rate-limit counts; near a limit every
   * request is counted in the database at once (docs/api.md, "Rate limits"). 0: every request.
   */
  RATE_LIMIT_FLUSH_MS: z.coerce.number().int().min(0).max(5000).default(200),
  /** Per-route limits of API keys per hour over the defaults, e.g. `list_studies=500,upload=20` (docs/api.md). */
  RATE_LIMIT_ROUTES: z.string().optional(),
  /** Folder with the built web app; served at / when present. */
  WEB_DIST_DIR: z.string().optional(),
  /** Let webhooks reach plain HTTP and private, loopback and link-local addresses (tests, closed networks). */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** A webhook receiver that has not answered in this time counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * The AES-256 key (32 bytes, base64 or 64 hex digits) that encrypts data-source credentials.
   * Unset: one is generated into DATA_DIR/secrets.json. Several API and worker processes need the same.
   */
  CDP_SECRET_KEY: z.string().optional(),
  /** Earlier keys (comma-separated), read until `cdp secrets rotate` has re-encrypted everything. */
  CDP_SECRET_KEY_PREVIOUS: z.string().optional(),
  /**
   * The AES-256 master key (32 bytes, base64 or 64 hex digits) wrapping each study's PHI data key.
   * Unset: one is generated into DATA_DIR/secrets.json. Every API and worker process needs the same.
   */
  CDP_MASTER_KEY: z.string().optional(),
  /** Earlier master keys (comma-separated), read until `cdp keys rotate` has re-wrapped every study key. */
  CDP_MASTER_KEY_PREVIOUS: z.string().optional(),
  /** The folder under which watched-folder data sources may read; unset: watched folders are off. */
  IMPORT_ROOT: z.string().optional(),
  /**
   * Where report e-mails go: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465
   * (TLS from the start). Unset: each message is written as an .eml file under DATA_DIR/outbox.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'e.g. smtp://user:password@mail.example.com:587 or smtps://…:465')
    .optional(),
  /** The From of report e-mails. */
  MAIL_FROM: z.string().min(3).max(300).default('CDP Reports <reports@cdp.local>'),
  /** An SMTP server that has not answered in this time fails the send. */
  MAIL_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** A report file larger than this is not attached: the mail carries a sign-in link instead. */
  REPORT_ATTACHMENT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 ** 2),
  /** How long such a link (and the file behind it) can be opened. */
  REPORT_LINK_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(7 * 24),
  /** The address people open the app at, for links in e-mails; default http://localhost:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** Port of the admin listener: Prometheus metrics at /metrics, /healthz and /readyz (every role, workers too). Off when unset. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Interface of the admin listener (default 0.0.0.0: Prometheus scrapes it from another host). */
  METRICS_HOST: z.string().default('0.0.0.0'),
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** On SIGTERM: how long running jobs may take to finish before they are handed back to the queue. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** OpenTelemetry: traces go over OTLP/HTTP (JSON) to `<endpoint>/v1/traces` when set; nothing is started when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** The `service.name` on the spans (default `cdp-<mode>`). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

export type Config = ReturnType<typeof loadConfig>;

/** Every environment variable CDP reads (deploy manifests are checked against it). */
export const CONFIG_ENV_NAMES: readonly string[] = Object.keys(Env.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  // An empty variable (`FOO=` in a .env file or a container spec) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST ?? null,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databaseAppUrl: e.DATABASE_APP_URL,
    databaseAppPassword: e.DATABASE_APP_PASSWORD,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    embeddedPgDurable: e.EMBEDDED_PG_DURABLE === 'true',
    dataFilesDurable: e.DATA_FILES_DURABLE === 'true',
    jwtSecret: e.JWT_SECRET,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockoutMinutes: e.LOGIN_LOCKOUT_MINUTES,
    loginAccountMaxFailures: e.LOGIN_ACCOUNT_MAX_FAILURES,
    cookieSecure: e.COOKIE_SECURE,
    demoPassword: e.CDP_DEMO_PASSWORD,
    seedDemo: e.CDP_SEED_DEMO === 'true',
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    zipMaxUncompressedBytes: e.ZIP_MAX_UNCOMPRESSED_BYTES,
    duckdbMemoryLimit: e.DUCKDB_MEMORY_LIMIT,
    conversionConcurrency: e.CONVERSION_CONCURRENCY,
    conversionWarmUpRounds: e.CONVERSION_WARM_UP_ROUNDS,
    conversionKeepWorker: e.CONVERSION_KEEP_WORKER === 'true',
    backgroundNice: e.BACKGROUND_NICE,
    heapGrowingPercent: e.V8_HEAP_GROWING_PERCENT,
    dashboardQueryMemoryLimit: e.DASHBOARD_QUERY_MEMORY_LIMIT,
    dashboardQueryTimeoutMs: e.DASHBOARD_QUERY_TIMEOUT_MS,
    exportRetentionHours: e.EXPORT_RETENTION_HOURS,
    exportListingMaxRows: e.EXPORT_LISTING_MAX_ROWS,
    exportRenderersAtStart: e.EXPORT_RENDERERS_AT_START === 'true',
    duckdbReleaseIdleMemory: e.DUCKDB_RELEASE_IDLE_MEMORY === 'true',
    dashboardQueryConcurrency: e.DASHBOARD_QUERY_CONCURRENCY,
    dashboardQueryThreads: e.DASHBOARD_QUERY_THREADS,
    dashboardQueryFold: e.DASHBOARD_QUERY_FOLD === 'true',
    dashboardQueryFoldQueued: e.DASHBOARD_QUERY_FOLD_QUEUED === 'true',
    dashboardWarmAtStart: e.DASHBOARD_WARM_AT_START === 'true',
    dashboardWarmOnActivation: e.DASHBOARD_WARM_ON_ACTIVATION === 'true',
    dashboardQueryFoldWindow:
      e.DASHBOARD_QUERY_FOLD_WINDOW === 'all' ? Number.POSITIVE_INFINITY : e.DASHBOARD_QUERY_FOLD_WINDOW,
    dashboardQueryPrepared: e.DASHBOARD_QUERY_PREPARED === 'true',
    dashboardQueryUniqueCounts: e.DASHBOARD_QUERY_UNIQUE_COUNTS === 'true',
    dashboardQueryOrder: e.DASHBOARD_QUERY_ORDER,
    dashboardQueryKeyedCopies: e.DASHBOARD_QUERY_KEYED_COPIES === 'true',
    dashboardQueryPartials: e.DASHBOARD_QUERY_PARTIALS === 'true',
    dashboardBaseTableMb: e.DASHBOARD_BASE_TABLE_MB,
    dashboardBaseTableMinRows: e.DASHBOARD_BASE_TABLE_MIN_ROWS,
    datasetRowsCacheMb: e.DATASET_ROWS_CACHE_MB,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    secretKey: e.CDP_SECRET_KEY ?? null,
    previousSecretKeys: (e.CDP_SECRET_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    masterKey: e.CDP_MASTER_KEY ?? null,
    previousMasterKeys: (e.CDP_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    importRoot: e.IMPORT_ROOT ? path.resolve(e.IMPORT_ROOT) : null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    mailTimeoutMs: e.MAIL_TIMEOUT_MS,
    reportAttachmentMaxBytes: e.REPORT_ATTACHMENT_MAX_BYTES,
    reportLinkTtlHours: e.REPORT_LINK_TTL_HOURS,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    metricsPort: e.METRICS_PORT ?? null,
    metricsHost: e.METRICS_HOST,
    metricsToken: e.METRICS_TOKEN ?? null,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    otelEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
    otelServiceName: e.OTEL_SERVICE_NAME ?? null,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    rateLimitUserPerHour: e.RATE_LIMIT_USER_PER_HOUR,
    actorCacheSeconds: e.ACTOR_CACHE_SECONDS,
    rateLimitFlushMs: e.RATE_LIMIT_FLUSH_MS,
    rateLimitRoutes: parseRouteLimits(e.RATE_LIMIT_ROUTES),
    webDistDir: e.WEB_DIST_DIR ? path.resolve(e.WEB_DIST_DIR) : path.resolve(import.meta.dirname, '../../web/dist'),
  };
}

function parseTrustProxy(value: string): boolean | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * `cdp start` is the try-it-on-your-computer mode with well-known demo accounts, so unless HOST
 * says otherwise only this computer can reach it. `cdp api` is the production mode, which runs
 * behind a load balancer or in a container and must listen on every interface.
 */
export function listenHost(config: Pick<Config, 'host'>, mode: 'start' | 'api'): string {
  return config.host ?? (mode === 'start' ? '127.0.0.1' : '0.0.0.0');
}
