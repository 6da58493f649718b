import { inspectParquetFile } from '@cdp/formats';
import { warmDslEngine } from '@cdp/pipelines';
import type { AppContext } from '../lib/context.ts';
import { warmCopyStore } from '../phi/masked-copy.ts';
import { sha256Of } from './write-output-version.ts';

/**
 * A worker's first pipeline run paid for what every later run finds ready: DuckDB instances opened
 * (the DSL's, with its macros; the one checking outputs; the one making clear copies of inputs
 * whose PHI is sealed), DuckDB's Parquet reader and writer loaded, and the run's code compiled by
 * V8. The worker does that work when it starts, on a few made-up rows in a temporary folder (the
 * built-in examples, their outputs checked as a run's outputs are). Nothing is written to the
 * database or DATA_DIR; a failure only means the first run pays as before.
 */
export async function warmPipelineEngines(ctx: Pick<AppContext, 'config'>): Promise<number> {
  const started = performance.now();
  await Promise.all([
    warmCopyStore(ctx.config.duckdbMemoryLimit),
    warmDslEngine(async (result) => {
      for (const output of result.outputs) await Promise.all([inspectParquetFile(output.path), sha256Of(output.path)]);
    }),
  ]);
  return performance.now() - started;
}
