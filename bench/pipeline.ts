import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeParquet } from '@cdp/formats';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import { writeDatasetCsv } from '../apps/server/src/lib/csv.ts';
import { nodeBundleOptions } from './bundle-options.ts';
import { benchPipelineWholeRun } from './pipeline-whole-run.ts';
import { benchPipelineWorkerMemory } from './pipeline-worker.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
/** The dashboard bench's study: 4,400 screened subjects, 26 lab visits: 1,026,129 LB rows. */
const STUDY = { subjects: 4400, sites: 60, seed: 1, labVisits: 26 } as const;
const DATASETS = ['DM', 'DS', 'LB'] as const;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Runs per process: the first is a fresh worker's (cold), the rest a warm worker's. */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 6);
const TARGET_SPEEDUP = 5;

interface Measure {
  seconds: number;
  /** Every run's seconds in the process, the first one cold. */
  runs: number[];
  maxRssMb: number;
  readSeconds?: number;
  check: Record<string, number>;
}

/** DM, DS and LB as Parquet (what the DSL reads) and CSV (what pandas reads: no pyarrow here), made once. */
async function studyFiles(): Promise<{ dir: string; rows: Record<string, number> }> {
  const key = `s${STUDY.subjects}-sites${STUDY.sites}-v${STUDY.labVisits}-seed${STUDY.seed}`;
  const dir = path.join(os.tmpdir(), 'cdp-bench-pipeline', key);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest))
    return { dir, rows: JSON.parse(await readFile(manifest, 'utf8')) as Record<string, number> };
  const work = `${dir}.partial`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  console.log(`pipeline: generating the ${key} study in ${dir} (once)…`);
  const rows: Record<string, number> = {};
  for (const reader of generateDemoStudy(STUDY)) {
    const name = reader.info.name;
    if (!DATASETS.some((n) => n === name)) continue;
    rows[name] = (
      await writeParquet(reader, path.join(work, `${name.toLowerCase()}.parquet`), { memoryLimit: '1GB' })
    ).rows;
  }
  for (const reader of generateDemoStudy(STUDY)) {
    const name = reader.info.name;
    if (!DATASETS.some((n) => n === name)) continue;
    const written = await writeDatasetCsv(path.join(work, `${name.toLowerCase()}.csv`), reader, { raw: true });
    if (written.rows !== rows[name]) throw new Error(`${name}: ${written.rows} CSV rows but ${rows[name]} in Parquet`);
  }
  await writeFile(path.join(work, 'manifest.json'), JSON.stringify(rows));
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return { dir, rows };
}

/**
 * pipeline-one.ts compiled as `npm run build` compiles the server (esbuild, our packages bundled,
 * npm dependencies from node_modules), so it runs under plain `node` as a production worker does:
 * no tsx compiling TypeScript in the measured process (it cost ~100 MB of its peak memory and the
 * first run's time). Built once per bench, into the repository so node_modules resolve.
 */
let bundled: Promise<string> | undefined;
function pipelineOne(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const out = path.join(ROOT, 'bench', 'results', 'pipeline-one.mjs');
    await build({
      ...nodeBundleOptions(ROOT),
      entryPoints: [path.join(ROOT, 'bench/pipeline-one.ts')],
      outfile: out,
    });
    return out;
  })();
  return bundled;
}

