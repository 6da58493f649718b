import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Every table with an `org_id` column is a tenant table: row-level security is enabled on it in
 * the migrations (see `migrations/0001_tenancy.sql`), and a test fails if one is added without.
 */

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  /** 'platform' is the one organization platform administrators belong to. */
  kind: text('kind', { enum: ['tenant', 'platform'] })
    .notNull()
    .default('tenant'),
  status: text('status', { enum: ['active', 'deactivated'] })
    .notNull()
    .default('active'),
  features: jsonb('features').$type<Record<string, boolean>>().notNull().default({}),
  maxStudies: integer('max_studies'),
  maxUsers: integer('max_users'),
  deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
  deactivatedReason: text('deactivated_reason'),
  ...timestamps,
});

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    status: text('status', { enum: ['active', 'deactivated'] })
      .notNull()
      .default('active'),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    deactivatedAt: timestamp('deactivated_at', { withTimezone: true }),
    deactivatedReason: text('deactivated_reason'),
    createdBy: uuid('created_by'),
    ...timestamps,
  },
  (t) => [
    // E-mail is the login name, so it is unique across the platform, whatever its case.
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    index('users_org_idx').on(t.orgId),
  ],
);

export const roles = pgTable(
  'roles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** null for the built-in system roles every organization shares */
    orgId: uuid('org_id').references(() => organizations.id),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    isSystem: boolean('is_system').notNull().default(false),
    permissions: text('permissions').array().notNull(),
    ...timestamps,
  },
  (t) => [unique('roles_org_key').on(t.orgId, t.key).nullsNotDistinct()],
);

export const studies = pgTable(
  'studies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    protocol: text('protocol'),
    phase: text('phase').notNull(),
    therapeuticArea: text('therapeutic_area'),
    description: text('description'),
    status: text('status', { enum: ['draft', 'active', 'locked', 'archived'] })
      .notNull()
      .default('draft'),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
    archivedReason: text('archived_reason'),
    createdBy: uuid('created_by'),
    /** The data version dashboards and pipelines read; moved by activate / roll back, always audited. */
    activeDataVersionId: uuid('active_data_version_id'),
    /** The enrollment plan (target subjects, first and last planned enrollment day): dashboards draw it. */
    plannedEnrollment: integer('planned_enrollment'),
    plannedEnrollmentStart: date('planned_enrollment_start', { mode: 'string' }),
    plannedEnrollmentEnd: date('planned_enrollment_end', { mode: 'string' }),
    ...timestamps,
  },
  (t) => [
    unique('studies_org_code').on(t.orgId, t.code),
    check('studies_planned_enrollment_positive', sql`${t.plannedEnrollment} > 0`),
    check('studies_planned_enrollment_dates', sql`${t.plannedEnrollmentEnd} > ${t.plannedEnrollmentStart}`),
  ],
);

export const roleAssignments = pgTable(
  'role_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    /** null: the role holds organization-wide */
    studyId: uuid('study_id').references(() => studies.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('role_assignments_unique').on(t.userId, t.roleId, t.studyId).nullsNotDistinct(),
    index('role_assignments_user_idx').on(t.userId),
  ],
);

/** A login: one refresh-token family. Ends on logout, idle timeout, reuse or deactivation. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    /** SHA-256 of the token; the token itself is only ever in the user's cookie. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** Append-only (a trigger rejects UPDATE, DELETE and TRUNCATE); hash-chained per organization. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    actorType: text('actor_type', { enum: ['user', 'api_key', 'system'] }).notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id'),
    /**
     * The resource as a person knows it when the event is written (a study's code, a version's time
     * and source, a dashboard's title): it outlives renames and deletions. Hashed when present.
     */
    resourceLabel: text('resource_label'),
    oldValues: jsonb('old_values'),
    newValues: jsonb('new_values'),
    reason: text('reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The database clock, written as text with microseconds so the hash can be recomputed. */
    createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull(),
  },
  (t) => [
    unique('audit_events_org_seq').on(t.orgId, t.seq),
    index('audit_events_org_created_idx').on(t.orgId, t.createdAt),
    index('audit_events_org_action_idx').on(t.orgId, t.action),
  ],
);

/** The newest link of each organization's chain; its row lock serializes appends. */
export const auditHeads = pgTable(
  'audit_heads',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId] })],
);

/**
 * One immutable snapshot of a study's clinical data: a folder
 * `source_data/{label}/` of Parquet files plus `manifest.json`. Rows are never updated or deleted
 * (a trigger refuses both); "active" is the pointer on `studies`.
 */
