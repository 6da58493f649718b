import type {
  ExecutePipelineRequest,
  ExecutePipelineResult,
  PipelineCheck,
  PipelineExecutor,
  PipelineInput,
  PipelineKind,
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

const ENGINES = new Map<PipelineKind, PipelineEngine>();

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
