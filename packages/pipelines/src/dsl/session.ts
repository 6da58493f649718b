import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DslBody } from '@cdp/contracts';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { PipelineDefinitionError, type PipelineInput } from '../executor.ts';
import { applyPlan, inputRelation, inputWorkspace } from './check-dsl.ts';
import { planStep, ROW, StepIssues, type StepPlan, type Workspace } from './plan-step.ts';
import { DSL_MACROS } from './sql-macros.ts';
import { columnType, quoteIdent, quoteLiteral } from './types.ts';

const INTERRUPT_REPEAT_MS = 50;

/**
 * One private DuckDB for one run or preview: the inputs as views over their Parquet files (with
 * their row order as `__cdp_row`), our macros, a memory limit with a spill folder of its own, and
 * interruption on abort.
 */
export class DslSession {
  readonly workspace: Workspace;
  readonly saved = new Set<string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly spillDir: string,
    workspace: Workspace,
  ) {
    this.workspace = workspace;
  }

  static async open(
    inputs: PipelineInput[],
    options: { memoryBytes?: number; threads?: number } = {},
  ): Promise<DslSession> {
    const spillDir = await mkdtemp(path.join(os.tmpdir(), 'cdp-dsl-'));
    const memory = Math.max(64, Math.floor((options.memoryBytes ?? 2 * 1024 ** 3) / 1024 ** 2));
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: `${memory}MB`,
      temp_directory: spillDir,
    };
    if (options.threads) config.threads = String(options.threads);
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(':memory:', config);
      const connection = await instance.connect();
      for (const macro of DSL_MACROS) await connection.run(macro);
      const workspace = inputWorkspace(inputs, []);
      for (const [i, input] of inputs.entries()) {
        await connection.run(
          `CREATE TEMP VIEW ${inputRelation(i)} AS SELECT * EXCLUDE (file_row_number), file_row_number AS ${quoteIdent(ROW)} FROM read_parquet(${quoteLiteral(input.path)}, file_row_number = true)`,
        );
        // The file's own types, not the manifest's: the plan must match what DuckDB reads.
        const described = await connection.runAndReadAll(`DESCRIBE ${inputRelation(i)}`);
        const labels = new Map(input.columns.map((c) => [c.name.toLowerCase(), c.label]));
        const dataset = workspace.get(input.name.toLowerCase());
        if (dataset)
          dataset.columns = described
            .getRowObjectsJS()
            .filter((row) => row.column_name !== ROW)
            .map((row) => {
              const name = String(row.column_name);
              const label = labels.get(name.toLowerCase());
              return { name, type: columnType(String(row.column_type)), ...(label ? { label } : {}) };
            });
      }
      return new DslSession(instance, connection, spillDir, workspace);
    } catch (error) {
      instance?.closeSync();
      await rm(spillDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Plans step `index` against the datasets as they are now (pivot values read from the data). */
  async plan(body: DslBody, index: number, signal?: AbortSignal): Promise<StepPlan> {
    const step = body.steps[index];
    if (!step) throw new Error(`no step ${index}`);
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
    try {
      return planStep(step, { index, workspace: this.workspace, saved: this.saved, pivotValues });
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

  async query(sql: string, signal?: AbortSignal): Promise<unknown[][]> {
    const reader = await this.interruptible(() => this.connection.runAndReadAll(sql), signal);
    return reader.getRowsJS() as unknown[][];
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

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.spillDir, { recursive: true, force: true });
  }
}
