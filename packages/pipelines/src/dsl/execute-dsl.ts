import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DSL_OPERATIONS, type DslBody } from '@cdp/contracts';
import {
  type ExecutePipelineRequest,
  type ExecutePipelineResult,
  PipelineDefinitionError,
  type PipelineExecutor,
  type PipelineOutputFile,
} from '../executor.ts';
import { assertDsl } from './check-dsl.ts';
import { SMALL_INPUT_BYTES } from './duckdb-pool.ts';
import { runAsStatements } from './run-as-statements.ts';
import { DslSession, inputBytes } from './session.ts';
import { quoteIdent, quoteLiteral, toPipelineColumns } from './types.ts';

/**
 * How a run is compiled: `steps`, one statement per step (see `runStepByStep`); `statements`, one
 * statement per output plus one for the log's counts (see run-as-statements.ts); `auto`, the
 * second for small inputs without a pivot, the first otherwise.
 */
export type DslRunMode = 'auto' | 'steps' | 'statements';

/** Runs a DSL pipeline (see `runDsl`). */
export const executeDsl: PipelineExecutor = (request) => runDsl(request, 'auto');

/**
 * Small inputs (under `SMALL_INPUT_BYTES`) are where a run's time is its statements' round trips,
 * not the work: they run as one statement per output. Large inputs run step by step (each step a
 * view DuckDB fuses into the next, or a table), where a statement's overhead is nothing beside the
 * work and each step's own time is worth logging. If a one-statement run fails (DuckDB refusing the
 * data), it runs again step by step so the error names its step.
 */
export async function runDsl(request: ExecutePipelineRequest, mode: DslRunMode): Promise<ExecutePipelineResult> {
  if (request.kind !== 'dsl') throw new Error(`executeDsl runs DSL pipelines, not ${request.kind}`);
  const body = assertDsl(request.body, request.inputs);
  request.signal.throwIfAborted();
  const compilable = !body.steps.some((step) => step.operation === 'pivot');
  if (mode === 'statements' && !compilable) throw new Error('a pipeline with a pivot runs step by step');
  const asStatements =
    mode === 'statements' || (mode === 'auto' && compilable && inputBytes(request.inputs) < SMALL_INPUT_BYTES);
  if (!asStatements) return runStepByStep(request, body);
  const written: string[] = [];
  try {
    return { outputs: await runAsStatements(request, body, written) };
  } catch (error) {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    request.signal.throwIfAborted();
    if (error instanceof PipelineDefinitionError || mode === 'statements') throw error;
    const message = error instanceof Error ? error.message : String(error);
    request.onLog({
      level: 'info',
      message: `the run as one statement per output failed (${message}); running it step by step to find the step`,
    });
    return runStepByStep(request, body);
  }
}

/**
 * One statement per step: each step becomes one `SELECT` over the previous steps, kept as a view
 * (projections, filters, conversions, merges: DuckDB fuses a chain of them into one pass) or a
 * table (sorts, groups, windows); the inputs are views over their Parquet files. Each save is one
 * `COPY ... TO` a Parquet file in `outputDir`. Progress and a log line per step (rows in and out,
 * time); an abort interrupts DuckDB; on any error the files written so far are removed.
 */
async function runStepByStep(request: ExecutePipelineRequest, body: DslBody): Promise<ExecutePipelineResult> {
  const { signal, onProgress, onLog } = request;
  const session = await DslSession.open(request.inputs, { memoryBytes: request.limits?.memoryBytes });
  const written: string[] = [];
  const outputs: PipelineOutputFile[] = [];
  const rowsOf = new Map<string, number>();
  const steps = body.steps.length;
  let failed = false;
  try {
    const inputRows = await session.counts(
      request.inputs.map((_, i) => quoteIdent(`in_${i}`)),
      signal,
    );
    for (const [i, input] of request.inputs.entries()) rowsOf.set(input.name.toLowerCase(), inputRows[i] ?? 0);
    for (const [index, step] of body.steps.entries()) {
      signal.throwIfAborted();
      const started = performance.now();
      const plan = await session.plan(body, index, signal);
      const rowsIn = plan.reads.map((name) => rowsOf.get(name.toLowerCase()) ?? 0);
      let rowsOut: number;
      try {
        if (plan.kind === 'save') {
          const file = path.join(request.outputDir, `${plan.target}.parquet`);
          written.push(file);
          rowsOut = await session.runCounted(
            `COPY (${plan.sql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
            signal,
          );
          outputs.push({ name: plan.target, path: file, rows: rowsOut, columns: toPipelineColumns(plan.columns) });
          session.apply(plan, index, '');
        } else {
          const relation = quoteIdent(`t${index}`);
          // Large inputs: views DuckDB fuses into one pass, tables only where the plan asks. Small
          // inputs: a step that changes the row count is also a table, so its count and the later
          // steps read its few rows instead of computing the chain again (statements dominate there).
          const kind = plan.materialize || (session.small && !plan.sameRows) ? 'TABLE' : 'VIEW';
          // A table's statement answers its row count; a view's is its input's or needs a count.
          const created = await session.runCounted(`CREATE TEMP ${kind} ${relation} AS ${plan.sql}`, signal);
          for (const message of await session.warnings(plan, signal)) onLog({ level: 'warn', step: index, message });
          session.apply(plan, index, relation);
          if (kind === 'TABLE') rowsOut = created;
          else rowsOut = plan.sameRows ? (rowsIn[0] ?? 0) : await session.count(relation, signal);
          rowsOf.set(plan.target.toLowerCase(), rowsOut);
        }
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof PipelineDefinitionError) throw error;
        // DuckDB refused the step's SQL with the data it met (a conversion, memory): name the step.
        const message = error instanceof Error ? error.message : String(error);
        throw new PipelineDefinitionError([
          { path: `steps[${index}]`, message: `${step.operation} failed: ${message}` },
        ]);
      }
      const ms = Math.round(performance.now() - started);
      const label = DSL_OPERATIONS[step.operation].label;
      const what = plan.kind === 'save' ? `${plan.reads[0]} → output ${plan.target}` : plan.target;
      onLog({
        level: 'info',
        step: index,
        message: `step ${index + 1}/${steps} ${label} (${step.operation}) ${what}: ${rowsIn.map(fmt).join(' + ')} → ${fmt(rowsOut)} rows, ${ms} ms`,
      });
      onProgress({ step: index + 1, steps, rows: rowsOut, message: `${label}: ${fmt(rowsOut)} rows` });
    }
    return { outputs };
  } catch (error) {
    failed = true;
    await Promise.all(written.map((file) => rm(file, { force: true })));
    throw error;
  } finally {
    await session.close(failed);
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
