import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DSL_OPERATIONS } from '@cdp/contracts';
import { PipelineDefinitionError, type PipelineExecutor, type PipelineOutputFile } from '../executor.ts';
import { assertDsl } from './check-dsl.ts';
import { DslSession } from './session.ts';
import { quoteIdent, quoteLiteral, toPipelineColumns } from './types.ts';

/**
 * Runs a DSL pipeline in DuckDB: each step becomes one `SELECT` over the previous steps, kept as a
 * view (projections, filters, conversions, merges: DuckDB fuses a chain of them into one pass) or a
 * table (sorts, groups, windows); the inputs are views over their Parquet files. Each save is one
 * `COPY ... TO` a Parquet file in `outputDir`. Progress and a log line per step (rows in and out, time); an abort
 * interrupts DuckDB; on any error the files written so far are removed.
 */
export const executeDsl: PipelineExecutor = async (request) => {
  const { signal, onProgress, onLog } = request;
  if (request.kind !== 'dsl') throw new Error(`executeDsl runs DSL pipelines, not ${request.kind}`);
  const body = assertDsl(request.body, request.inputs);
  signal.throwIfAborted();
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
};

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
