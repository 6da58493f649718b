import { z } from 'zod';

/**
 * Bodies of SQL and Python pipeline definitions (issue 12, items 3 and 4). The engines in
 * `@cdp/pipelines` (`sql/`, `python/`) run them; the runtime stores them as the `body` of a pipeline
 * version of kind `sql` or `python`.
 */

/**
 * A dataset name a pipeline reads or writes (`DM`, `dm_clean`): a letter or underscore, then letters,
 * digits or underscores. DuckDB identifiers are case-insensitive, so two names that differ only in
 * case are the same name.
 */
export const PipelineDatasetName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
    'a dataset name is a letter or underscore, then up to 63 letters, digits or underscores',
  );
export type PipelineDatasetName = z.infer<typeof PipelineDatasetName>;

/** One named `SELECT` over the inputs and the earlier statements; it becomes a view called `name`. */
export const SqlStatement = z.strictObject({
  name: PipelineDatasetName,
  sql: z.string().trim().min(1, 'a statement needs a SELECT').max(100_000),
});
export type SqlStatement = z.infer<typeof SqlStatement>;

/**
 * `statements` run in order; each may read the inputs and the statements before it. `outputs` names
 * the statements written as output datasets; when it is absent, every statement is an output.
 */
export const SqlPipelineBody = z
  .strictObject({
    statements: z.array(SqlStatement).min(1, 'a SQL pipeline needs at least one statement').max(50),
    outputs: z.array(PipelineDatasetName).min(1).max(50).optional(),
  })
  .superRefine((body, ctx) => {
    const seen = new Map<string, number>();
    body.statements.forEach((statement, index) => {
      const key = statement.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['statements', index, 'name'],
          message: `"${statement.name}" is already the name of statements[${first}]`,
        });
      } else seen.set(key, index);
    });
    body.outputs?.forEach((output, index) => {
      if (!seen.has(output.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: ['outputs', index], message: `no statement is named "${output}"` });
      }
    });
    duplicateOutputs(body.outputs, ctx);
  });
export type SqlPipelineBody = z.infer<typeof SqlPipelineBody>;

/**
 * A Python script run in the sandbox. It reads inputs with `read_dataset(name)` and writes outputs
 * with `save_dataset(df, name)`. When `outputs` is given, the script must save exactly those; when
 * absent, whatever it saves (at least one dataset) is the output.
 */
export const PythonPipelineBody = z
  .strictObject({
    script: z.string().min(1, 'a Python pipeline needs a script').max(200_000),
    outputs: z.array(PipelineDatasetName).min(1).max(50).optional(),
  })
  .superRefine((body, ctx) => duplicateOutputs(body.outputs, ctx));
export type PythonPipelineBody = z.infer<typeof PythonPipelineBody>;

function duplicateOutputs(outputs: string[] | undefined, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  outputs?.forEach((output, index) => {
    const key = output.toLowerCase();
    if (seen.has(key))
      ctx.addIssue({ code: 'custom', path: ['outputs', index], message: `"${output}" is listed twice` });
    seen.add(key);
  });
}
