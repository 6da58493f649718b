import { z } from 'zod';
import { IsoDateTime, listOf, listWithMeta, Uuid, withPermissions } from './common.ts';
import { DatasetSummary } from './datasets.ts';

/**
 * The pipelines API (docs/api.md, "Pipelines"): definitions versioned like dashboards, runs as
 * background jobs with live progress, output versions with lineage. The `body` of a definition is
 * kind-specific (the DSL document in `pipeline-dsl.ts`, the SQL statements in `pipeline-sql.ts`, a
 * Python script): here it is `unknown`, and the server checks it with the engine of its kind.
 */

export const PIPELINE_KINDS = ['dsl', 'sql', 'python'] as const;
export const PipelineKindSchema = z.enum(PIPELINE_KINDS);
export type PipelineKindName = z.infer<typeof PipelineKindSchema>;

/** A dataset name inside a pipeline (`DM`, `dm_clean`): how the body refers to an input or an output. */
export const PipelineDatasetName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a dataset name is a letter, then letters, digits or _ (at most 64)');

/**
 * Where an input comes from: a dataset of the study's active source version, or an output of
 * another pipeline of the study (its latest successful run): pipelines chain.
 */
export const PipelineInputSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('dataset'), dataset: z.string().min(1).max(128) }),
  z.strictObject({ kind: z.literal('pipeline'), pipelineId: Uuid, output: PipelineDatasetName }),
]);
export type PipelineInputSource = z.infer<typeof PipelineInputSource>;

export const PipelineInputRef = z.strictObject({
  /** The name the body uses for it. */
  name: PipelineDatasetName,
  source: PipelineInputSource,
});
export type PipelineInputRef = z.infer<typeof PipelineInputRef>;

/** IANA time zone, e.g. `Europe/Berlin`. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone, e.g. Europe/Berlin or UTC');

/** Five-field cron (`minute hour day-of-month month day-of-week`), e.g. `0 6 * * 1-5`. */
export const CronExpression = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4}\S+$/, 'five cron fields: minute hour day-of-month month day-of-week (e.g. "0 6 * * 1-5")');

/**
 * When a pipeline runs besides by hand: when a new source version of the study is activated, on a
 * cron schedule in a time zone. A pipeline whose inputs are another pipeline's outputs also runs
 * after that upstream pipeline's run succeeds (`afterUpstream`).
 */
export const PipelineTriggers = z.strictObject({
  onSourceActivation: z.boolean().default(false),
  schedule: z.strictObject({ cron: CronExpression, timeZone: TimeZone }).nullable().default(null),
  afterUpstream: z.boolean().default(true),
});
export type PipelineTriggers = z.infer<typeof PipelineTriggers>;

const PipelineName = z.string().trim().min(1).max(200);

/** What a save stores (every save is an immutable version). */
export const PipelineDefinitionInput = z.strictObject({
  name: PipelineName,
  description: z.string().trim().max(2000).nullable().default(null),
  kind: PipelineKindSchema,
  /** DSL document, SQL statements or Python script: checked by the engine of `kind`. */
  body: z.unknown(),
  inputs: z.array(PipelineInputRef).min(1).max(50),
  /** Names of the datasets a run keeps as its output version. */
  outputs: z.array(PipelineDatasetName).min(1).max(50),
  triggers: PipelineTriggers.default({ onSourceActivation: false, schedule: null, afterUpstream: true }),
});
export type PipelineDefinitionInput = z.input<typeof PipelineDefinitionInput>;
export type PipelineDefinitionData = z.infer<typeof PipelineDefinitionInput>;

export const CreatePipelineBody = PipelineDefinitionInput;

export const SavePipelineBody = PipelineDefinitionInput.extend({
  /** The version this edit was made on; a newer stored version makes the save a 409 with `details.currentVersion`. */
  version: z.number().int().min(1),
  /** A short note on what changed, kept with the version. */
  comment: z.string().trim().max(500).optional(),
});
export type SavePipelineBody = z.input<typeof SavePipelineBody>;

export const RestorePipelineBody = z.strictObject({
  /** The current version the restore is made on (as for a save). */
  version: z.number().int().min(1),
});

export const PipelineParams = z.object({ id: Uuid, pid: Uuid });
export const PipelineVersionParams = z.object({ id: Uuid, pid: Uuid, version: z.coerce.number().int().min(1) });
export const PipelineRunParams = z.object({ id: Uuid, pid: Uuid, rid: Uuid });
export const PipelineOutputParams = z.object({ id: Uuid, oid: Uuid });

export const PipelineActor = z.object({ id: Uuid, name: z.string() }).nullable();

// ---------------------------------------------------------------------------------------------
// Runs

export const PIPELINE_RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const PipelineRunStatus = z.enum(PIPELINE_RUN_STATUSES);
export type PipelineRunStatus = z.infer<typeof PipelineRunStatus>;
/** A run in one of these has ended and never changes again. */
export const FINISHED_RUN_STATUSES: readonly PipelineRunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export const PipelineRunTrigger = z.enum(['manual', 'source_activation', 'schedule', 'upstream']);
export type PipelineRunTrigger = z.infer<typeof PipelineRunTrigger>;

