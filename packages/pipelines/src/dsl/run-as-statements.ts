import path from 'node:path';
import { DSL_OPERATIONS, type DslBody } from '@cdp/contracts';
import type { ExecutePipelineRequest, PipelineOutputFile } from '../executor.ts';
import { inputRelation } from './check-dsl.ts';
import type { StepPlan } from './plan-step.ts';
import { DslSession, inputSql } from './session.ts';
import { quoteIdent, quoteLiteral, toPipelineColumns } from './types.ts';

/** A step compiled into a CTE: the relation it defines ('' for a save) and the relations it reads. */
interface Compiled {
  index: number;
  plan: StepPlan;
  relation: string;
  reads: string[];
}

/**
 * Runs a DSL pipeline as few statements as possible (for small inputs, where each statement's
 * round trip costs more than the work): every step is a CTE, so each output is ONE `COPY (WITH …)`
 * computing exactly the steps it needs. The step log's row counts come from those `COPY`s where
 * they tell them (an output's rows are those of the relation it saves and of the steps before it
 * that keep the number of rows); the rest, and the values conversions lost, from at most ONE more
 * statement over the same CTEs. Per-step times cannot be measured inside one statement, so the log
 * gives the statements' times and says which steps each computed.
 *
 * `written` collects the files as they are made, for the caller to remove on error. A pivot (whose
 * columns are its data's values) cannot be compiled ahead: the caller runs those step by step.
 */