export const dataVersions = pgTable(
  'data_versions',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    /** Folder name under source_data: `YYYYMMDD_HHMMSS`, with `_2`, `_3` when two land in one second. */
    label: text('label').notNull(),
    kind: text('kind', { enum: ['upload', 'demo'] }).notNull(),
    sourceFileName: text('source_file_name').notNull(),
    sourceBytes: bigint('source_bytes', { mode: 'number' }).notNull(),
    sourceSha256: text('source_sha256').notNull(),
    /** Files of the upload that did not become datasets, each with the reason. */
    skipped: jsonb('skipped').$type<{ file: string; reason: string }[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('data_versions_study_label').on(t.studyId, t.label),
    index('data_versions_study').on(t.studyId, t.createdAt),
  ],
);

export interface StoredColumn {
  name: string;
  label: string | null;
  type: string;
  length: number | null;
  format: string | null;
}

/**
 * An upload that did not become a version (unreadable file, bad ZIP, conversion error): kept so the
 * study's people see it (the home page's open problems) after the uploader's screen is gone. Open
 * until a later upload of the study succeeds. Never changed.
 */
export const uploadFailures = pgTable(
  'upload_failures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    fileName: text('file_name').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    errorCode: text('error_code').notNull(),
    message: text('message').notNull(),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('upload_failures_study').on(t.studyId, t.createdAt)],
);

export const datasets = pgTable(
  'datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    versionId: uuid('version_id')
      .notNull()
      .references(() => dataVersions.id),
    name: text('name').notNull(),
    label: text('label'),
    rows: bigint('rows', { mode: 'number' }).notNull(),
    columns: jsonb('columns').$type<StoredColumn[]>().notNull(),
    /** The uploaded file (or `archive.zip/entry`) it came from, and that file's format. */
    source: text('source').notNull(),
    format: text('format').notNull(),
    /** File name inside the version folder. */
    file: text('file').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('datasets_version_name').on(t.versionId, sql`lower(${t.name})`)],
);

/**
 * A study dashboard. `document` is the current `DashboardDocument` (see packages/contracts);
 * `version` goes up by one on every save, and each saved state is also kept in
 * `dashboard_versions`. A deleted dashboard keeps its row and history (`deleted_at`).
 */
export const dashboards = pgTable(
  'dashboards',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    name: text('name').notNull(),
    description: text('description'),
    templateId: text('template_id'),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    version: integer('version').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    updatedBy: uuid('updated_by').references(() => users.id),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index('dashboards_study').on(t.studyId)],
);

/** Every saved state of a dashboard, immutable. */
export const dashboardVersions = pgTable(
  'dashboard_versions',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    dashboardId: uuid('dashboard_id')
      .notNull()
      .references(() => dashboards.id),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    comment: text('comment'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.dashboardId, t.version] })],
);

/** An organization's own dashboard templates (built-in templates live in code). */
export const dashboardTemplates = pgTable('dashboard_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id')
    .notNull()
    .references(() => organizations.id),
  name: text('name').notNull(),
  description: text('description').notNull(),
  document: jsonb('document').$type<Record<string, unknown>>().notNull(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Wrong passwords per account and client IP: enough of them from one address lock the account
 * for that address only, so someone who merely knows an e-mail cannot lock its owner out
 * everywhere (the account-wide counter on `users` has a higher threshold).
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    ip: text('ip').notNull(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    failures: integer('failures').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.ip] })],
);

/**
 * The security log, apart from the business audit trail: denied permissions, probes of another
 * tenant's resources, bad tokens, refresh-token reuse, rate limits, sign-in lockouts. Identical
 * events in one minute are one row with a count (`fingerprint` names "identical"), so a flood
 * grows a counter rather than the table.
 */
