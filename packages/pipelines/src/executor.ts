/**
 * The seam between the pipeline engines (DSL, SQL, Python) and the runtime that stores definitions,
 * runs them as jobs and turns their files into output versions. An engine reads its inputs from
 * Parquet files, writes one Parquet file per output into `outputDir`, and knows nothing of the
 * database, tenants or versions.
 */

export type PipelineKind = 'dsl' | 'sql' | 'python';

/** A column as the engines see it (the dataset manifest's types). */
export interface PipelineColumn {
  name: string;
  type: string;
  label?: string;
}

/** One dataset a pipeline reads, under the name the definition uses for it (`DM`, `dm_clean`). */
export interface PipelineInput {
  name: string;
  /** Absolute path of the dataset's Parquet file. */
  path: string;
  columns: PipelineColumn[];
}

export interface PipelineProgress {
  /** 1-based step being run, of `steps` */
  step: number;
  steps: number;
  /** Rows produced so far, when known */
  rows?: number;
  message?: string;
}

export interface PipelineLogLine {
  level: 'info' | 'warn' | 'error';
  /** 0-based step index the line belongs to, when it belongs to one */
  step?: number;
  message: string;
}

export interface ExecutePipelineRequest {
  kind: PipelineKind;
  /** The kind's definition body (DSL steps, SQL statements or the Python script), already validated. */
  body: unknown;
  inputs: PipelineInput[];
  /** An empty folder the engine owns for this run; outputs are written here, nothing elsewhere. */
  outputDir: string;
  /** Aborted on cancel or time limit: the engine stops its work (interrupts DuckDB, kills the sandbox). */
  signal: AbortSignal;
  onProgress(progress: PipelineProgress): void;
  onLog(line: PipelineLogLine): void;
  /** Limits, from the organization's settings or the defaults. */
  limits?: { wallClockSeconds?: number; memoryBytes?: number };
}

export interface PipelineOutputFile {
  name: string;
  /** Absolute path of the Parquet file inside `outputDir`. */
  path: string;
  rows: number;
  columns: PipelineColumn[];
}

export interface ExecutePipelineResult {
  outputs: PipelineOutputFile[];
}

export type PipelineExecutor = (request: ExecutePipelineRequest) => Promise<ExecutePipelineResult>;

/** An error in the user's definition (never retried), naming where: `steps[3].parameters.conditions[1].column`. */
export class PipelineDefinitionError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'PipelineDefinitionError';
    this.issues = issues;
  }
}

/** Save-time check of a definition against its inputs' schemas: the errors, and the outputs it would make. */
export interface PipelineCheck {
  issues: { path: string; message: string }[];
  outputs: { name: string; columns: PipelineColumn[] }[];
}

/**
 * An engine cannot run on this server (a program is missing or the sandbox cannot start): an
 * administrator's problem, not the user's, and not worth retrying until the server is fixed.
 */
export class PipelineEngineUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineEngineUnavailableError';
  }
}
