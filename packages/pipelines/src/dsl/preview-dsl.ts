import type { PipelineColumn, PipelineInput } from '../executor.ts';
import { assertDsl } from './check-dsl.ts';
import { ROW } from './plan-step.ts';
import { DslSession } from './session.ts';
import { type DslColumn, quoteIdent, toPipelineColumns } from './types.ts';

export interface PreviewDslRequest {
  body: unknown;
  inputs: PipelineInput[];
  /** 0-based index of the last step to apply. */
  uptoStep: number;
  limit?: number;
  signal?: AbortSignal;
  memoryBytes?: number;
}

export interface DslPreview {
  /** The dataset shown: the one the step made or changed (a save shows the saved dataset). */
  dataset: string;
  columns: PipelineColumn[];
  /** Cells in column order; dates `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SS`. */
  rows: unknown[][];
}

/**
 * The first rows of the data after step `uptoStep`, in row order. The steps become views, not
 * tables: nothing is stored, and DuckDB computes the chain once, as a top-N of the final query
 * (on a million rows, a pass over the columns the steps use).
 */
export async function previewDsl({
  body,
  inputs,
  uptoStep,
  limit = 50,
  signal,
  memoryBytes,
}: PreviewDslRequest): Promise<DslPreview> {
  const parsed = assertDsl(body, inputs, { needsOutput: false });
  if (!Number.isInteger(uptoStep) || uptoStep < 0 || uptoStep >= parsed.steps.length)
    throw new RangeError(`uptoStep must be a step index from 0 to ${parsed.steps.length - 1}`);
  const rowLimit = Math.max(1, Math.min(1000, Math.floor(limit)));
  const session = await DslSession.open(inputs, { memoryBytes });
  try {
    let shown = '';
    for (let index = 0; index <= uptoStep; index++) {
      const plan = await session.plan(parsed, index, signal);
      if (plan.kind === 'save') {
        shown = plan.reads[0] ?? '';
        session.apply(plan, index, '');
        continue;
      }
      const view = quoteIdent(`v${index}`);
      await session.run(`CREATE TEMP VIEW ${view} AS ${plan.sql}`, signal);
      session.apply(plan, index, view);
      shown = plan.target;
    }
    const dataset = session.workspace.get(shown.toLowerCase());
    if (!dataset) throw new Error(`no dataset ${shown} after step ${uptoStep}`);
    const cells = dataset.columns.map((c) => `${jsonSafe(c)} AS ${quoteIdent(c.name)}`);
    const rows = await session.query(
      `SELECT ${cells.join(', ') || '1'} FROM ${dataset.relation} ORDER BY ${quoteIdent(ROW)} LIMIT ${rowLimit}`,
      signal,
    );
    return {
      dataset: dataset.name,
      columns: toPipelineColumns(dataset.columns),
      rows: rows.map((row) => row.map(plain)),
    };
  } finally {
    await session.close();
  }
}

function jsonSafe(column: DslColumn): string {
  const c = quoteIdent(column.name);
  switch (column.type) {
    case 'integer':
    case 'number':
      return `CAST(${c} AS DOUBLE)`;
    case 'date':
      return `strftime(${c}, '%Y-%m-%d')`;
    case 'datetime':
      return `strftime(${c}, '%Y-%m-%dT%H:%M:%S')`;
    case 'time':
      return `CAST(${c} AS VARCHAR)`;
    default:
      return c;
  }
}

function plain(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (typeof value === 'bigint') return Number(value);
  return value ?? null;
}
