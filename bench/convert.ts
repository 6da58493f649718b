import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type WriteSas7bdatOptions, writeSas7bdat, writeXpt } from '@cdp/formats';
import { sharedData } from '@cdp/formats/testing';
import { ROOT } from './server.ts';
import { wideDataset } from './wide-dataset.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SHARED = sharedData();

interface Measure {
  rows: number;
  seconds: number;
  cpuSeconds?: number;
  maxRssMb: number;
}

const PANDAS = `
import json, resource, sys, time
import pandas as pd
path, fmt = sys.argv[1], sys.argv[2]
t = time.perf_counter()
c = time.process_time()
df = pd.read_sas(path, format=fmt)
seconds = time.perf_counter() - t
cpu = time.process_time() - c
print(json.dumps({"rows": len(df), "seconds": seconds, "cpuSeconds": cpu, "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

async function ours(
  format: 'xpt' | 'sas7bdat',
  file: string,
  work: string,
  readOnly = false,
  oneThread = false,
): Promise<Measure> {
  const out = path.join(work, `${path.basename(file)}.parquet`);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/convert-one.ts'), format, file, out, ...(readOnly ? ['read-only'] : [])],
    {
      cwd: ROOT,
      maxBuffer: 1 << 20,
      // The reference of issue 17: Parquet encoded on the reader's thread.
      env: oneThread ? { ...process.env, BENCH_ENCODE_THREAD: '0' } : process.env,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measure;
}

async function pandas(format: 'xpt' | 'sas7bdat', file: string): Promise<Measure | null> {
  try {
    const { stdout } = await run(PYTHON, ['-c', PANDAS, file, format === 'xpt' ? 'xport' : 'sas7bdat'], {
      maxBuffer: 1 << 20,
    });
    return JSON.parse(stdout.trim()) as Measure;
  } catch (error) {
    console.warn(`pandas could not read ${file}: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

async function compare(label: string, format: 'xpt' | 'sas7bdat', file: string, work: string) {
  const bytes = (await stat(file)).size;
  const loadBefore = os.loadavg()[0] ?? 0;
  const a = await ours(format, file, work);
  const oneThread = await ours(format, file, work, false, true);
  const readOnly = await ours(format, file, work, true);
  const b = await pandas(format, file);
  const mb = bytes / 1024 / 1024;
  const row = {
    file: label,
    format,
    sizeMb: Number(mb.toFixed(1)),
    rows: a.rows,
    cdp: {
      seconds: Number(a.seconds.toFixed(2)),
      cpuSeconds: Number((a.cpuSeconds ?? 0).toFixed(2)),
      mbPerSecond: Number((mb / a.seconds).toFixed(1)),
      rowsPerSecond: Math.round(a.rows / a.seconds),
      peakRssMb: Math.round(a.maxRssMb),
      note: 'the upload conversion (convertUpload): read + write Parquet (snappy)',
      readOnlySeconds: Number(readOnly.seconds.toFixed(2)),
      // Files from 32 MB are encoded on a thread of their own; this is the same conversion without it.
      oneThreadSeconds: Number(oneThread.seconds.toFixed(2)),
      oneThreadCpuSeconds: Number((oneThread.cpuSeconds ?? 0).toFixed(2)),
    },
    pandas: b
      ? {
          seconds: Number(b.seconds.toFixed(2)),
          cpuSeconds: Number((b.cpuSeconds ?? 0).toFixed(2)),
          peakRssMb: Math.round(b.maxRssMb),
          rows: b.rows,
          note: 'read_sas into a DataFrame only',
        }
      : null,
    speedup: b ? Number((b.seconds / a.seconds).toFixed(2)) : null,
    // On a loaded machine wall time measures the queue for the cores as much as the work: CPU time
    // (every thread of each process) is the steadier ratio.
    cpuSpeedup: b?.cpuSeconds && a.cpuSeconds ? Number((b.cpuSeconds / a.cpuSeconds).toFixed(2)) : null,
    loadAverage: [loadBefore, os.loadavg()[0] ?? 0].map((l) => Number(l.toFixed(1))),
    // pandas miscounts some XPT files (blanks ending the last rows); a differing count is flagged, not trusted.
    rowsAgree: b ? b.rows === a.rows : null,
    readerSpeedup: b ? Number((b.seconds / readOnly.seconds).toFixed(2)) : null,
  };
  console.log(JSON.stringify(row));
  return row;
}

