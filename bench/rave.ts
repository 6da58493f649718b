import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildRavePull, spawnRaveSim } from './rave-build.ts';
import { ROOT } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/**
 * `npm run bench -- rave`: a simulated Rave study (1,000 subjects × 20 forms × 10 visits × 20
 * items, BENCH_RAVE_SUBJECTS to change; the full clinical dataset is an ODM of ~360 MB) pulled by
 * the connector in a fresh process each time: a full pull (fetch, parse, merge into the state,
 * 21 Parquet files), then an incremental pull after five subjects changed (a value each, a
 * removed record, an inactivated subject; run a second time in the same process from the same
 * state, as a long-lived worker would run it), then a pull with nothing new. The full pull runs
 * once more with the clinical data parsed on one thread (BENCH_RAVE_WORKERS=0), for the ratio, and once
 * with the form datasets written by our Parquet writer instead of DuckDB's COPY (BENCH_RAVE_FORM_WRITER=own). Beside it, in the same
 * run, the usual Python route (requests + ElementTree.iterparse into pandas DataFrames) reads the
 * same full response. The simulator runs in its own process and serves the full response from a
 * file rendered beforehand, so neither side pays for generating it. Each pull runs bench/rave-pull.ts
 * built as the production server is built (rave-build.ts: plain `node`, the parsing threads from
 * their built file), not the sources through tsx.
 */
export async function benchRave() {
  const loadAtStart = os.loadavg().map((n) => Math.round(n * 100) / 100);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-rave-'));
  const sim = spawnRaveSim(scratch);
  try {
    const { url, bytes } = await sim.ready();
    const stateDir = path.join(scratch, 'state');
    const entry = await buildRavePull(ROOT);
    const pull = async (last: Date | null, extra: { env?: Record<string, string>; stateDir?: string } = {}) => {
      const { stdout, stderr } = await run(
        process.execPath,
        [entry, url, extra.stateDir ?? stateDir, scratch, last ? last.toISOString() : '-'],
        { cwd: ROOT, maxBuffer: 1 << 20, env: { ...process.env, UV_THREADPOOL_SIZE: '4', ...extra.env } },
      );
      const figures = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
        kind: string;
        seconds: number;
        fetchAndMergeSeconds: number;
        maxRssMb: number;
        cpuSeconds: number;
        datasets: number;
        rows: number;
      };
      // The pull's own log: where its time went (read, merge, form datasets kept or written).
      return { ...figures, log: stderr.trim().split('\n').filter(Boolean) };
    };
    const fullStart = new Date();
    const full = await pull(null);
    const python = JSON.parse(
      (
        await run(PYTHON, [path.join(ROOT, 'bench/rave_pandas.py'), url, 'rave-user', 'rave-password', 'CDP01(Prod)'], {
          maxBuffer: 1 << 20,
        })
      ).stdout,
    ) as { seconds: number; maxRssMb: number; rows: number; forms: number; client: string };
    // The same full pull with the clinical data parsed on the pull's own thread (no workers), into
    // a state of its own: what the two parsing threads gain, in this run.
    const oneThread = await pull(null, { env: { BENCH_RAVE_WORKERS: '0' }, stateDir: path.join(scratch, 'state-1') });
    // And with the form datasets written by our Parquet writer instead of DuckDB's COPY.
    const ownWriter = await pull(null, {
      env: { BENCH_RAVE_FORM_WRITER: 'own' },
      stateDir: path.join(scratch, 'state-own'),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision
    await sim.mutate();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const incrementalStart = new Date();
    // Run again in the same process from a copy of the state taken before (BENCH_RAVE_WARM): what a
    // long-lived `cdp worker` pays for its next pull (DuckDB loaded, the code run before).
    const incremental = await pull(fullStart, { env: { BENCH_RAVE_WARM: '1' } });
    const warmLine = incremental.log.find((line) => line.startsWith('[warm] '));
    const incrementalWarm = warmLine
      ? (JSON.parse(warmLine.slice('[warm] '.length)) as { seconds: number; pullCpuSeconds: number })
      : null;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const unchanged = await pull(incrementalStart);
    const round = (n: number) => Math.round(n * 100) / 100;
    const formSeconds = (log: string[]) =>
      Number(log.find((line) => line.includes('Form datasets:'))?.match(/in ([\d.]+) s$/)?.[1] ?? Number.NaN);
    const load = os.loadavg().map((n) => round(n));
    return {
      study: { subjects: Number(process.env.BENCH_RAVE_SUBJECTS ?? 1_000), forms: 20, odmMb: round(bytes / 1024 ** 2) },
      connector: {
        full: { ...full, seconds: round(full.seconds), maxRssMb: Math.round(full.maxRssMb) },
        fullParsedOnOneThread: {
          seconds: round(oneThread.seconds),
          cpuSeconds: round(oneThread.cpuSeconds),
          maxRssMb: Math.round(oneThread.maxRssMb),
          log: oneThread.log,
        },
        fullWithOwnFormWriter: {
          seconds: round(ownWriter.seconds),
          maxRssMb: Math.round(ownWriter.maxRssMb),
          log: ownWriter.log,
        },
        incremental: {
          ...incremental,
          seconds: round(incremental.seconds),
          maxRssMb: Math.round(incremental.maxRssMb),
        },
        incrementalInWarmProcess: incrementalWarm
          ? { seconds: round(incrementalWarm.seconds), pullCpuSeconds: round(incrementalWarm.pullCpuSeconds) }
          : null,
        unchanged: {
          kind: unchanged.kind,
          log: unchanged.log,
          seconds: round(unchanged.seconds),
          maxRssMb: Math.round(unchanged.maxRssMb),
        },
      },
      python: { ...python, seconds: round(python.seconds), maxRssMb: Math.round(python.maxRssMb) },
      speedupVsPython: round(python.seconds / full.seconds),
      twoThreadsVsOne: round(oneThread.seconds / full.seconds),
      cpuSecondsTwoThreadsVsOne: `${round(full.cpuSeconds)} / ${round(oneThread.cpuSeconds)}`,
      formDatasetsSeconds: { duckdbCopy: formSeconds(full.log), ownWriter: formSeconds(ownWriter.log) },
      loadAverage: { start: loadAtStart, end: load },
      incrementalShareOfFull: round(incremental.seconds / full.seconds),
      incrementalInWarmProcessShareOfFull: incrementalWarm ? round(incrementalWarm.seconds / full.seconds) : null,
      targets: { speedup: '>= 3', peakMb: '< 500', incrementalShare: '< 0.10' },
      note: 'separate processes, peak RSS from getrusage; the connector pull includes writing every Parquet file of the version; Python stops at DataFrames in memory',
    };
  } finally {
    await sim.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