export const PipelineRunProgress = z.object({
  /** 1-based step being run, of `steps`. */
  step: z.number().int(),
  steps: z.number().int(),
  /** 0–100. */
  percent: z.number(),
  rows: z.number().int().nullable(),
  message: z.string().nullable(),
});
export type PipelineRunProgress = z.infer<typeof PipelineRunProgress>;

export const PipelineRunError = z.object({
  message: z.string(),
  /** 0-based step the error belongs to, when it belongs to one. */
  step: z.number().int().nullable(),
  /** Where in the definition, e.g. `steps[3].parameters.conditions[1].column`. */
  path: z.string().nullable(),
  /** `definition`: the user's error (never retried); `infrastructure`: ours (retried with backoff); `cancelled`; `interrupted`: its worker stopped. */
  kind: z.enum(['definition', 'infrastructure', 'cancelled', 'interrupted', 'timeout']),
});
export type PipelineRunError = z.infer<typeof PipelineRunError>;

export const PipelineRun = z.object({
  id: Uuid,
  pipelineId: Uuid,
  pipelineVersion: z.number().int(),
  status: PipelineRunStatus,
  trigger: PipelineRunTrigger,
  progress: PipelineRunProgress.nullable(),
  error: PipelineRunError.nullable(),
  /** The active source version the run read (null for a pipeline reading only other pipelines' outputs). */
  sourceVersionId: Uuid.nullable(),
  /** The output version a succeeded run made. */
  outputVersionId: Uuid.nullable(),
  /** Attempts so far (infrastructure errors are retried). */
  attempts: z.number().int(),
  requestedBy: PipelineActor,
  queuedAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  cancelRequestedAt: IsoDateTime.nullable(),
});
export type PipelineRun = z.infer<typeof PipelineRun>;

export const PipelineRunLogLine = z.object({
  /** Increasing per run: SSE `id`, and `?after=` to resume. */
  seq: z.number().int(),
  at: IsoDateTime,
  level: z.enum(['info', 'warn', 'error']),
  step: z.number().int().nullable(),
  message: z.string(),
});
export type PipelineRunLogLine = z.infer<typeof PipelineRunLogLine>;

export const PipelineRunDetail = PipelineRun.extend({ log: z.array(PipelineRunLogLine) });
export type PipelineRunDetail = z.infer<typeof PipelineRunDetail>;

export const PipelineRunResource = withPermissions(PipelineRunDetail);
export type PipelineRunResource = z.infer<typeof PipelineRunResource>;

export const PipelineRunList = listOf(PipelineRun);
export type PipelineRunList = z.infer<typeof PipelineRunList>;

/** `GET …/runs/:rid/events?after=<seq>`: server-sent events. */
export const PipelineRunEventsQuery = z.object({ after: z.coerce.number().int().min(0).default(0) });

/**
 * Server-sent events of a run: `event: run` (the run, whenever its status or progress changes),
 * `event: log` (one log line, `id:` its seq), and a last `event: end` (the finished run) before
 * the stream closes.
 */
export const PIPELINE_RUN_EVENTS = ['run', 'log', 'end'] as const;

// ---------------------------------------------------------------------------------------------
// Definitions

export const PipelineSummary = z.object({
  id: Uuid,
  studyId: Uuid,
  name: z.string(),
  description: z.string().nullable(),
  kind: PipelineKindSchema,
  /** Increases by one on every save; a save names the version it edits. */
  version: z.number().int(),
  triggers: PipelineTriggers,
  inputs: z.array(PipelineInputRef),
  outputs: z.array(z.string()),
  lastRun: PipelineRun.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  updatedBy: PipelineActor,
});
export type PipelineSummary = z.infer<typeof PipelineSummary>;

export const Pipeline = PipelineSummary.extend({
  body: z.unknown(),
  /** Pipelines this one reads outputs of (direct upstream), and those that read this one's. */
  upstream: z.array(z.object({ id: Uuid, name: z.string() })),
  downstream: z.array(z.object({ id: Uuid, name: z.string() })),
  /** The latest output version of a succeeded run, or null. */
  latestOutputId: Uuid.nullable(),
});
export type Pipeline = z.infer<typeof Pipeline>;

/** `permissions`: the `pipeline:*` (and `data:view`) codes you hold on the study. */
export const PipelineResource = withPermissions(Pipeline);
export type PipelineResource = z.infer<typeof PipelineResource>;

/** `meta.permissions`: what you may do with the study's pipelines (`pipeline:configure:assigned` to create). */
export const PipelineList = listWithMeta(PipelineSummary, z.object({ permissions: z.array(z.string()) }));
export type PipelineList = z.infer<typeof PipelineList>;

export const PipelineVersionEntry = z.object({
  version: z.number().int(),
  name: z.string(),
  kind: PipelineKindSchema,
  comment: z.string().nullable(),
  createdAt: IsoDateTime,
  createdBy: PipelineActor,
});
export type PipelineVersionEntry = z.infer<typeof PipelineVersionEntry>;