async function ours(which: string, dir: string): Promise<Measure> {
  const { stdout } = await run(process.execPath, [await pipelineOne(), which, dir, String(REPEAT)], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measure;
}

async function pandas(which: string, dir: string): Promise<Measure> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pandas-'));
  try {
    const { stdout } = await run(
      PYTHON,
      [path.join(ROOT, 'bench/pipeline_pandas.py'), which, dir, out, String(REPEAT)],
      {
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(stdout.trim()) as Measure;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const r3 = (n: number) => Number(n.toFixed(3));

/**
 * `ROUNDS` rounds, each a fresh CDP process then a fresh pandas process (interleaved, so both sides
 * meet the same load), each doing the work `REPEAT` times. Cold: the median of the first runs;
 * warm: the median of the others (a worker that has run before: its pooled DuckDB; pandas imported
 * and its code paths warm).
 */
async function compare(which: 'example' | 'derivation', dir: string, what: string) {
  const a: Measure[] = [];
  const b: Measure[] = [];
  const load: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    load.push(os.loadavg()[0] ?? 0);
    a.push(await ours(which, dir));
    b.push(await pandas(which, dir));
  }
  const side = (m: Measure[]) => {
    const cold = median(m.map((x) => x.runs[0] ?? x.seconds));
    const warm = median(m.flatMap((x) => x.runs.slice(1)));
    return { cold, warm, peakRssMb: Math.max(...m.map((x) => x.maxRssMb)) };
  };
  const cdp = side(a);
  const pd = side(b);
  const row = {
    pipeline: which,
    what,
    loadAverage1m: load.map((l) => Number(l.toFixed(1))),
    cdp: {
      coldSeconds: r3(cdp.cold),
      warmSeconds: r3(cdp.warm),
      runs: a.map((m) => m.runs.map(r3)),
      peakRssMb: Math.round(cdp.peakRssMb),
      check: a[0]?.check,
    },
    pandas: {
      coldSeconds: r3(pd.cold),
      warmSeconds: r3(pd.warm),
      runs: b.map((m) => m.runs.map(r3)),
      readCsvSecondsFirstRun: r3(median(b.map((m) => m.readSeconds ?? 0))),
      peakRssMb: Math.round(pd.peakRssMb),
      check: b[0]?.check,
    },
    speedupCold: Number((pd.cold / cdp.cold).toFixed(2)),
    speedupWarm: Number((pd.warm / cdp.warm).toFixed(2)),
    memoryRatio: Number((pd.peakRssMb / cdp.peakRssMb).toFixed(2)),
    sameResult: a.every((m) => JSON.stringify(m.check) === JSON.stringify(b[0]?.check)),
    targetMet:
      pd.warm / cdp.warm >= TARGET_SPEEDUP && pd.cold / cdp.cold >= TARGET_SPEEDUP && cdp.peakRssMb < pd.peakRssMb,
  };
  console.log(JSON.stringify(row));
  return row;
}

/**
 * `npm run bench -- pipeline`: (a) the specification's example pipeline (with the ENROL pipeline it
 * reads) on DM and DS, (b) a typical derivation on the 1,026,129-row LB, each beside pandas doing the
 * same steps (`/usr/bin/python3`), read two ways (docs/decisions.md, "The small example's target"):
 *
 * (ii) the engine's work only, (a) and (b): `BENCH_ROUNDS` (3) rounds of a fresh process per side,
 *   each doing the work `BENCH_REPEAT` (6) times; medians of the first (cold) and of the other
 *   (warm) runs. Timed, per run: the DSL from `executeDsl`'s call to its Parquet outputs written
 *   (reading the Parquet inputs, every step, the COPY to Parquet); pandas from reading its CSV files
 *   to writing its CSV result (no pyarrow here). Not timed on either side: process start, imports,
 *   the inputs' schemas (CDP reads them from the manifest), the job queue, the output version.
 *   Memory: each process's peak RSS (plain node running the bundled pipeline-one, as a production
 *   worker runs the built server; python with pandas imported).
 * (i) a user's whole run, (a) only (`pipeline-whole-run.ts`, `BENCH_WHOLE_ROUNDS`, 7): CDP from
 *   POST …/runs to SUCCEEDED on the production build's `cdp start`, pandas from `python3 script.py`
 *   spawned to exited, one script per pipeline; memory: the worker's peak increase during a run and
 *   its peak RSS, against pandas' process peak.
 * Memory of the example (`pipeline-worker.ts`, `BENCH_MEMORY_ROUNDS`, 3; BENCH_PIPELINES=memory for it
 *   alone): a deployment's `cdp worker` and the whole `cdp start`, idle and per run, RSS and PSS,
 *   against pandas' process peak.
 */
export async function benchPipeline() {
  const { dir, rows } = await studyFiles();
  // BENCH_PIPELINES=example (or derivation) runs one of the two; =whole the example's whole run alone.
  const only = process.env.BENCH_PIPELINES;
  const example =
    only && only !== 'example'
      ? null
      : await compare('example', dir, 'enrolment (DS → ENROL) then dm_clean (DM + ENROL), the built-in examples');
  const derivation =
    only && only !== 'derivation'
      ? null
      : await compare(
          'derivation',
          dir,
          'merge DM into LB, convert dates, study_day, out-of-range flag, safety population, aggregate by arm × visit × test',
        );
  const wholeRun =
    only && only !== 'example' && only !== 'whole'
      ? null
      : await benchPipelineWholeRun(dir, Number(process.env.BENCH_WHOLE_ROUNDS ?? 7));
  if (wholeRun) console.log(JSON.stringify({ pipeline: "example, a user's whole run", ...wholeRun }));
  const memory =
    only && only !== 'memory'
      ? null
      : await benchPipelineWorkerMemory(dir, Number(process.env.BENCH_MEMORY_ROUNDS ?? 3));
  return {
    study: { ...STUDY, rows },
    rounds: ROUNDS,
    targetSpeedup: TARGET_SPEEDUP,
    example: example && { reading: '(ii) the engine only', ...example },
    exampleWholeRun: wholeRun && { reading: "(i) a user's whole run", ...wholeRun },
    derivation: derivation && { reading: '(ii) the engine only', ...derivation },
    exampleMemory: memory,
  };
}
