import { statSync } from 'node:fs';
import type { DslBody } from '@cdp/contracts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PipelineDefinitionError, type PipelineInput } from '../executor.ts';
import { applyPlan, inputRelation, inputWorkspace } from './check-dsl.ts';
import { checkPooled, connectPooled, SMALL_INPUT_BYTES, threadsFor } from './duckdb-pool.ts';
import { planStep, ROW, StepIssues, type StepPlan, type Workspace } from './plan-step.ts';
import { columnType, quoteIdent, quoteLiteral } from './types.ts';

const INTERRUPT_REPEAT_MS = 50;

/**
 * One run or preview: a connection of its own to a warm pooled DuckDB (see duckdb-pool.ts), the
 * inputs as TEMP views over their Parquet files (with their row order as `__cdp_row`), the
 * instance's macros and memory limit, and interruption on abort. Closing the connection drops the
 * run's views and tables.
 */
export class DslSession {
  readonly workspace: Workspace;
  readonly saved = new Set<string>();

  private constructor(
    readonly connection: DuckDBConnection,
    /** The inputs are small (under `SMALL_INPUT_BYTES`): a run stores every step as a table. */
    readonly small: boolean,
    /** The inputs are CTEs of each statement, not views: planning runs no statement (see `plan`). */
    readonly inline: boolean,
    private readonly pooled: { memoryMb: number; threads: number | undefined },
    workspace: Workspace,
  ) {
    this.workspace = workspace;
  }

  static async open(
    inputs: PipelineInput[],
    options: { memoryBytes?: number; threads?: number; inline?: boolean } = {},
  ): Promise<DslSession> {
    const memoryMb = Math.max(64, Math.floor((options.memoryBytes ?? 2 * 1024 ** 3) / 1024 ** 2));
    const bytes = inputBytes(inputs);
    const threads = options.threads ?? threadsFor(bytes);
    const connection = await connectPooled(memoryMb, threads);
    try {
      const workspace = inputWorkspace(inputs, []);
      for (const [i, input] of inputs.entries()) {
        const read = inputSql(input);
        // Inline (a run compiled to one statement per output): the input is a CTE of each statement.
        if (!options.inline) await connection.run(`CREATE TEMP VIEW ${inputRelation(i)} AS ${read}`);
        // The file's own types, not the manifest's: the plan must match what DuckDB reads.
        const described = await describedInput(connection, input.path, `DESCRIBE ${read}`);
        const labels = new Map(input.columns.map((c) => [c.name.toLowerCase(), c.label]));
        const dataset = workspace.get(input.name.toLowerCase());
        if (dataset)
          dataset.columns = described
            .filter((row) => row.name !== ROW)
            .map((row) => {
              const label = labels.get(row.name.toLowerCase());
              return { name: row.name, type: columnType(row.type), ...(label ? { label } : {}) };
            });
      }
      return new DslSession(
        connection,
        bytes < SMALL_INPUT_BYTES,
        options.inline === true,
        { memoryMb, threads },
        workspace,
      );
    } catch (error) {
      connection.closeSync();
      throw error;
    }
  }

  /**
   * Plans step `index` against the datasets as they are now (pivot values read from the data). An
   * inline session runs no statement here: a merge's row-number bounds become scalar subqueries of
   * the step's SQL, and a pivot (whose columns are the data's values) cannot be planned.
   */
  async plan(body: DslBody, index: number, signal?: AbortSignal): Promise<StepPlan> {
    const step = body.steps[index];
    if (!step) throw new Error(`no step ${index}`);
    if (this.inline) return this.planInline(step, index);
    let pivotValues: string[] | undefined;
    if (step.operation === 'pivot') {
      const source = this.workspace.get(step.parameters.dataset.toLowerCase());
      const column = source?.columns.find((c) => c.name.toLowerCase() === step.parameters.columns.toLowerCase());
      if (source && column) {
        const c = quoteIdent(column.name);
        const rows = await this.query(
          `SELECT DISTINCT CAST(${c} AS VARCHAR) AS v FROM ${source.relation} WHERE ${c} IS NOT NULL ORDER BY 1 LIMIT 2001`,
          signal,
        );
        pivotValues = rows.map((row) => String(row[0]));
      }
    }
    let mergeBounds: { left: number; right: number } | undefined;
    if (step.operation === 'merge_datasets') {
      // Both sides' row-number bounds in one statement.
      const { left, right } = step.parameters;
      const rows = await this.query(`SELECT ${this.rowBound(left)}, ${this.rowBound(right)}`, signal);
      mergeBounds = { left: Number(rows[0]?.[0] ?? 0), right: Number(rows[0]?.[1] ?? 0) };
    }
    try {
      return planStep(step, { index, workspace: this.workspace, saved: this.saved, pivotValues, mergeBounds });
    } catch (error) {
      if (error instanceof StepIssues) throw new PipelineDefinitionError(error.issues);
      throw error;
    }
  }

  /** SQL for one more than the largest row number of a dataset (a merge orders its rows by it). */
  private rowBound(name: string): string {
    const dataset = this.workspace.get(name.toLowerCase());
    return dataset ? `(SELECT coalesce(max(${quoteIdent(ROW)}), -1) + 1 FROM ${dataset.relation})` : '0';
  }

  private planInline(step: DslBody['steps'][number], index: number): StepPlan {
    if (step.operation === 'pivot') throw new Error('a pivot is planned with its data: run it step by step');
    // The left bound matters only where a result row may have no left row (right and outer joins).
    const { how } = step.operation === 'merge_datasets' ? step.parameters : { how: undefined };
    const mergeBounds =
      step.operation === 'merge_datasets'
        ? {
            left: how === 'right' || how === 'outer' ? this.rowBound(step.parameters.left) : 0,
            right: this.rowBound(step.parameters.right),
          }
        : undefined;
    try {
      return planStep(step, { index, workspace: this.workspace, saved: this.saved, mergeBounds });
    } catch (error) {
      if (error instanceof StepIssues) throw new PipelineDefinitionError(error.issues);
      throw error;
    }
  }