export const securityEvents = pgTable(
  'security_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Whose log the row is in; the platform organization's for events no tenant may see. */
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    kind: text('kind').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    fingerprint: text('fingerprint').notNull(),
    count: integer('count').notNull().default(1),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    actorType: text('actor_type'),
    actorId: text('actor_id'),
    actorLabel: text('actor_label'),
    /** The actor's organization, when it is not the row's (platform rows). */
    actorOrgId: uuid('actor_org_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    method: text('method'),
    route: text('route'),
    status: integer('status'),
    /** The tenant whose resource was probed (cross-tenant events). */
    targetOrgId: uuid('target_org_id'),
    resourceType: text('resource_type'),
    /** Up to five of the resource ids involved in this window. */
    resourceIds: jsonb('resource_ids').$type<string[]>(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    /** A tenant's copy of an event whose full record is the platform's. */
    redacted: boolean('redacted').notNull().default(false),
  },
  (t) => [
    unique('security_events_window_key').on(t.orgId, t.windowStart, t.fingerprint),
    index('security_events_org_seen_idx').on(t.orgId, t.lastSeenAt),
  ],
);

// ── pipe-runtime ──

/**
 * A study's pipeline (DSL, SQL or Python). The row holds the current definition; `version` goes
 * up by one on every save and each saved state is also kept, immutable, in `pipeline_versions`.
 */
export const pipelines = pgTable(
  'pipelines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    name: text('name').notNull(),
    description: text('description'),
    kind: text('kind', { enum: ['dsl', 'sql', 'python'] }).notNull(),
    body: jsonb('body').$type<unknown>().notNull(),
    inputs: jsonb('inputs').$type<PipelineInputJson[]>().notNull(),
    outputs: jsonb('outputs').$type<string[]>().notNull(),
    triggers: jsonb('triggers').$type<PipelineTriggersJson>().notNull(),
    version: integer('version').notNull(),
    /** The last cron occurrence a run was queued for (so a minute is never fired twice). */
    scheduleFiredAt: timestamp('schedule_fired_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id),
    updatedBy: uuid('updated_by').references(() => users.id),
    ...timestamps,
  },
  (t) => [index('pipelines_study').on(t.studyId)],
);

export interface PipelineInputJson {
  name: string;
  source: { kind: 'dataset'; dataset: string } | { kind: 'pipeline'; pipelineId: string; output: string };
}
export interface PipelineTriggersJson {
  onSourceActivation: boolean;
  schedule: { cron: string; timeZone: string } | null;
  afterUpstream: boolean;
}

/** Every saved state of a pipeline, immutable: a run names the version it ran. */
export const pipelineVersions = pgTable(
  'pipeline_versions',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    kind: text('kind', { enum: ['dsl', 'sql', 'python'] }).notNull(),
    body: jsonb('body').$type<unknown>().notNull(),
    inputs: jsonb('inputs').$type<PipelineInputJson[]>().notNull(),
    outputs: jsonb('outputs').$type<string[]>().notNull(),
    triggers: jsonb('triggers').$type<PipelineTriggersJson>().notNull(),
    comment: text('comment'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.pipelineId, t.version] })],
);

/**
 * One run of a pipeline version. Progress and the log are written here (and in
 * `pipeline_run_logs`) by the worker, so any API process can stream them. At most one run of a
 * pipeline is QUEUED or RUNNING (a partial unique index).
 */
export const pipelineRuns = pgTable(
  'pipeline_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    pipelineVersion: integer('pipeline_version').notNull(),
    status: text('status', { enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] }).notNull(),
    trigger: text('trigger', { enum: ['manual', 'source_activation', 'schedule', 'upstream'] }).notNull(),
    progress: jsonb('progress').$type<{
      step: number;
      steps: number;
      percent: number;
      rows: number | null;
      message: string | null;
    }>(),
    error: jsonb('error').$type<{
      message: string;
      step: number | null;
      path: string | null;
      kind: 'definition' | 'infrastructure' | 'cancelled' | 'interrupted' | 'timeout';
    }>(),
    sourceVersionId: uuid('source_version_id').references(() => dataVersions.id),
    outputVersionId: uuid('output_version_id'),
    attempts: integer('attempts').notNull().default(0),
    requestedBy: uuid('requested_by').references(() => users.id),
    /** The worker process running it, and when it last said it is alive (a dead worker's run is found by it). */
    workerId: text('worker_id'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
  },
  (t) => [
    index('pipeline_runs_pipeline').on(t.pipelineId, t.queuedAt),
    uniqueIndex('pipeline_runs_one_active').on(t.pipelineId).where(sql`${t.status} in ('QUEUED', 'RUNNING')`),
  ],
);