export const PipelineVersionList = listOf(PipelineVersionEntry);
export type PipelineVersionList = z.infer<typeof PipelineVersionList>;

export const PipelineVersionDetail = PipelineVersionEntry.extend({
  description: z.string().nullable(),
  body: z.unknown(),
  inputs: z.array(PipelineInputRef),
  outputs: z.array(z.string()),
  triggers: PipelineTriggers,
});
export type PipelineVersionDetail = z.infer<typeof PipelineVersionDetail>;
export const PipelineVersionResource = withPermissions(PipelineVersionDetail);
export type PipelineVersionResource = z.infer<typeof PipelineVersionResource>;

export const PipelineDiffQuery = z.object({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});

/** One difference between two versions, at a JSON path of the definition (`body.steps[2].parameters.columns`). */
export const PipelineChange = z.object({
  path: z.string(),
  change: z.enum(['added', 'removed', 'changed']),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});
export type PipelineChange = z.infer<typeof PipelineChange>;

export const PipelineDiff = z.object({
  from: z.number().int(),
  to: z.number().int(),
  changes: z.array(PipelineChange),
});
export type PipelineDiff = z.infer<typeof PipelineDiff>;

// ---------------------------------------------------------------------------------------------
// Check and preview (the editor; nothing is saved)

export const PipelineCheckIssue = z.object({ path: z.string(), message: z.string() });
export type PipelineCheckIssue = z.infer<typeof PipelineCheckIssue>;

export const PipelineCheckOutput = z.object({
  name: z.string(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), label: z.string().optional() })),
});

/** `POST …/pipelines/check`: a definition (saved or not) against the study's data, step by step. */
export const CheckPipelineBody = PipelineDefinitionInput.pick({ kind: true, body: true, inputs: true, outputs: true });
export type CheckPipelineBody = z.input<typeof CheckPipelineBody>;

export const PipelineCheckResponse = z.object({
  ok: z.boolean(),
  issues: z.array(PipelineCheckIssue),
  /** The datasets it would produce, with their columns. */
  outputs: z.array(PipelineCheckOutput),
});
export type PipelineCheckResponse = z.infer<typeof PipelineCheckResponse>;

/** `POST …/pipelines/preview`: the first rows after a DSL step (0-based), on the real data. */
export const PreviewPipelineBody = z.strictObject({
  body: z.unknown(),
  inputs: z.array(PipelineInputRef).min(1).max(50),
  step: z.number().int().min(0),
  limit: z.number().int().min(1).max(50).default(50),
});
export type PreviewPipelineBody = z.input<typeof PreviewPipelineBody>;

export const PipelinePreviewResponse = z.object({
  /** The dataset the step produced or changed. */
  dataset: z.string().nullable(),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())),
  /** Rows of that dataset after the step (all of them, not only the ones shown). */
  total: z.number().int().nullable(),
  issues: z.array(PipelineCheckIssue),
});
export type PipelinePreviewResponse = z.infer<typeof PipelinePreviewResponse>;

// ---------------------------------------------------------------------------------------------
// Outputs and lineage

/**
 * An output version: the datasets of one succeeded run, under `pipeline_output/{label}/`. Its id
 * works wherever a data version id does for reading: `GET /api/studies/:id/versions/:oid/datasets`,
 * `…/datasets/:name/rows|profile|download`, `…/versions/:a/diff/:b` (two outputs).
 */
export const PipelineOutputVersion = z.object({
  id: Uuid,
  label: z.string(),
  pipelineId: Uuid,
  pipelineName: z.string(),
  pipelineVersion: z.number().int(),
  runId: Uuid,
  sourceVersionId: Uuid.nullable(),
  createdAt: IsoDateTime,
  datasets: z.array(DatasetSummary),
});
export type PipelineOutputVersion = z.infer<typeof PipelineOutputVersion>;

export const PipelineOutputResource = withPermissions(PipelineOutputVersion);
export const PipelineOutputList = listOf(PipelineOutputVersion);
export type PipelineOutputList = z.infer<typeof PipelineOutputList>;

export const LineageNode = z.object({
  /** `source:<versionId>`, `pipeline:<pipelineId>@<version>`, `run:<runId>`, `output:<outputVersionId>` */
  key: z.string(),
  kind: z.enum(['source_version', 'pipeline_version', 'run', 'output_version']),
  id: Uuid,
  label: z.string(),
  /** source/output versions: their datasets; pipeline versions: the version number; runs: the status. */
  detail: z.record(z.string(), z.unknown()),
});
export type LineageNode = z.infer<typeof LineageNode>;

/**
 * "Where does this dataset come from": a graph from the source version(s) through each pipeline
 * version and run to the output asked about. `edges` point downstream (`from` feeds `to`).
 */
export const DatasetLineage = z.object({
  root: z.string(),
  nodes: z.array(LineageNode),
  edges: z.array(z.object({ from: z.string(), to: z.string(), datasets: z.array(z.string()) })),
});
export type DatasetLineage = z.infer<typeof DatasetLineage>;
