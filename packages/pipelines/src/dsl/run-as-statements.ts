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
 * computing exactly the steps it needs, and the step log's row counts and conversion warnings are
 * ONE more statement over the same CTEs (`count(*)` of every step that may change the number of
 * rows; the others keep their input's count). Per-step times cannot be measured inside one
 * statement, so the log gives the statements' times and says which steps each computed.
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

    // One statement: the inputs' rows, the rows of every step that may change them, and the lost
    // values of every conversion (each distinct value converted once, as the step-by-step run does).
    const counted: { relation: string; sql: string }[] = request.inputs.map((_, i) => ({
      relation: inputRelation(i),
      sql: `(SELECT count(*) FROM ${inputRelation(i)})`,
    }));
    for (const c of compiled)
      if (c.relation && !c.plan.sameRows)
        counted.push({ relation: c.relation, sql: `(SELECT count(*) FROM ${c.relation})` });
    const warnings = compiled.flatMap((c) =>
      c.plan.warnings.map((w) => ({
        index: c.index,
        relation: w.relation,
        message: w.message,
        sql: `(SELECT coalesce(sum(n) FILTER (WHERE ${w.lost}), 0) FROM (SELECT ${quoteIdent(w.column)}, count(*) AS n FROM ${w.relation} GROUP BY ALL))`,
      })),
    );
    const countRoots = needed([...counted, ...warnings].map((x) => x.relation));
    const countStarted = performance.now();
    const row =
      (
        await session.query(
          `${withClause(countRoots)} SELECT ${[...counted, ...warnings].map((x) => x.sql).join(', ')}`,
          signal,
        )
      )[0] ?? [];
    const countMs = Math.round(performance.now() - countStarted);
    const rowsOf = new Map<string, number>();
    for (const [i, x] of counted.entries()) rowsOf.set(x.relation, Number(row[i] ?? 0));
    for (const c of compiled)
      if (c.relation && c.plan.sameRows) rowsOf.set(c.relation, rowsOf.get(c.reads[0] ?? '') ?? 0);
    const lost = new Map<number, string[]>();
    warnings.forEach((w, i) => {
      const count = Number(row[counted.length + i] ?? 0);
      if (count > 0) lost.set(w.index, [...(lost.get(w.index) ?? []), w.message(count)]);
    });
    const countedSteps = stepsOf(countRoots);
    onLog({
      level: 'info',
      message: `rows of ${countedSteps.length ? stepList(countedSteps) : 'the inputs'} counted in one statement, ${countMs} ms`,
    });

    const steps = body.steps.length;
    const outputs: PipelineOutputFile[] = [];
    for (const c of compiled) {
      signal.throwIfAborted();
      const step = body.steps[c.index];
      if (!step) continue;
      const label = DSL_OPERATIONS[step.operation].label;
      const rowsIn = c.reads.map((relation) => rowsOf.get(relation) ?? 0);
      let rowsOut: number;
      let what = c.plan.target;
      let timing = '';
      if (c.plan.kind === 'save') {
        const file = path.join(request.outputDir, `${c.plan.target}.parquet`);
        written.push(file);
        const relations = needed(c.reads);
        const started = performance.now();
        rowsOut = await session.runCounted(
          `COPY (${withClause(relations)} ${c.plan.sql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
          signal,
        );
        const ms = Math.round(performance.now() - started);
        const computed = stepsOf(relations);
        timing = `, ${ms} ms${computed.length ? ` (one statement with ${stepList(computed)})` : ''}`;
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
