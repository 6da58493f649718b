import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../apps/server/src/lib/embedded-postgres.ts';
import { createLogger } from '../apps/server/src/lib/logger.ts';
import { type CdpProcess, freePort, runBuiltCdp, waitUntilReady } from '../scripts/cdp-process.ts';
import {
  type BenchTarget,
  benchStudyWithExamples,
  buildServer,
  type CdpRun,
  cdpRun,
  median,
  type PandasRun,
  pandasRun,
} from './pipeline-whole-run.ts';
import { DEMO_PASSWORD, startServer } from './server.ts';

/** A process's memory in MB: resident (and its peak), proportional (shared pages divided among their users). */
export interface ProcessMemory {
  rssMb: number;
  peakRssMb: number;
  /** Pss from /proc/<pid>/smaps_rollup: what the process costs the machine, its share of shared pages counted. */
  pssMb: number;
  /** Pss_Anon: its heaps (JavaScript, DuckDB, native buffers), no file-backed code. */
  pssAnonMb: number;
}

export function processMemory(pid: number | undefined): ProcessMemory | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (text: string, field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
    return {
      rssMb: kb(status, 'VmRSS'),
      peakRssMb: kb(status, 'VmHWM'),
      pssMb: kb(rollup, 'Pss'),
      pssAnonMb: kb(rollup, 'Pss_Anon'),
    };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until a started process has settled (its start-up warm-ups done): at least `minMs`, then
 * until its RSS has moved less than 1 MB over five one-second samples (at most two minutes).
 */
async function settled(pid: number | undefined, minMs = 15_000): Promise<ProcessMemory | null> {
  const started = Date.now();
  const samples: number[] = [];
  while (Date.now() - started < 120_000) {
    await sleep(1000);
    const now = processMemory(pid);
    if (!now) return null;
    samples.push(now.rssMb);
    const last = samples.slice(-5);
    if (Date.now() - started >= minMs && last.length === 5 && Math.max(...last) - Math.min(...last) < 1) return now;
  }
  return processMemory(pid);
}

/**
 * One build deployed as production runs it (docs/operations.md), on this machine: a PostgreSQL of
 * its own, `cdp migrate`, `cdp seed` (the demo tenant: the bench signs in as its admin), then one
 * `cdp api` and one `cdp worker`, plain node on the production build. Pipeline runs go to the worker.
 */
export interface Deployment {
  url: string;
  worker: CdpProcess;
  stop(): Promise<void>;
}

export async function deploy(main: string | undefined, workerNodeArgs: string[] = []): Promise<Deployment> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-worker-'));
  await chmod(root, 0o755);
  let postgres: EmbeddedPostgres | null = null;
  const processes: CdpProcess[] = [];
  const stop = async () => {
    for (const p of processes.reverse()) await p.stop();
    await postgres?.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    postgres = await startEmbeddedPostgres({
      dir: path.join(root, 'pg'),
      port: await freePort(),
      password: 'bench-superuser-password',
      log: createLogger('silent'),
    });
    const port = await freePort();
    const env = {
      DATABASE_URL: postgres.adminUrl,
      DATABASE_APP_PASSWORD: 'bench-app-password-0123456789',
      DATA_DIR: path.join(root, 'data'),
      CDP_DEMO_PASSWORD: DEMO_PASSWORD,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    };
    const options = main ? { main } : {};
    for (const step of ['migrate', 'seed']) {
      const once = runBuiltCdp(step, env, [], options);
      if ((await once.exited) !== 0) throw new Error(`cdp ${step} failed:\n${once.output()}`);
    }
    const apiProcess = runBuiltCdp('api', env, [], options);
    processes.push(apiProcess);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, apiProcess, 180_000);
    const worker = runBuiltCdp('worker', env, [], { ...options, nodeArgs: workerNodeArgs });
    processes.push(worker);
    return { url, worker, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface MemorySide {
  name: string;
  /** Where runs are asked for and the process whose memory is read. */
  target: BenchTarget;
  token: string;
  base: string;
  enrolId: string;
  cleanId: string;
  idle: ProcessMemory | null;
  runs: CdpRun[];
  afterRuns: ProcessMemory | null;
}

async function prepare(name: string, target: BenchTarget, dir: string): Promise<MemorySide> {
  return { name, target, ...(await benchStudyWithExamples(target, dir)), idle: null, runs: [], afterRuns: null };
}

const mb = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? null : Math.round(n));

function summary(side: MemorySide) {
  return {
    side: side.name,
    idle: side.idle && {
      rssMb: mb(side.idle.rssMb),
      pssMb: mb(side.idle.pssMb),
      pssAnonMb: mb(side.idle.pssAnonMb),
    },
    // Per run: the process's peak RSS during the run (its peak reset before) less its RSS before.
    runPeakIncreaseMb: {
      median: mb(median(side.runs.map((r) => r.peakIncreaseMb ?? Number.NaN))),
      max: mb(Math.max(...side.runs.map((r) => r.peakIncreaseMb ?? 0))),
    },
    peakRssMb: mb(Math.max(...side.runs.map((r) => r.peakRssMb ?? 0))),
    afterRuns: side.afterRuns && {
      rssMb: mb(side.afterRuns.rssMb),
      pssMb: mb(side.afterRuns.pssMb),
      pssAnonMb: mb(side.afterRuns.pssAnonMb),
    },
  };
}

/**
 * Memory of the process a pipeline runs in, against pandas' (issue 12: "with less memory"), for the
 * small example (ENROL then dm_clean). Two CDP processes per build, both the production build under
 * plain node: a standalone `cdp worker` (the process that runs pipelines in a deployment, beside a
 * `cdp api` and a PostgreSQL of its own) and the whole `cdp start` (API, worker and web in one
 * process; its embedded PostgreSQL is not counted). For each: RSS and PSS once settled after start
 * (idle), each run's peak increase, the peak, and RSS and PSS after the runs. pandas: each
 * `python3 script.py`'s peak RSS. `BENCH_PIPELINE_BASELINE=<checkout>` (its `npm run build:server`
 * done first): the same for that build, in the same run, runs alternating between the builds.
 */
export async function benchPipelineWorkerMemory(dir: string, rounds: number) {
  await buildServer();
  const baselineDir = process.env.BENCH_PIPELINE_BASELINE;
  const builds: { name: string; main: string | undefined }[] = [{ name: 'this build', main: undefined }];
  if (baselineDir) builds.push({ name: 'baseline', main: path.resolve(baselineDir, 'apps/server/dist/main.js') });
  const sides: MemorySide[] = [];
  const stops: (() => Promise<void>)[] = [];
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pandas-memory-'));
  try {
    for (const build of builds) {
      const deployment = await deploy(build.main);
      stops.push(deployment.stop);
      const worker = { url: deployment.url, pid: () => deployment.worker.child.pid };
      sides.push(await prepare(`${build.name}: cdp worker`, worker, dir));
      const server = await startServer({}, { built: true, ...(build.main ? { main: build.main } : {}) });
      stops.push(server.cleanup);
      sides.push(await prepare(`${build.name}: cdp start`, server, dir));
    }
    // Every process settles (its start-up warm-ups end) before its idle reading.
    for (const side of sides) side.idle = await settled(side.target.pid());
    const pandas: PandasRun[] = [];
    const load: number[] = [];
    for (let i = 0; i < rounds; i++) {
      load.push(Number((os.loadavg()[0] ?? 0).toFixed(1)));
      const order = i % 2 === 1 ? [...sides].reverse() : sides;
      for (const side of order) {
        side.runs.push(await cdpRun(side.target, side.token, side.base, side.enrolId));
        side.runs.push(await cdpRun(side.target, side.token, side.base, side.cleanId));
      }
      pandas.push(await pandasRun('enrolment', dir, out), await pandasRun('dm_clean', dir, out));
    }
    await sleep(5000);
    for (const side of sides) side.afterRuns = processMemory(side.target.pid());
    return {
      what: 'memory of the process a pipeline runs in: ENROL then dm_clean per round; pandas: one python3 per pipeline',
      loadAverage1m: load,
      cdp: sides.map(summary),
      pandas: { peakRssMb: mb(Math.max(...pandas.map((p) => p.maxRssMb))) },
      ...(baselineDir ? { baselineCheckout: baselineDir } : {}),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
    for (const stop of stops) await stop();
  }
}
