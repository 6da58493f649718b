import {
  checkDsl,
  checkPython,
  checkSql,
  type ExecutePipelineRequest,
  type ExecutePipelineResult,
  executeDsl,
  executePython,
  executeSql,
  type PipelineCheck,
  PipelineDefinitionError,
  type PipelineExecutor,
  type PipelineInput,
  type PipelineKind,
  previewDsl,
} from '@cdp/pipelines';

/**
 * The engine of each pipeline kind, as the runtime sees it: a save-time check of a definition
 * against its inputs' schemas, and the executor a run calls. Engines register here (the DSL,
 * SQL and Python engines of @cdp/pipelines); a kind without an engine is refused with a message
 * saying so, never run some other way.
 */
export interface PipelineEngine {
  check(body: unknown, inputs: Omit<PipelineInput, 'path'>[], outputs: string[]): Promise<PipelineCheck>;
  execute: PipelineExecutor;
  /** The first rows after one step (the DSL editor's preview), on the real input files. */
  preview?(request: PipelinePreviewRequest): Promise<PipelinePreviewResult>;
}

export interface PipelinePreviewRequest {
  body: unknown;
  inputs: PipelineInput[];
  /** 0-based step after which to show the rows. */
  step: number;
  limit: number;
  signal: AbortSignal;
}

export interface PipelinePreviewResult {
  dataset: string | null;
  columns: { name: string; type: string }[];
  rows: unknown[][];
  total: number | null;
  issues: { path: string; message: string }[];
}

/** The DSL editor's preview: an error in the definition comes back as issues, not as a failure. */
async function previewDslStep(request: PipelinePreviewRequest): Promise<PipelinePreviewResult> {
  try {
    const preview = await previewDsl({
      body: request.body,
      inputs: request.inputs,
      uptoStep: request.step,
      limit: request.limit,
      signal: request.signal,
    });
    return {
      dataset: preview.dataset,
      columns: preview.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: preview.rows,
      total: null,
      issues: [],
    };
  } catch (error) {
    if (error instanceof PipelineDefinitionError) {
      return { dataset: null, columns: [], rows: [], total: null, issues: error.issues };
    }
    if (error instanceof RangeError) {
      return { dataset: null, columns: [], rows: [], total: null, issues: [{ path: 'step', message: error.message }] };
    }
    throw error;
  }
}

/**
 * A Python script's outputs are known only when it runs: at save the body's shape is checked, and
 * the declared outputs are taken as what it makes (the run checks that it saved each of them).
 */
async function checkPythonBody(body: unknown, _inputs: unknown, outputs: string[]): Promise<PipelineCheck> {
  const check = checkPython(body);
  if (check.issues.length > 0 || check.outputs.length > 0) return check;
  return { issues: [], outputs: outputs.map((name) => ({ name, columns: [] })) };
}

/** The engines this server has; Python runs only in the bubblewrap sandbox (refused, saying why, without it). */
const ENGINES = new Map<PipelineKind, PipelineEngine>([
  ['dsl', { check: async (body, inputs) => checkDsl(body, inputs), execute: executeDsl, preview: previewDslStep }],
  ['sql', { check: (body, inputs) => checkSql(body, inputs), execute: executeSql }],
  ['python', { check: checkPythonBody, execute: executePython }],
]);

/** Installs (or replaces) the engine of a kind; returns a function restoring the previous one. */
export function registerEngine(kind: PipelineKind, engine: PipelineEngine): () => void {
  const previous = ENGINES.get(kind);
  ENGINES.set(kind, engine);
  return () => {
    if (previous) ENGINES.set(kind, previous);
    else ENGINES.delete(kind);
  };
}

export function engineOf(kind: PipelineKind): PipelineEngine | undefined {
  return ENGINES.get(kind);
}

export type { ExecutePipelineRequest, ExecutePipelineResult };