  apply(plan: StepPlan, index: number, relation: string): void {
    if (plan.kind === 'save') this.saved.add(plan.target.toLowerCase());
    applyPlan(this.workspace, plan, index, relation);
  }

  /** Runs a statement; an abort interrupts DuckDB (again and again, until the statement stops). */
  async run(sql: string, signal?: AbortSignal): Promise<void> {
    await this.interruptible(() => this.connection.run(sql), signal);
  }

  /** Runs a `CREATE TABLE ... AS` or `COPY` and answers the rows it wrote (DuckDB's `Count`). */
  async runCounted(sql: string, signal?: AbortSignal): Promise<number> {
    const rows = await this.query(sql, signal);
    return Number(rows[0]?.[0] ?? 0);
  }

  async query(sql: string, signal?: AbortSignal): Promise<unknown[][]> {
    const reader = await this.interruptible(() => this.connection.runAndReadAll(sql), signal);
    return reader.getRowsJS() as unknown[][];
  }

  /**
   * The step's warnings (values lost by a conversion). Each column's distinct values are converted
   * once, not every row: a million lab dates hold a few thousand distinct values.
   */
  async warnings(plan: StepPlan, signal?: AbortSignal): Promise<string[]> {
    const first = plan.warnings[0];
    if (!first) return [];
    const parts = plan.warnings.map(
      (w, i) =>
        `SELECT ${i} AS i, coalesce(sum(n) FILTER (WHERE ${w.lost}), 0) AS lost FROM (SELECT ${quoteIdent(w.column)}, count(*) AS n FROM ${w.relation} GROUP BY ALL)`,
    );
    const rows = await this.query(`${parts.join(' UNION ALL ')} ORDER BY i`, signal);
    return plan.warnings.flatMap((w, i) => {
      const count = Number(rows[i]?.[1] ?? 0);
      return count > 0 ? [w.message(count)] : [];
    });
  }

  /** Row counts of several relations in one statement. */
  async counts(relations: string[], signal?: AbortSignal): Promise<number[]> {
    if (relations.length === 0) return [];
    const rows = await this.query(`SELECT ${relations.map((r) => `(SELECT count(*) FROM ${r})`).join(', ')}`, signal);
    return relations.map((_, i) => Number(rows[0]?.[i] ?? 0));
  }

  async count(relation: string, signal?: AbortSignal): Promise<number> {
    const rows = await this.query(`SELECT count(*) FROM ${relation}`, signal);
    return Number(rows[0]?.[0] ?? 0);
  }

  private async interruptible<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    let repeat: NodeJS.Timeout | undefined;
    const onAbort = () => {
      this.connection.interrupt();
      // An interrupt that lands before DuckDB has started the statement is lost: repeat it.
      repeat ??= setInterval(() => this.connection.interrupt(), INTERRUPT_REPEAT_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await work();
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
    } finally {
      clearInterval(repeat);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the run's connection (its TEMP views and tables go with it); after `failed`, checks the instance still serves. */
  async close(failed = false): Promise<void> {
    this.connection.closeSync();
    if (failed) await checkPooled(this.pooled.memoryMb, this.pooled.threads);
  }
}

/** DuckDB's columns of an input file, by path, while the file is the same (size and modification time). */
const DESCRIBED = new Map<string, { size: number; mtimeMs: number; columns: { name: string; type: string }[] }>();
const DESCRIBED_LIMIT = 500;

/**
 * An input's columns as DuckDB reads them. A stored file never changes (versions are immutable; a
 * file sealed for PHI is a new file renamed over it, with a new modification time), so what DuckDB
 * said of it is kept: a `DESCRIBE` parses the file's footer and binds the read, 1–3 ms of CPU per
 * input on every run of a small pipeline (both inputs of the example's dm_clean, DS of ENROL).
 */
async function describedInput(
  connection: DuckDBConnection,
  file: string,
  describe: string,
): Promise<{ name: string; type: string }[]> {
  let stat: { size: number; mtimeMs: number } | null = null;
  try {
    stat = statSync(file);
  } catch {
    // Unreadable here: DuckDB's own error names the file.
  }
  const kept = DESCRIBED.get(file);
  if (stat && kept && kept.size === stat.size && kept.mtimeMs === stat.mtimeMs) return kept.columns;
  const columns = (await connection.runAndReadAll(describe))
    .getRowObjectsJS()
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  if (stat) {
    DESCRIBED.delete(file);
    DESCRIBED.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, columns });
    // The oldest first (a Map keeps insertion order): a worker reads a few files over and over.
    for (const oldest of DESCRIBED.keys()) {
      if (DESCRIBED.size <= DESCRIBED_LIMIT) break;
      DESCRIBED.delete(oldest);
    }
  }
  return columns;
}

/** An input's rows, with their order in the file as `__cdp_row`. */
export function inputSql(input: PipelineInput): string {
  return `SELECT * EXCLUDE (file_row_number), file_row_number AS ${quoteIdent(ROW)} FROM read_parquet(${quoteLiteral(input.path)}, file_row_number = true)`;
}

/** Total Parquet bytes of the inputs (what decides a run's threads and how it is compiled). */
export function inputBytes(inputs: PipelineInput[]): number {
  return inputs.reduce((sum, input) => sum + fileSize(input.path), 0);
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
