import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DslBodyInput } from '@cdp/contracts';
import { EXAMPLE_PIPELINES, executeDsl, type PipelineInput, type PipelineOutputFile } from '@cdp/pipelines';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * DSL runs in a process of their own, so the peak memory is theirs:
 * `pipeline-one.ts <example|derivation> <folder with dm/ds/lb.parquet> [repeat]` runs the pipeline
 * `repeat` times, as one worker would, and prints `{ seconds (the first run's), runs, maxRssMb,
 * check }` (`check`: figures to compare with pandas' result).
 */

/** (b): merge DM into LB, convert types, study day, flag out-of-range values, the safety population, aggregate. */
export const DERIVATION: DslBodyInput = {
  steps: [
    {
      operation: 'select_columns',
      parameters: {
        dataset: 'DM',
        columns: ['STUDYID', 'USUBJID', 'ARM', 'ACTARMCD', 'RFSTDTC', 'RFXSTDTC'],
        output_name: 'DMS',
      },
    },
    {
      operation: 'merge_datasets',
      parameters: { left: 'LB', right: 'DMS', on: ['STUDYID', 'USUBJID'], how: 'left', output_name: 'LBDM' },
    },
    { operation: 'convert_types', parameters: { dataset: 'LBDM', conversions: { LBDTC: 'date', RFSTDTC: 'date' } } },
    {
      operation: 'add_calculated_column',
      parameters: { dataset: 'LBDM', column_name: 'LBDY', expression: 'study_day(LBDTC, RFSTDTC)' },
    },
    {
      operation: 'add_calculated_column',
      parameters: {
        dataset: 'LBDM',
        column_name: 'OUTFL',
        expression: 'if(LBSTRESN < LBSTNRLO or LBSTRESN > LBSTNRHI, 1, 0)',
      },
    },
    {
      operation: 'filter_rows',
      parameters: {
        dataset: 'LBDM',
        conditions: [
          { column: 'RFXSTDTC', operator: 'is_not_null' },
          { column: 'ACTARMCD', operator: 'not_in', value: ['SCRNFAIL', 'NOTTRT'] },
        ],
      },
    },
    {
      operation: 'aggregate',
      parameters: {
        dataset: 'LBDM',
        group_by: ['ARM', 'VISIT', 'LBTESTCD'],
        measures: [
          { function: 'count', as: 'N' },
          { column: 'LBSTRESN', function: 'mean', as: 'MEAN' },
          { column: 'OUTFL', function: 'sum', as: 'NOUT' },
          { column: 'LBDY', function: 'mean', as: 'MEANDY' },
        ],
      },
    },
    { operation: 'save_dataset', parameters: { dataset: 'LBDM', output_name: 'lb_summary' } },
  ],
};

/** The inputs' columns as the manifest would give them (the engine re-reads the files' own types). */
async function inputs(names: string[], dir: string): Promise<PipelineInput[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const out: PipelineInput[] = [];
  for (const name of names) {
    const file = path.join(dir, `${name}.parquet`);
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`);
    out.push({
      name: name.toUpperCase(),
      path: file,
      columns: described
        .getRowObjectsJS()
        .map((row) => ({ name: String(row.column_name), type: String(row.column_type) })),
    });
  }
  connection.closeSync();
  db.closeSync();
  return out;
}

async function run(body: DslBodyInput, inputs: PipelineInput[], outputDir: string): Promise<PipelineOutputFile[]> {
  const result = await executeDsl({
    kind: 'dsl',
    body,
    inputs,
    outputDir,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    onLog: (line) => {
      if (process.env.BENCH_VERBOSE) console.error(line.message);
    },
  });
  return result.outputs;
}

const [which, dir, repeatArg] = process.argv.slice(2);
const repeat = Math.max(1, Number(repeatArg ?? 1));
let summaryFile: string | undefined;
if (!which || !dir) throw new Error('usage: pipeline-one.ts <example|derivation> <folder> [repeat]');
// The inputs' schemas come from the manifest in the product: read before the clock starts.
const [dm, ds, lb] = await inputs(['dm', 'ds', 'lb'], dir);
if (!dm || !ds || !lb) throw new Error('inputs missing');
/** Each run's seconds: the first is a fresh worker's, the others a warm one's (its pooled DuckDB). */
const runs: number[] = [];
let check: unknown;
const outs: string[] = [];
for (let r = 0; r < repeat; r++) {
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pipeline-out-'));
  outs.push(out);
  const started = performance.now();
  if (which === 'example') {
    const [enrolment, dmClean] = EXAMPLE_PIPELINES;
    if (!enrolment || !dmClean) throw new Error('examples missing');
    const [enrol] = await run(enrolment.body, [ds], out);
    if (!enrol) throw new Error('no ENROL');
    const [clean] = await run(dmClean.body, [dm, { name: 'ENROL', path: enrol.path, columns: enrol.columns }], out);
    check = { rows: clean?.rows };
  } else {
    const [summary] = await run(DERIVATION, [dm, lb], out);
    check = { rows: summary?.rows };
    // Figures to compare with pandas, read after the clock stops.
    summaryFile = summary?.path;
  }
  runs.push((performance.now() - started) / 1000);
}
const out = outs[0] ?? '';

if (summaryFile) {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const totals = await connection.runAndReadAll(
    `SELECT count(*), sum(N), sum(NOUT), round(sum(MEAN * N), 3) FROM '${summaryFile}'`,
  );
  const [groups, n, nout, weighted] = totals.getRowsJS()[0] ?? [];
  check = {
    rows: Number(groups),
    groups: Number(groups),
    n: Number(n),
    nout: Number(nout),
    weightedMean: Number(weighted),
  };
  connection.closeSync();
  db.closeSync();
}
const files = await readdir(out);
for (const folder of outs) await rm(folder, { recursive: true, force: true });
console.log(JSON.stringify({ seconds: runs[0], runs, maxRssMb: process.resourceUsage().maxRSS / 1024, check, files }));