/** A run's log, line by line (`seq` increasing per run): streamed live as server-sent events. */
export const pipelineRunLogs = pgTable(
  'pipeline_run_logs',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    runId: uuid('run_id')
      .notNull()
      .references(() => pipelineRuns.id),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    level: text('level', { enum: ['info', 'warn', 'error'] }).notNull(),
    step: integer('step'),
    message: text('message').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/**
 * An output version: the datasets one succeeded run wrote, under `pipeline_output/{label}/` with a
 * manifest recording lineage. Immutable, like a data version.
 */
export const pipelineOutputs = pgTable(
  'pipeline_outputs',
  {
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    pipelineVersion: integer('pipeline_version').notNull(),
    runId: uuid('run_id')
      .notNull()
      .references(() => pipelineRuns.id),
    sourceVersionId: uuid('source_version_id').references(() => dataVersions.id),
    /** Output versions of other pipelines this run read (chained pipelines). */
    upstreamOutputIds: jsonb('upstream_output_ids').$type<string[]>().notNull(),
    /** Folder name under pipeline_output: `YYYYMMDD_HHMMSS`, with `_2`, `_3` when two land in one second. */
    label: text('label').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('pipeline_outputs_study_label').on(t.studyId, t.label),
    unique('pipeline_outputs_run').on(t.runId),
    index('pipeline_outputs_pipeline').on(t.pipelineId, t.createdAt),
  ],
);

/** The datasets of an output version (the same facts as `datasets` keeps for a source version). */
export const pipelineOutputDatasets = pgTable(
  'pipeline_output_datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    outputId: uuid('output_id')
      .notNull()
      .references(() => pipelineOutputs.id),
    name: text('name').notNull(),
    label: text('label'),
    rows: bigint('rows', { mode: 'number' }).notNull(),
    columns: jsonb('columns').$type<StoredColumn[]>().notNull(),
    file: text('file').notNull(),
    sha256: text('sha256').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('pipeline_output_datasets_name').on(t.outputId, sql`lower(${t.name})`)],
);

// ── apikeys15 ──

/**
 * API keys: another system acting in one organization on behalf of the user who made the key.
 * Only the SHA-256 of the secret is kept (`secret_hash`); `prefix` is its first characters, shown
 * so a person can tell keys apart. A key holds `scopes` only while its creator still holds them
 * (re-checked on every request), limited to `study_ids` when set.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    /** Null: every study of the organization the creator may see. */
    studyIds: jsonb('study_ids').$type<string[] | null>(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    hourlyLimit: integer('hourly_limit').notNull().default(1000),
    dailyLimit: integer('daily_limit').notNull().default(10000),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Touched at most once a minute by the authentication function, not on every request. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    lastUsedIp: text('last_used_ip'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
  },
  (t) => [uniqueIndex('api_keys_secret_hash_key').on(t.secretHash), index('api_keys_org_idx').on(t.orgId, t.createdAt)],
);

/**
 * Request counters of fixed windows (an hour, a day), one row per bucket and window, counted up
 * by one atomic upsert per request, so every API process sees the same counts.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowSeconds: integer('window_seconds').notNull(),
    hits: integer('hits').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart] }),
    index('rate_limit_counters_window_idx').on(t.windowStart),
  ],
);

// ── webhooks15 ──

/**
 * Where an organization wants events sent. The signing secret (`whsec_…`, Standard Webhooks) is
 * kept to sign with and never shown after creation or rotation; during a rotation's overlap the
 * previous one signs too, so a receiver can switch without losing a delivery.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    events: text('events').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** Why the system switched it off (every retry of a delivery failed); cleared when re-enabled. */
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('webhook_endpoints_org').on(t.orgId, t.createdAt)],
);

/** The outbox: one row per event, written in the transaction of the change that caused it. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_events_org').on(t.orgId, t.createdAt)],
);

/** One event on its way to one endpoint: `pending` until an attempt succeeds or the retries run out. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => webhookEvents.id),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    /** pending | succeeded | failed | cancelled */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    /** The delivery this one repeats (Redeliver), if any. */
    redeliveryOf: uuid('redelivery_of'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt),
    index('webhook_deliveries_event').on(t.eventId),
  ],
);

/** The delivery log: every HTTP attempt with its answer (status, time taken, the first bytes). */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    number: integer('number').notNull(),
    ok: boolean('ok').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    responseExcerpt: text('response_excerpt'),
    /** Why no answer counted: refused address, timeout, connection error, redirect. */
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.number)],
);

// ── 18-prod ──

/**
 * Rate-limit windows of requests made before anyone is known (sign-in, token refresh), counted by
 * client address and route. In PostgreSQL, like `rate_limit_counters`, so the limits hold across
 * every API process behind a load balancer. No tenant: the request has none yet.
 */
export const anonymousRateLimitCounters = pgTable(
  'anonymous_rate_limit_counters',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowSeconds: integer('window_seconds').notNull(),
    hits: integer('hits').notNull().default(1),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart] }),
    index('anonymous_rate_limit_counters_window_idx').on(t.windowStart),
  ],
);
