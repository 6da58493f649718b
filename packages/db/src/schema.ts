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
    /**
     * When the session's first electronic signature was made with every component (e-mail,
     * password, second factor); later signings in this continuous session need the password only
     * (21 CFR 11.200(a)(1)).
     */
    signatureAuthenticatedAt: timestamp('signature_authenticated_at', { withTimezone: true }),
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

// ── 13-sources ──

/** What a data source keeps about its last pull, shown on its page without reading the history. */
export type DataSourcePullStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'UNCHANGED' | 'FAILED' | 'CANCELLED';

/**
 * A study's data source (issue 13): Rave, an sFTP folder or a watched folder, pulled by hand or on
 * a cron schedule into new data versions. `config` is the type's configuration (`@cdp/contracts`'
 * `…SourceConfig`); the secret (password, private key, token) lives only in `secret_ciphertext`,
 * AES-256-GCM under the server's key, and is never returned by the API. Never deleted: a deleted
 * source keeps its row (`deleted_at`) so its pulls and versions stay explained.
 */
export const dataSources = pgTable(
  'data_sources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    name: text('name').notNull(),
    type: text('type', { enum: ['rave', 'sftp', 'folder'] }).notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    secretCiphertext: text('secret_ciphertext'),
    secretSetAt: timestamp('secret_set_at', { withTimezone: true }),
    /** Null: pulled by hand only. */
    schedule: jsonb('schedule').$type<{ cron: string; timeZone: string } | null>(),
    scheduleFiredAt: timestamp('schedule_fired_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    autoActivate: boolean('auto_activate').notNull().default(false),
    lastPullStatus: text('last_pull_status').$type<DataSourcePullStatus>(),
    lastPullAt: timestamp('last_pull_at', { withTimezone: true }),
    lastPullMessage: text('last_pull_message'),
    /** When the last pull that succeeded (or found nothing new) started: a connector's `start=`. */
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    index('data_sources_study').on(t.studyId),
    uniqueIndex('data_sources_study_name').on(t.studyId, t.name).where(sql`${t.deletedAt} is null`),
  ],
);

/** One pull of a data source: its progress, outcome and the version it made. One active per source. */
export const dataSourcePulls = pgTable(
  'data_source_pulls',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => dataSources.id),
    status: text('status').$type<DataSourcePullStatus>().notNull(),
    trigger: text('trigger', { enum: ['manual', 'schedule'] }).notNull(),
    progress: jsonb('progress').$type<{
      bytes: number | null;
      files: number | null;
      forms: number | null;
      subjects: number | null;
      message: string | null;
    }>(),
    /** The outcome in one line: the version made, "No changes since …", or the failure naming file or request. */
    message: text('message'),
    versionId: uuid('version_id').references(() => dataVersions.id),
    activated: boolean('activated').notNull().default(false),
    attempts: integer('attempts').notNull().default(0),
    requestedBy: uuid('requested_by').references(() => users.id),
    workerId: text('worker_id'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
  },
  (t) => [
    index('data_source_pulls_source').on(t.sourceId, t.queuedAt),
    uniqueIndex('data_source_pulls_one_active').on(t.sourceId).where(sql`${t.status} in ('QUEUED', 'RUNNING')`),
  ],
);

/** A pull's log, line by line. */
export const dataSourcePullLogs = pgTable(
  'data_source_pull_logs',
  {
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    pullId: uuid('pull_id')
      .notNull()
      .references(() => dataSourcePulls.id),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    level: text('level', { enum: ['info', 'warn', 'error'] }).notNull(),
    message: text('message').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pullId, t.seq] })],
);

// ── 14-render ──

/**
 * Dashboard exports (PDF, PPTX, XLSX): one row per requested file, from queued to written (or
 * failed). The file lives under the study's `exports/` folder until `expires_at`, then the purge
 * job removes it and clears `file_path`; the row stays as the record of what was exported.
 */
