import { z } from 'zod';
import { IsoDateTime, listOf, Uuid, withPermissions } from './common.ts';
import { FolderSourceConfig, RaveAccountConfig, RaveSourceConfig, SftpSourceConfig } from './data-source-configs.ts';
import { CronExpression, TimeZone } from './pipelines.ts';

/**
 * Data sources (issue 13): a study's Rave study, sFTP folder or watched folder, pulled by hand or
 * on a schedule into new data versions. Secrets travel in requests only: no response carries one.
 */

export const DataSourceParams = z.object({ id: Uuid, sid: Uuid });
export const DataSourcePullParams = z.object({ id: Uuid, sid: Uuid, pullId: Uuid });

/** A password, bearer token or private key (PEM/OpenSSH): write-only. */
export const DataSourceSecret = z.string().min(1).max(16_000);

/** Null: pulled by hand only. */
export const DataSourceSchedule = z.strictObject({ cron: CronExpression, timeZone: TimeZone }).nullable();
export type DataSourceSchedule = z.infer<typeof DataSourceSchedule>;

const SourceName = z.string().trim().min(1).max(200);

/** A type with its configuration: the configuration is checked by the type's own schema. */
export const DataSourceTypedConfig = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rave'), config: RaveSourceConfig }),
  z.strictObject({ type: z.literal('sftp'), config: SftpSourceConfig }),
  z.strictObject({ type: z.literal('folder'), config: FolderSourceConfig }),
]);
export type DataSourceTypedConfig = z.infer<typeof DataSourceTypedConfig>;

const CommonFields = {
  name: SourceName,
  secret: DataSourceSecret.optional(),
  schedule: DataSourceSchedule.default(null),
  enabled: z.boolean().default(true),
  /** Make each new version the study's active one (pipelines that run on activation then run). */
  autoActivate: z.boolean().default(false),
};

export const CreateDataSource = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rave'), config: RaveSourceConfig, ...CommonFields }),
  z.strictObject({ type: z.literal('sftp'), config: SftpSourceConfig, ...CommonFields }),
  z.strictObject({ type: z.literal('folder'), config: FolderSourceConfig, ...CommonFields }),
]);
export type CreateDataSource = z.infer<typeof CreateDataSource>;

/** Any field left out stays as it is; `config` replaces the whole configuration (checked by the source's type). */
export const UpdateDataSource = z.strictObject({
  name: SourceName.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  schedule: DataSourceSchedule.optional(),
  enabled: z.boolean().optional(),
  autoActivate: z.boolean().optional(),
});
export type UpdateDataSource = z.infer<typeof UpdateDataSource>;

export const ReplaceDataSourceSecret = z.strictObject({ secret: DataSourceSecret });

/**
 * Test a connection before saving (the wizard) or a saved source with changed settings
 * (`sourceId` without `secret`: the saved source's secret is used). A Rave test without `project`
 * and `environment` checks the account alone (the study is picked next).
 */
export const TestDataSourceConnection = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rave'),
    config: RaveAccountConfig,
    secret: DataSourceSecret.optional(),
    sourceId: Uuid.optional(),
  }),
  z.strictObject({
    type: z.literal('sftp'),
    config: SftpSourceConfig,
    secret: DataSourceSecret.optional(),
    sourceId: Uuid.optional(),
  }),
  z.strictObject({ type: z.literal('folder'), config: FolderSourceConfig }),
]);
export type TestDataSourceConnection = z.infer<typeof TestDataSourceConnection>;

export const ConnectionCheckResult = z.object({
  ok: z.boolean(),
  message: z.string(),
  hostKeyFingerprint: z.string().optional(),
});
export const ConnectionCheckResource = z.object({ data: ConnectionCheckResult });

/** The Rave studies an account sees; `sourceId` reuses a saved source's secret when `secret` is absent. */
export const ListRaveStudies = z.strictObject({
  config: RaveAccountConfig,
  secret: DataSourceSecret.optional(),
  sourceId: Uuid.optional(),
});
export const RaveStudyList = listOf(
  z.object({ oid: z.string(), project: z.string(), environment: z.string(), name: z.string() }),
);

export const DATA_SOURCE_PULL_STATUSES = [
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'UNCHANGED',
  'FAILED',
  'CANCELLED',
] as const;
export const DataSourcePullStatus = z.enum(DATA_SOURCE_PULL_STATUSES);
export type DataSourcePullStatus = z.infer<typeof DataSourcePullStatus>;
export const FINISHED_PULL_STATUSES: readonly DataSourcePullStatus[] = [
  'SUCCEEDED',
  'UNCHANGED',
  'FAILED',
  'CANCELLED',
];

export const DataSource = z.object({
  id: Uuid,
  studyId: Uuid,
  studyCode: z.string(),
  name: z.string(),
  type: z.enum(['rave', 'sftp', 'folder']),
  config: z.record(z.string(), z.unknown()),
  /** Whether a secret is stored and since when; the secret itself never leaves the server. */
  secret: z.object({ set: z.boolean(), setAt: IsoDateTime.nullable(), masked: z.string().nullable() }),
  schedule: DataSourceSchedule,
  enabled: z.boolean(),
  autoActivate: z.boolean(),
  lastPull: z.object({ status: DataSourcePullStatus, at: IsoDateTime, message: z.string().nullable() }).nullable(),
  lastSuccessAt: IsoDateTime.nullable(),
  /** The next scheduled pull (null: manual only or disabled). */
  nextRunAt: IsoDateTime.nullable(),
  activePullId: Uuid.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type DataSource = z.infer<typeof DataSource>;

export const DataSourceResource = withPermissions(DataSource);
export const DataSourceList = z.object({
  data: z.array(DataSource),
  meta: z.object({ permissions: z.array(z.string()) }),
});

export const DataSourcePullProgress = z.object({
  bytes: z.number().nullable(),
  files: z.number().nullable(),
  forms: z.number().nullable(),
  subjects: z.number().nullable(),
  message: z.string().nullable(),
});

export const DataSourcePull = z.object({
  id: Uuid,
  sourceId: Uuid,
  status: DataSourcePullStatus,
  trigger: z.enum(['manual', 'schedule']),
  progress: DataSourcePullProgress.nullable(),
  message: z.string().nullable(),
  versionId: Uuid.nullable(),
  activated: z.boolean(),
  attempts: z.number().int(),
  queuedAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  durationMs: z.number().int().nullable(),
  cancelRequestedAt: IsoDateTime.nullable(),
});
export type DataSourcePull = z.infer<typeof DataSourcePull>;

export const DataSourcePullLogLine = z.object({
  seq: z.number().int(),
  at: IsoDateTime,
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
});

export const DataSourcePullDetail = DataSourcePull.extend({ log: z.array(DataSourcePullLogLine) });
export type DataSourcePullDetail = z.infer<typeof DataSourcePullDetail>;
export const DataSourcePullResource = withPermissions(DataSourcePullDetail);
export const DataSourcePullList = listOf(DataSourcePull);
