import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeParquet } from '@cdp/formats';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import { writeDatasetCsv } from '../apps/server/src/lib/csv.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
/** The dashboard bench's study: 4,400 screened subjects, 26 lab visits: 1,026,129 LB rows. */
const STUDY = { subjects: 4400, sites: 60, seed: 1, labVisits: 26 } as const;
const DATASETS = ['DM', 'DS', 'LB'] as const;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_SPEEDUP = 5;

interface Measure {
  seconds: number;
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

async function ours(which: string, dir: string): Promise<Measure> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/pipeline-one.ts'), which, dir],
    {
      cwd: ROOT,
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measure;
}

async function pandas(which: string, dir: string): Promise<Measure> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pandas-'));
  try {
    const { stdout } = await run(PYTHON, [path.join(ROOT, 'bench/pipeline_pandas.py'), which, dir, out], {
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout.trim()) as Measure;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Best time of `ROUNDS` runs (each in a fresh process), the largest peak memory. */
async function best(measure: () => Promise<Measure>): Promise<Measure & { allSeconds: number[] }> {
  const runs: Measure[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await measure());
  const fastest = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  return {
    ...fastest,
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    allSeconds: runs.map((r) => Number(r.seconds.toFixed(3))),
  };
}

async function compare(which: 'example' | 'derivation', dir: string, what: string) {
  const a = await best(() => ours(which, dir));
  const b = await best(() => pandas(which, dir));
  const computeOnly = b.seconds - (b.readSeconds ?? 0);
  const row = {
    pipeline: which,
    what,
    cdp: {
      seconds: Number(a.seconds.toFixed(3)),
      runs: a.allSeconds,
      peakRssMb: Math.round(a.maxRssMb),
      check: a.check,
    },
    pandas: {
      seconds: Number(b.seconds.toFixed(3)),
      runs: b.allSeconds,
      readCsvSeconds: Number((b.readSeconds ?? 0).toFixed(3)),
      peakRssMb: Math.round(b.maxRssMb),
      check: b.check,
    },
    speedup: Number((b.seconds / a.seconds).toFixed(2)),
    /** pandas without its CSV reading (the DSL's time includes reading its Parquet inputs). */
    speedupExcludingPandasRead: Number((computeOnly / a.seconds).toFixed(2)),
    memoryRatio: Number((b.maxRssMb / a.maxRssMb).toFixed(2)),
    sameResult: JSON.stringify(a.check) === JSON.stringify(b.check),
    targetMet: b.seconds / a.seconds >= TARGET_SPEEDUP && a.maxRssMb < b.maxRssMb,
  };
  console.log(JSON.stringify(row));
  return row;
}

/**
 * `npm run bench -- pipeline`: (a) the specification's example pipeline (with the ENROL pipeline it
 * reads) on DM and DS, (b) a typical derivation on the 1,026,129-row LB, each beside pandas doing the
 * same steps (`/usr/bin/python3`), best of `BENCH_ROUNDS` (3) fresh processes each. The DSL's time
 * is from the run's start to its Parquet outputs written (reading the inputs included); pandas' from
 * reading its CSV files to writing its CSV result; peak memory is each process's max RSS (node with
 * tsx, and python with pandas imported).
 */
export async function benchPipeline() {
  const { dir, rows } = await studyFiles();
  const example = await compare(
    'example',
    dir,
    'enrolment (DS → ENROL) then dm_clean (DM + ENROL), the built-in examples',
  );
  const derivation = await compare(
    'derivation',
    dir,
    'merge DM into LB, convert dates, study_day, out-of-range flag, safety population, aggregate by arm × visit × test',
  );
  return { study: { ...STUDY, rows }, rounds: ROUNDS, targetSpeedup: TARGET_SPEEDUP, example, derivation };
}