async function largestIn(dir: string, ext: string, count: number): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const files: { file: string; size: number }[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.toLowerCase().endsWith(ext) && !full.includes('malformed'))
        files.push({ file: full, size: (await stat(full)).size });
    }
  };
  await walk(dir);
  return files
    .sort((x, y) => y.size - x.size)
    .slice(0, count)
    .map((f) => f.file);
}

/** The generated wide dataset as XPT v5, made once per size and kept in the temp folder. */
export async function generatedXpt(rows: number): Promise<{ work: string; xpt: string }> {
  const work = path.join(os.tmpdir(), 'cdp-bench-convert');
  await mkdir(work, { recursive: true });
  const xpt = path.join(work, `wide-${rows}.xpt`);
  // Written under a temporary name: an interrupted run must not leave a truncated file to reuse.
  if (!existsSync(xpt)) {
    await writeXpt(`${xpt}.partial`, [wideDataset(rows)]);
    await rename(`${xpt}.partial`, xpt);
  }
  return { work, xpt };
}

/**
 * The SAS7BDAT layouts issue 17 benchmarks, all of the generated wide dataset: 64-bit
 * little-endian (what SAS on x86-64 writes) uncompressed, COMPRESS=CHAR and COMPRESS=BINARY;
 * 32-bit little-endian (SAS on 32-bit Windows or Linux) and 64-bit big-endian (AIX, Solaris/SPARC,
 * z/OS), both uncompressed.
 */
export const SAS7BDAT_VARIANTS: { key: string; label: string; options: WriteSas7bdatOptions }[] = [
  { key: 'sas', label: 'SAS7BDAT 64-bit LE, uncompressed', options: {} },
  { key: 'rle', label: 'SAS7BDAT 64-bit LE, RLE', options: { compression: 'rle' } },
  { key: 'rdc', label: 'SAS7BDAT 64-bit LE, RDC', options: { compression: 'rdc' } },
  { key: '32-bit', label: 'SAS7BDAT 32-bit LE, uncompressed', options: { wordSize: 32 } },
  { key: 'big-endian', label: 'SAS7BDAT 64-bit BE, uncompressed', options: { byteOrder: 'big' } },
];

/** One SAS7BDAT layout of the generated wide dataset, made once per size and kept in the temp folder. */
export async function generatedSas7bdat(rows: number, key: string): Promise<{ work: string; file: string }> {
  const variant = SAS7BDAT_VARIANTS.find((v) => v.key === key);
  if (!variant) throw new Error(`no SAS7BDAT variant "${key}" (${SAS7BDAT_VARIANTS.map((v) => v.key).join(', ')})`);
  const work = path.join(os.tmpdir(), 'cdp-bench-convert');
  await mkdir(work, { recursive: true });
  // The first two keep the names earlier runs cached them under.
  const file = path.join(work, key === 'sas' ? `wide-${rows}.sas7bdat` : `wide-${rows}-${key}.sas7bdat`);
  if (!existsSync(file)) {
    // A name of this process's own: two runs generating at once must not write into one file.
    const partial = `${file}.${process.pid}.partial`;
    await writeSas7bdat(partial, wideDataset(rows), variant.options);
    await rename(partial, file);
  }
  return { work, file };
}

/** The XPT and the first two SAS7BDAT layouts, as earlier benches asked for them. */
export async function generatedFiles(rows: number): Promise<{ work: string; xpt: string; sas: string; rle: string }> {
  const { work, xpt } = await generatedXpt(rows);
  const { file: sas } = await generatedSas7bdat(rows, 'sas');
  const { file: rle } = await generatedSas7bdat(rows, 'rle');
  return { work, xpt, sas, rle };
}

/** 418 bytes an observation: 2,570,000 rows of the wide dataset make an XPT just over 1 GiB. */
const ONE_GIGABYTE_ROWS = 2_570_000;

