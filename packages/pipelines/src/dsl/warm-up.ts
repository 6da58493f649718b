import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXAMPLE_PIPELINES } from '@cdp/contracts';
import type { ExecutePipelineResult, PipelineInput } from '../executor.ts';
import { connectPooled } from './duckdb-pool.ts';
import { executeDsl } from './execute-dsl.ts';
import { quoteLiteral } from './types.ts';

/** The memory limit a run asks for when its organization sets none (session.ts's default). */
const DEFAULT_MEMORY_MB = 2048;

/** A few rows of DS and DM with the columns the built-in examples read (made up, no real data). */
const DS_ROWS = `SELECT * FROM (VALUES
  ('WARM', 'WARM-1', 'DISPOSITION EVENT', 'COMPLETED', '2024-03-01'),
  ('WARM', 'WARM-2', 'DISPOSITION EVENT', 'ADVERSE EVENT', '2024-03'),
  ('WARM', 'WARM-2', 'PROTOCOL MILESTONE', 'RANDOMIZED', '2024-01-05')
) AS t(STUDYID, USUBJID, DSCAT, DSDECOD, DSSTDTC)`;
const DM_ROWS = `SELECT * FROM (VALUES
  ('WARM', 'WARM-1', '2024-01-02', '2024-03-01', '2024-01-02', '2024-01-02', '2024-03-01', '2024-03-01', 34.0, 'A', '2024-01-01'),
  ('WARM', 'WARM-2', '2024-01-05', NULL, '2024-01-05', NULL, NULL, NULL, 71.0, 'SCRNFAIL', NULL)
) AS t(STUDYID, USUBJID, RFSTDTC, RFENDTC, RFXSTDTC, RFXENDTC, RFPENDTC, RFICDTC, AGE, ARMCD, DMDTC)`;

const noop = () => {};

/**
 * Does a worker's first-run work when the worker starts rather than in a user's first run: opens
 * the warm DuckDB instances DSL runs use (the single-threaded one small inputs run on, with the DSL
 * macros, and the all-threads one for large inputs), and runs the two built-in examples on a few
 * made-up rows in a folder of its own, so DuckDB's Parquet reader and writer and the compile path
 * (JIT) are warm. `afterRun` sees the outputs before the folder is removed (the server checks them
 * as a run's outputs are checked, to warm that path too). Leaves nothing behind: the folder goes,
 * and each run's connection (its TEMP views) closes as a run's does.
 */
export async function warmDslEngine(
  afterRun: (result: ExecutePipelineResult) => Promise<void> = async () => {},
): Promise<number> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-dsl-warm-'));
  try {
    const ds = path.join(dir, 'ds.parquet');
    const dm = path.join(dir, 'dm.parquet');
    const connection = await connectPooled(DEFAULT_MEMORY_MB, 1);
    try {
      await connection.run(
        `COPY (${DS_ROWS}) TO ${quoteLiteral(ds)} (FORMAT parquet); COPY (${DM_ROWS}) TO ${quoteLiteral(dm)} (FORMAT parquet)`,
      );
    } finally {
      connection.closeSync();
    }
    (await connectPooled(DEFAULT_MEMORY_MB, undefined)).closeSync();
    const [enrolment, clean] = EXAMPLE_PIPELINES;
    if (!enrolment || !clean) return performance.now() - started;
    const text = (names: string[]) => names.map((name) => ({ name, type: 'string' }));
    const run = async (name: string, body: unknown, inputs: PipelineInput[]) => {
      const outputDir = path.join(dir, name);
      await mkdir(outputDir);
      const result = await executeDsl({
        kind: 'dsl',
        body,
        inputs,
        outputDir,
        signal: new AbortController().signal,
        onProgress: noop,
        onLog: noop,
      });
      await afterRun(result);
      return result;
    };
    const enrol = await run('enrol', enrolment.body, [
      { name: 'DS', path: ds, columns: text(['STUDYID', 'USUBJID', 'DSCAT', 'DSDECOD', 'DSSTDTC']) },
    ]);
    const enrolFile = enrol.outputs[0]?.path;
    if (!enrolFile) return performance.now() - started;
    await run('dm_clean', clean.body, [
      {
        name: 'DM',
        path: dm,
        columns: [
          ...text(['STUDYID', 'USUBJID', 'RFSTDTC', 'RFENDTC', 'RFXSTDTC', 'RFXENDTC', 'RFPENDTC', 'RFICDTC']),
          { name: 'AGE', type: 'number' },
          ...text(['ARMCD', 'DMDTC']),
        ],
      },
      { name: 'ENROL', path: enrolFile, columns: text(['STUDYID', 'USUBJID', 'ENRLSTAT', 'ENRLENDTC']) },
    ]);
    return performance.now() - started;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