export const dashboardExports = pgTable(
  'exports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    dashboardId: uuid('dashboard_id')
      .notNull()
      .references(() => dashboards.id),
    format: text('format', { enum: ['pdf', 'pptx', 'xlsx'] }).notNull(),
    status: text('status', { enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] }).notNull(),
    /** What was asked: page ids (null: all), the view's filters, the renderer's options. */
    request: jsonb('request')
      .$type<{
        pages: string[] | null;
        filters: unknown[];
        options: Record<string, unknown>;
        widgetOptions?: Record<string, Record<string, unknown>>;
      }>()
      .notNull(),
    progress: jsonb('progress').$type<{ done: number; total: number; message: string }>(),
    /** Who the export was made for: the requesting user (scheduled reports: the report's owner). */
    requestedBy: uuid('requested_by').references(() => users.id),
    dataVersionId: uuid('data_version_id').references(() => dataVersions.id),
    fileName: text('file_name'),
    /** Relative to the study's folder; null before the file exists and after it is purged. */
    filePath: text('file_path'),
    mediaType: text('media_type'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    /**
     * The rendering read PHI in clear (its requester was cleared): the file is served only to a
     * reader cleared for PHI on the study. Written with SUCCEEDED, in the same UPDATE.
     */
    clearPhi: boolean('clear_phi').notNull().default(false),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    purgedAt: timestamp('purged_at', { withTimezone: true }),
  },
  (t) => [index('exports_dashboard').on(t.dashboardId, t.createdAt), index('exports_expiry').on(t.expiresAt)],
);

// ── 14-schedule ──

/**
 * A dashboard e-mailed on a schedule. The schedule is daily, weekly (days), monthly (a day of the
 * month or the last day) or a custom cron, at a wall-clock time in an IANA zone; `next_run_at` is
 * kept computed (reports/schedule.ts) so the minute job only asks "what is due".
 */
export const scheduledReports = pgTable(
  'scheduled_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    dashboardId: uuid('dashboard_id')
      .notNull()
      .references(() => dashboards.id),
    /** Whose access the report runs with: its creator (a report never shows more than they may see now). */
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** `{type, time, timeZone, days?, dayOfMonth?, cron?}` (contracts: ReportSchedule). */
    schedule: jsonb('schedule').$type<Record<string, unknown>>().notNull(),
    format: text('format').notNull(),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    filters: jsonb('filters').$type<unknown[]>().notNull().default([]),
    pages: text('pages').array(),
    recipients: text('recipients').array().notNull(),
    cc: text('cc').array().notNull().default([]),
    subject: text('subject').notNull(),
    body: text('body').notNull().default(''),
    active: boolean('active').notNull().default(true),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    lastStatus: text('last_status'),
    failureCount: integer('failure_count').notNull().default(0),
    /** Why the system switched it off (three failures in a row); cleared when switched on again. */
    disabledReason: text('disabled_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('scheduled_reports_study').on(t.orgId, t.studyId), index('scheduled_reports_due').on(t.nextRunAt)],
);

/** One sending of a report (scheduled, or a test to its sender): to whom, how big, what came of it. */
export const scheduledReportRuns = pgTable(
  'scheduled_report_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    reportId: uuid('report_id')
      .notNull()
      .references(() => scheduledReports.id),
    /** schedule | test | resend (a failed run's file mailed again) */
    trigger: text('trigger').notNull(),
    /** running | sent | failed */
    status: text('status').notNull().default('running'),
    /** The occurrence this run is for (scheduled runs): one run per occurrence. */
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
    recipients: text('recipients').array().notNull(),
    cc: text('cc').array().notNull().default([]),
    fileName: text('file_name'),
    filePath: text('file_path'),
    bytes: bigint('bytes', { mode: 'number' }),
    sha256: text('sha256'),
    /** attachment | link (the file was over the size limit: the mail carries a sign-in link) */
    delivery: text('delivery'),
    linkExpiresAt: timestamp('link_expires_at', { withTimezone: true }),
    messageId: text('message_id'),
    error: text('error'),
    requestedBy: uuid('requested_by').references(() => users.id),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('scheduled_report_runs_report').on(t.reportId, t.startedAt),
    uniqueIndex('scheduled_report_runs_occurrence').on(t.reportId, t.scheduledFor),
  ],
);

/** Organization settings of e-mailed reports (admin-editable): whether mail may go outside the organization. */
export const reportSettings = pgTable('report_settings', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id),
  allowExternalRecipients: boolean('allow_external_recipients').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

// ── 16-sign ──

/**
 * Electronic signatures (21 CFR Part 11): append-only like the audit trail (a trigger refuses
 * UPDATE, DELETE and TRUNCATE). The manifestation (printed name, time, time zone, meaning) is
 * stored as signed, never re-derived from the user row; `content_sha256` is the SHA-256 of the
 * signed record's canonical content, the link that verification recomputes.
 */
export const signatures = pgTable(
  'signatures',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id').references(() => studies.id),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    /** What a reader sees of the signed record, e.g. "Dashboard Safety overview, version 3". */
    resourceLabel: text('resource_label').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    signerName: text('signer_name').notNull(),
    signerEmail: text('signer_email').notNull(),
    meaning: text('meaning').notNull(),
    reason: text('reason'),
    contentSha256: text('content_sha256').notNull(),
    /** Which components were checked: every one (first signing in a session) or the password. */
    authentication: text('authentication', { enum: ['full', 'password'] }).notNull(),
    sessionId: uuid('session_id'),
    timeZone: text('time_zone').notNull(),
    signedAt: timestamp('signed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('signatures_resource').on(t.orgId, t.resourceType, t.resourceId),
    index('signatures_user').on(t.userId, t.signedAt),
  ],
);