export async function runAsStatements(
  request: ExecutePipelineRequest,
  body: DslBody,
  written: string[],
): Promise<PipelineOutputFile[]> {
  const { signal, onProgress, onLog } = request;
  const session = await DslSession.open(request.inputs, { memoryBytes: request.limits?.memoryBytes, inline: true });
  let failed = false;
  try {
    const ctes = new Map<string, { sql: string; reads: string[] }>();
    for (const [i, input] of request.inputs.entries()) ctes.set(inputRelation(i), { sql: inputSql(input), reads: [] });
    const compiled: Compiled[] = [];
    for (const index of body.steps.keys()) {
      const plan = await session.plan(body, index, signal);
      const reads = plan.reads.map((name) => session.workspace.get(name.toLowerCase())?.relation ?? '');
      const relation = plan.kind === 'save' ? '' : quoteIdent(`t${index}`);
      if (relation) ctes.set(relation, { sql: plan.sql, reads });
      session.apply(plan, index, relation);
      compiled.push({ index, plan, relation, reads });
    }

    /** `WITH …` defining `roots` and every relation they read, in step order. */
    const needed = (roots: string[]): Set<string> => {
      const seen = new Set<string>();
      const visit = (relation: string) => {
        if (!relation || seen.has(relation)) return;
        seen.add(relation);
        for (const read of ctes.get(relation)?.reads ?? []) visit(read);
      };
      for (const root of roots) visit(root);
      return seen;
    };
    const withClause = (relations: Set<string>) =>
      `WITH ${[...ctes]
        .filter(([relation]) => relations.has(relation))
        .map(([relation, cte]) => `${relation} AS (${cte.sql})`)
        .join(', ')}`;
    const stepsOf = (relations: Set<string>) =>
      compiled.filter((c) => c.relation && relations.has(c.relation)).map((c) => c.index + 1);

    // The outputs first, one `COPY` each: its own row count is also the count of the relation it
    // saves, and of every relation before it whose step keeps the number of rows.
    const rowsOf = new Map<string, number>();
    const byRelation = new Map(compiled.filter((c) => c.relation).map((c) => [c.relation, c]));
    const learn = (relation: string | undefined, rows: number) => {
      for (let r = relation; r !== undefined && !rowsOf.has(r); ) {
        rowsOf.set(r, rows);
        const step = byRelation.get(r);
        r = step?.plan.sameRows ? step.reads[0] : undefined;
      }
    };
    const saved = new Map<number, { rows: number; timing: string }>();
    for (const c of compiled) {
      if (c.plan.kind !== 'save') continue;
      signal.throwIfAborted();
      const file = path.join(request.outputDir, `${c.plan.target}.parquet`);
      written.push(file);
      const relations = needed(c.reads);
      const started = performance.now();
      const rows = await session.runCounted(
        `COPY (${withClause(relations)} ${c.plan.sql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
        signal,
      );
      const ms = Math.round(performance.now() - started);
      const computed = stepsOf(relations);
      saved.set(c.index, {
        rows,
        timing: `, ${ms} ms${computed.length ? ` (one statement with ${stepList(computed)})` : ''}`,
      });
      learn(c.reads[0], rows);
    }

    // Then ONE statement for what the outputs did not tell: the rows of the inputs and of every
    // step that may change them, and the values every conversion lost; one scan per relation
    // (`count(*)` and a filtered count per conversion: on small inputs a scan costs less to plan
    // than a group of distinct values per column).
    const scans = new Map<
      string,
      { rows: boolean; lost: { index: number; sql: string; message: (n: number) => string }[] }
    >();
    const scanOf = (relation: string) => {
      const scan = scans.get(relation) ?? { rows: false, lost: [] };
      scans.set(relation, scan);
      return scan;
    };
    for (const i of request.inputs.keys()) if (!rowsOf.has(inputRelation(i))) scanOf(inputRelation(i)).rows = true;
    for (const c of compiled)
      if (c.relation && !c.plan.sameRows && !rowsOf.has(c.relation)) scanOf(c.relation).rows = true;
    for (const c of compiled)
      for (const w of c.plan.warnings)
        scanOf(w.relation).lost.push({ index: c.index, sql: `count(*) FILTER (WHERE ${w.lost})`, message: w.message });
    const lost = new Map<number, string[]>();
    if (scans.size > 0) {
      signal.throwIfAborted();
      const roots = needed([...scans.keys()]);
      const selects = [...scans].map(
        ([relation, scan], i) =>
          `(SELECT ${[...(scan.rows ? ['count(*)'] : []), ...scan.lost.map((l) => l.sql)].map((sql, j) => `${sql} AS c${i}_${j}`).join(', ')} FROM ${relation})`,
      );
      const countStarted = performance.now();
      const row = (await session.query(`${withClause(roots)} SELECT * FROM ${selects.join(', ')}`, signal))[0] ?? [];
      const countMs = Math.round(performance.now() - countStarted);
      let column = 0;
      for (const [relation, scan] of scans) {
        if (scan.rows) rowsOf.set(relation, Number(row[column++] ?? 0));
        for (const l of scan.lost) {
          const count = Number(row[column++] ?? 0);
          if (count > 0) lost.set(l.index, [...(lost.get(l.index) ?? []), l.message(count)]);
        }
      }
      const countedSteps = stepsOf(roots);
      onLog({
        level: 'info',
        message: `rows of ${countedSteps.length ? stepList(countedSteps) : 'the inputs'} counted in one statement, ${countMs} ms`,
      });
    }
    for (const c of compiled)
      if (c.relation && c.plan.sameRows && !rowsOf.has(c.relation))
        rowsOf.set(c.relation, rowsOf.get(c.reads[0] ?? '') ?? 0);

    const steps = body.steps.length;
    const outputs: PipelineOutputFile[] = [];
    for (const c of compiled) {
      const step = body.steps[c.index];
      if (!step) continue;
      const label = DSL_OPERATIONS[step.operation].label;
      const rowsIn = c.reads.map((relation) => rowsOf.get(relation) ?? 0);
      let rowsOut: number;
      let what = c.plan.target;
      let timing = '';
      const copy = saved.get(c.index);
      if (copy) {
        rowsOut = copy.rows;
        timing = copy.timing;
        const file = path.join(request.outputDir, `${c.plan.target}.parquet`);
        outputs.push({ name: c.plan.target, path: file, rows: rowsOut, columns: toPipelineColumns(c.plan.columns) });
        what = `${c.plan.reads[0]} → output ${c.plan.target}`;
      } else {
        rowsOut = rowsOf.get(c.relation) ?? 0;
        for (const message of lost.get(c.index) ?? []) onLog({ level: 'warn', step: c.index, message });
      }
      onLog({
        level: 'info',
        step: c.index,
        message: `step ${c.index + 1}/${steps} ${label} (${step.operation}) ${what}: ${rowsIn.map(fmt).join(' + ')} → ${fmt(rowsOut)} rows${timing}`,
      });
      onProgress({ step: c.index + 1, steps, rows: rowsOut, message: `${label}: ${fmt(rowsOut)} rows` });
    }
    return outputs;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await session.close(failed);
  }
}

/** `step 2`, `steps 1–4` for a run of step numbers, else `steps 1, 3, 4`. */
function stepList(numbers: number[]): string {
  if (numbers.length === 1) return `step ${numbers[0]}`;
  const first = numbers[0] ?? 0;
  const last = numbers.at(-1) ?? 0;
  const contiguous = numbers.length > 2 && last - first === numbers.length - 1;
  return `steps ${contiguous ? `${first}–${last}` : numbers.join(', ')}`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