/**
 * Issue 17's last target: a 1 GB XPT converts in under 15 s with a peak RSS under 1 GB (streaming:
 * row groups, not the file, bound the memory). The upload's conversion as for the other files, and
 * pandas on the same file in the same run as the reference of the machine's speed at that moment.
 */
async function oneGigabyteXpt(): Promise<Record<string, unknown>> {
  const { work, xpt } = await generatedXpt(ONE_GIGABYTE_ROWS);
  const mb = (await stat(xpt)).size / 1024 / 1024;
  const a = await ours('xpt', xpt, work);
  const b = await pandas('xpt', xpt);
  const row = {
    file: `generated ${ONE_GIGABYTE_ROWS.toLocaleString('en-US')} × 40 (XPT v5, 1 GB)`,
    sizeMb: Number(mb.toFixed(1)),
    rows: a.rows,
    cdp: {
      seconds: Number(a.seconds.toFixed(2)),
      cpuSeconds: Number((a.cpuSeconds ?? 0).toFixed(2)),
      peakRssMb: Math.round(a.maxRssMb),
    },
    pandas: b ? { seconds: Number(b.seconds.toFixed(2)), peakRssMb: Math.round(b.maxRssMb), rows: b.rows } : null,
    speedup: b ? Number((b.seconds / a.seconds).toFixed(2)) : null,
    targets: { under15Seconds: a.seconds < 15, peakRssUnder1Gb: a.maxRssMb < 1024 },
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))),
  };
  console.log(JSON.stringify(row));
  return row;
}

/**
 * SAS → Parquet against pandas `read_sas` on the same files: a generated 1,000,000-row, 40-column
 * dataset as XPT v5 and as SAS7BDAT in each layout of `SAS7BDAT_VARIANTS`, then the largest real
 * files of the corpus. `BENCH_CONVERT_ROWS` changes the generated size; `BENCH_CONVERT_1GB` adds
 * the 1 GB XPT; `BENCH_CONVERT_FILES` (e.g. `rdc,big-endian`; keys `xpt` and those of
 * `SAS7BDAT_VARIANTS`) measures only those generated files, without the corpus.
 */
export async function benchConvert(): Promise<Record<string, unknown>> {
  // BENCH_CONVERT_1GB=1 adds the 1 GB XPT (generated once, ~1 minute); =only measures it alone.
  const oneGb = process.env.BENCH_CONVERT_1GB;
  if (oneGb === 'only') return { oneGigabyte: await oneGigabyteXpt() };
  const rows = Number(process.env.BENCH_CONVERT_ROWS ?? 1_000_000);
  const only = process.env.BENCH_CONVERT_FILES?.split(',').map((k) => k.trim());
  const wanted = (key: string) => !only || only.includes(key);
  const size = rows.toLocaleString('en-US');
  const results = [];
  if (wanted('xpt')) {
    const { work, xpt } = await generatedXpt(rows);
    results.push(await compare(`generated ${size} × 40 (XPT v5)`, 'xpt', xpt, work));
  }
  for (const variant of SAS7BDAT_VARIANTS.filter((v) => wanted(v.key))) {
    const { work, file } = await generatedSas7bdat(rows, variant.key);
    results.push(await compare(`generated ${size} × 40 (${variant.label})`, 'sas7bdat', file, work));
  }
  if (only) return { results, note: 'generated files only (BENCH_CONVERT_FILES)' };
  const work = path.join(os.tmpdir(), 'cdp-bench-convert');
  for (const file of await largestIn(path.join(SHARED, 'cdiscpilot01'), '.xpt', 2)) {
    results.push(await compare(path.relative(SHARED, file), 'xpt', file, work));
  }
  for (const file of await largestIn(path.join(SHARED, 'sas7bdat'), '.sas7bdat', 3)) {
    results.push(await compare(path.relative(SHARED, file), 'sas7bdat', file, work));
  }
  const oneGigabyte = oneGb === '1' ? await oneGigabyteXpt() : undefined;
  return {
    results,
    oneGigabyte,
    note: 'separate processes; peak RSS from getrusage; pandas 1.5 from Debian python3-pandas',
  };
}