/**
 * An organization's Part 11 settings: the list of signature meanings, whether activating or rolling
 * back a data version needs a signature, and whether every user needs a second factor.
 */
export const complianceSettings = pgTable('compliance_settings', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id),
  signatureMeanings: jsonb('signature_meanings').$type<string[]>().notNull(),
  requireSignatureForActivation: boolean('require_signature_for_activation').notNull().default(false),
  requireMfa: boolean('require_mfa').notNull().default(false),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A user's TOTP second factor (RFC 6238). The secret is encrypted with AES-256-GCM under a key
 * derived from the server secret (auth/secret-box.ts). `last_step` is the last accepted time step,
 * so a code is accepted once. `pending` until a first code confirms the enrolment.
 */
export const userMfa = pgTable('user_mfa', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  orgId: uuid('org_id')
    .notNull()
    .references(() => organizations.id),
  secretEncrypted: text('secret_encrypted').notNull(),
  status: text('status', { enum: ['pending', 'enabled'] }).notNull(),
  lastStep: bigint('last_step', { mode: 'number' }),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One-time recovery codes, argon2-hashed; `used_at` set on use, never reused. */
export const mfaRecoveryCodes = pgTable(
  'mfa_recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('mfa_recovery_codes_user').on(t.userId)],
);

/**
 * The step between a right password and a session: a short-lived token (only its SHA-256 kept)
 * that the second factor, or the enrolment a policy demands, completes.
 */
export const mfaChallenges = pgTable('mfa_challenges', {
  id: uuid('id').primaryKey().defaultRandom(),
  orgId: uuid('org_id')
    .notNull()
    .references(() => organizations.id),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  tokenHash: text('token_hash').notNull().unique(),
  purpose: text('purpose', { enum: ['verify', 'enrol'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

// ── 16-phi ──

/**
 * A study's classification of a column as PHI (a direct identifier: masked for whoever lacks
 * `data:view_phi:assigned`, encrypted on disk) or sensitive (marked only). Keyed by dataset and
 * column name, upper-cased, so it holds for every version of the study, past and future.
 */
export const phiColumns = pgTable(
  'phi_columns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    dataset: text('dataset').notNull(),
    column: text('column').notNull(),
    classification: text('classification', { enum: ['phi', 'sensitive'] }).notNull(),
    confirmedBy: uuid('confirmed_by').references(() => users.id),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('phi_columns_study_column').on(t.orgId, t.studyId, t.dataset, t.column)],
);

/**
 * Every response that carried PHI in clear: who, when, from where, which study, dataset and
 * columns, how many rows, through which route. Append-only like `audit_events` (trigger + grants).
 */
export const phiAccessLog = pgTable(
  'phi_access_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    userId: uuid('user_id').references(() => users.id),
    apiKeyId: uuid('api_key_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    dataset: text('dataset').notNull(),
    columns: jsonb('columns').$type<string[]>().notNull(),
    rows: integer('rows').notNull(),
    route: text('route').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('phi_access_log_org_created').on(t.orgId, t.createdAt),
    index('phi_access_log_org_user').on(t.orgId, t.userId, t.createdAt),
  ],
);

// ── perf-api ──

/**
 * One row: a number bumped (by triggers, migration 0016) whenever something an authenticated
 * request's actor is made of changes: a session revoked, a user or organization changed, a role or
 * role assignment written, an API key revoked or edited. API processes cache actors and poll this
 * number; a change empties every process's cache (docs/decisions.md, "Actor cache").
 */
export const authVersion = pgTable('auth_version', {
  id: integer('id').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
});

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

// ── rv-workflow ──

/**
 * Review marks, append-only (a trigger refuses UPDATE and DELETE, migration 0018): a record's
 * current mark is its latest row. A record is named by its dataset and its key (USUBJID plus
 * --SEQ, or USUBJID alone in one-row-per-subject data such as DM), written canonically in
 * `record_key` (`USUBJID=01-701-1015|AESEQ=3`). `content_sha256` is the SHA-256 of the record's
 * canonical content when it was reviewed, `snapshot` the values it was reviewed with (PHI: masked
 * on the way out for readers without PHI access), so a later version can say what changed.
 * `action = 'unmarked'` withdraws the mark and keeps the history.
 */
export const reviewMarks = pgTable(
  'review_marks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    dataset: text('dataset').notNull(),
    recordKey: text('record_key').notNull(),
    keyValues: jsonb('key_values').$type<Record<string, string | null>>().notNull(),
    usubjid: text('usubjid').notNull(),
    action: text('action', { enum: ['reviewed', 'unmarked'] }).notNull(),
    contentSha256: text('content_sha256'),
    dataVersionId: uuid('data_version_id')
      .notNull()
      .references(() => dataVersions.id),
    snapshot: jsonb('snapshot').$type<Record<string, string | null>>(),
    comment: text('comment'),
    userId: uuid('user_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('review_marks_record').on(t.orgId, t.studyId, t.dataset, t.recordKey, t.createdAt),
    index('review_marks_subject').on(t.orgId, t.studyId, t.usubjid),
  ],
);

/**
 * A note or query on a subject (dataset and record key null) or on one record: open → answered →
 * closed (and reopened), assigned to one user. Its messages are append-only.
 */
export const reviewThreads = pgTable(
  'review_threads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    kind: text('kind', { enum: ['note', 'query'] }).notNull(),
    usubjid: text('usubjid').notNull(),
    dataset: text('dataset'),
    recordKey: text('record_key'),
    title: text('title').notNull(),
    status: text('status', { enum: ['open', 'answered', 'closed'] })
      .notNull()
      .default('open'),
    assignedTo: uuid('assigned_to').references(() => users.id),
    createdBy: uuid('created_by').references(() => users.id),
    ...timestamps,
  },
  (t) => [
    index('review_threads_study').on(t.orgId, t.studyId, t.status),
    index('review_threads_subject').on(t.orgId, t.studyId, t.usubjid),
  ],
);

export const reviewMessages = pgTable(
  'review_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    threadId: uuid('thread_id')
      .notNull()
      .references(() => reviewThreads.id),
    userId: uuid('user_id').references(() => users.id),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('review_messages_thread').on(t.threadId, t.createdAt)],
);

// ── compliance2 ──

/**
 * A study's data key for PHI at rest (32 random bytes), stored only wrapped: AES-256-GCM under the
 * server's master key (`CDP_MASTER_KEY`, or the one generated into DATA_DIR/secrets.json),
 * `m1.<master key id>.<iv>.<tag>.<ciphertext>`. `cdp keys rotate` re-wraps every row.
 */
export const studyDataKeys = pgTable(
  'study_data_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    wrapped: text('wrapped').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    rewrappedAt: timestamp('rewrapped_at', { withTimezone: true }),
  },
  (t) => [unique('study_data_keys_study').on(t.orgId, t.studyId)],
);

/**
 * A stored Parquet file whose PHI columns are sealed: the file holds masked values, `sidecar` the
 * sealed clear values row for row. Paths are relative to DATA_DIR. `clear_sha256` is the file as it
 * was written (what the dataset row, the version's signatures and manifest recorded), `sealed_sha256`
 * the file as it is now (what the manifest now records for backups).
 */
export const phiSealedFiles = pgTable(
  'phi_sealed_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    file: text('file').notNull(),
    sidecar: text('sidecar').notNull(),
    keyId: uuid('key_id')
      .notNull()
      .references(() => studyDataKeys.id),
    columns: jsonb('columns').$type<Array<{ name: string; sqlType: string }>>().notNull(),
    clearSha256: text('clear_sha256').notNull(),
    sealedSha256: text('sealed_sha256').notNull(),
    sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('phi_sealed_files_file').on(t.orgId, t.file), index('phi_sealed_files_study').on(t.orgId, t.studyId)],
);

// ── c16 ──

/**
 * A signed export's signed copy (21 CFR 11.50, 11.70): the original PDF with a final "Electronic
 * signatures" page that prints the original's SHA-256 and each signature. An export's signature
 * binds to the original file's hash, so the copy is a second file; one row per copy made (after
 * each signature), the latest one being the file served. Rows are never changed nor deleted.
 */
export const exportSignedCopies = pgTable(
  'export_signed_copies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id),
    studyId: uuid('study_id')
      .notNull()
      .references(() => studies.id),
    exportId: uuid('export_id')
      .notNull()
      .references(() => dashboardExports.id),
    /** Relative to the study's folder. */
    filePath: text('file_path').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** The original file's SHA-256, the one its signatures bind to and its last page prints. */
    originalSha256: text('original_sha256').notNull(),
    /** The signatures the copy's last page prints, oldest first. */
    signatureIds: jsonb('signature_ids').$type<string[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('export_signed_copies_export').on(t.exportId, t.createdAt)],
);
