import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DSL_OPERATIONS } from '@cdp/contracts';
import { PipelineDefinitionError, type PipelineExecutor, type PipelineOutputFile } from '../executor.ts';
import { assertDsl } from './check-dsl.ts';
import { DslSession } from './session.ts';
import { quoteIdent, quoteLiteral, toPipelineColumns } from './types.ts';

/**
 * Runs a DSL pipeline in DuckDB: each step becomes one `CREATE TABLE ... AS SELECT` over the
 * previous tables (the inputs are views over their Parquet files), each save one `COPY ... TO` a
 * Parquet file in `outputDir`. Progress and a log line per step (rows in and out, time); an abort
 * interrupts DuckDB; on any error the files written so far are removed.
 */
export const executeDsl: PipelineExecutor = async (request) => {
  const { signal, onProgress, onLog } = request;
  const body = assertDsl(request.body, request.inputs);
  signal.throwIfAborted();
  const session = await DslSession.open(request.inputs, { memoryBytes: request.limits?.memoryBytes });
  const written: string[] = [];
  const outputs: PipelineOutputFile[] = [];
  const rowsOf = new Map<string, number>();
  const steps = body.steps.length;
  try {
    for (const [i, input] of request.inputs.entries()) {
      rowsOf.set(input.name.toLowerCase(), await session.count(quoteIdent(`in_${i}`), signal));
    }
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
          await session.run(`COPY (${plan.sql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`, signal);
          rowsOut = rowsIn[0] ?? 0;
          outputs.push({ name: plan.target, path: file, rows: rowsOut, columns: toPipelineColumns(plan.columns) });
          session.apply(plan, index, '');
        } else {
          const table = quoteIdent(`t${index}`);
          await session.run(`CREATE TEMP TABLE ${table} AS ${plan.sql}`, signal);
          // Counted before the step's input may be dropped below.
          for (const warning of plan.warnings) {
            const count = Number((await session.query(warning.sql, signal))[0]?.[0] ?? 0);
            if (count > 0) onLog({ level: 'warn', step: index, message: warning.message(count) });
          }
          const replaced = session.workspace.get(plan.target.toLowerCase())?.relation;
          session.apply(plan, index, table);
          // A dataset replaced by this step is not read again: free its memory.
          if (replaced?.startsWith('"t') && ![...session.workspace.values()].some((d) => d.relation === replaced))
            await session.run(`DROP TABLE ${replaced}`, signal);
          rowsOut = await session.count(table, signal);
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
    await Promise.all(written.map((file) => rm(file, { force: true })));
    throw error;
  } finally {
    await session.close();
  }
};

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
