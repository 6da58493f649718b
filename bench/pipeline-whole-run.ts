import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PipelineRun, PipelineRunLogLine } from '@cdp/contracts';
import { buildZip } from '@cdp/formats/testing';
import { EXAMPLE_PIPELINES } from '@cdp/pipelines';
import { api, type BenchServer, DEMO_PASSWORD, ROOT, startServer } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
/** How often the client asks for the run while it waits (the web app streams; this is finer than its view). */
const POLL_MS = 5;

interface CdpRun {
  /** From POST …/runs sent to the GET that first answered SUCCEEDED. */
  seconds: number;
  /** The run's own clock: queued (POST's transaction) → finished (the output's transaction). */
  serverSeconds: number;
  /** Queued → started: the job's hand-off to the worker. */
  handOffSeconds: number;
  /** From the run's last log line: inputs, engine, output version (ms). */
  phasesMs: Record<string, number>;
  /** The worker's (the `cdp start` process's) peak RSS during the run less its RSS before, and its peak. */
  peakIncreaseMb: number | null;
  peakRssMb: number | null;
}

interface PandasRun {
  /** `python3 script.py` spawned → the process exited (its output written). */
  seconds: number;
  /** Inside the script: first line → pandas imported. */
  importSeconds: number;
  /** Inside the script: reading its CSV inputs, the steps, writing its CSV output. */
  engineSeconds: number;
  maxRssMb: number;
}

/** VmRSS / VmHWM of a process, in MB; writing 5 to clear_refs resets its peak (Linux ≥ 4.0). */
function memory(pid: number | undefined): { rss: number; hwm: number } | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

function resetPeak(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function studyWithDmAndDs(server: BenchServer, token: string, dir: string): Promise<string> {
  const { data: study } = await api<{ data: { id: string } }>(`${server.url}/api/studies`, token, 'POST', {
    code: 'BENCH-PIPE',
    name: 'Pipeline benchmark',
    phase: 'III',
    therapeuticArea: 'Oncology',
  });
  const zip = buildZip(
    await Promise.all(
      ['dm', 'ds'].map(async (name) => ({
        name: `${name}.parquet`,
        data: await readFile(path.join(dir, `${name}.parquet`)),
        method: 'store' as const,
      })),
    ),
  );
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(zip)]), 'pipeline-bench.zip');
  const res = await fetch(`${server.url}/api/studies/${study.id}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  // A study's first version is active from its upload on.
  return study.id;
}

async function createExamples(server: BenchServer, token: string, studyId: string) {
  const [enrolment, clean] = EXAMPLE_PIPELINES;
  if (!enrolment || !clean) throw new Error('the built-in examples are missing');
  const base = `${server.url}/api/studies/${studyId}/pipelines`;
  const { data: enrol } = await api<{ data: { id: string } }>(base, token, 'POST', {
    name: enrolment.name,
    kind: 'dsl',
    body: enrolment.body,
    inputs: [{ name: 'DS', source: { kind: 'dataset', dataset: 'DS' } }],
    outputs: ['ENROL'],
  });
  const { data: dmClean } = await api<{ data: { id: string } }>(base, token, 'POST', {
    name: clean.name,
    kind: 'dsl',
    body: clean.body,
    inputs: [
      { name: 'DM', source: { kind: 'dataset', dataset: 'DM' } },
      { name: 'ENROL', source: { kind: 'pipeline', pipelineId: enrol.id, output: 'ENROL' } },
    ],
    outputs: ['dm_clean'],
    // Run by the bench, not queued by ENROL's success: each run is timed from its own request.
    triggers: { onSourceActivation: false, schedule: null, afterUpstream: false },
  });
  return { base, enrolId: enrol.id, cleanId: dmClean.id };
}

/** One run as a user makes it: POST …/runs, then the run asked for until it has ended. */
async function cdpRun(server: BenchServer, token: string, base: string, pipelineId: string): Promise<CdpRun> {
  const pid = server.pid();
  const peakReset = resetPeak(pid);
  const before = memory(pid);
  const started = performance.now();
  const { data: queued } = await api<{ data: PipelineRun }>(`${base}/${pipelineId}/runs`, token, 'POST', {});
  let ended: PipelineRun & { log: PipelineRunLogLine[] };
  for (;;) {
    ({ data: ended } = await api<{ data: PipelineRun & { log: PipelineRunLogLine[] } }>(
      `${base}/${pipelineId}/runs/${queued.id}`,
      token,
      'GET',
    ));
    if (!['QUEUED', 'RUNNING'].includes(ended.status)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const seconds = (performance.now() - started) / 1000;
  const after = memory(pid);
  if (ended.status !== 'SUCCEEDED')
    throw new Error(`run ${ended.id} ended ${ended.status}: ${JSON.stringify(ended.error)}`);
  // The run's last line ("Succeeded in … (inputs …, engine …, output version …)") is written just after its status.
  let last = '';
  for (let tries = 0; tries < 100 && !last; tries++) {
    const { data } = await api<{ data: { log: PipelineRunLogLine[] } }>(
      `${base}/${pipelineId}/runs/${queued.id}`,
      token,
      'GET',
    );
    last = data.log.findLast((l) => l.message.startsWith('Succeeded in'))?.message ?? '';
    if (!last) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const phasesMs = Object.fromEntries(
    [...last.matchAll(/([a-z ]+?) (\d+) ms/g)].map((m) => [(m[1] ?? '').trim(), Number(m[2])]),
  );
  const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  return {
    seconds,
    serverSeconds: (at(ended.finishedAt) - at(ended.queuedAt)) / 1000,
    handOffSeconds: (at(ended.startedAt) - at(ended.queuedAt)) / 1000,
    phasesMs,
    peakIncreaseMb: peakReset && before && after ? after.hwm - before.rss : null,
    peakRssMb: after ? after.hwm : null,
  };
}

/** One pipeline as the specification's approach runs it: `python3 script.py`, a fresh process. */
async function pandasRun(which: 'enrolment' | 'dm_clean', dir: string, out: string): Promise<PandasRun> {
  const started = performance.now();
  const { stdout } = await run(PYTHON, [path.join(ROOT, 'bench/pipeline_pandas.py'), which, dir, out, '1'], {
    maxBuffer: 1 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(stdout.trim()) as { seconds: number; importSeconds: number; maxRssMb: number };
  return { seconds, importSeconds: result.importSeconds, engineSeconds: result.seconds, maxRssMb: result.maxRssMb };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const r3 = (n: number) => Number(n.toFixed(3));

/** Builds the production server once (plain node, as `npm run build` ships it). */
async function buildServer(): Promise<void> {
  await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT, maxBuffer: 1 << 22 });
}

/**
 * Reading (i) of the small example: a user's whole run. CDP: the production build's `cdp start`
 * (API and worker in one process), the two built-in examples as pipelines of a study holding the
 * bench's DM and DS (uploaded as Parquet); each round runs ENROL then dm_clean, each from its
 * POST …/runs to the GET answering SUCCEEDED (job hand-off, inputs, engine, output version with its
 * manifest, hashes and PostgreSQL rows, audit, webhook outbox, and the client's poll). pandas: each
 * pipeline a `python3 pipeline_pandas.py` of its own, from spawn to exit (interpreter start,
 * imports, CSV read, steps, CSV written). Rounds interleave the two sides. Memory: the worker's
 * peak increase during a run (its peak reset before each run) and its peak RSS, against each
 * pandas process's peak.
 */
export async function benchPipelineWholeRun(dir: string, rounds: number) {
  await buildServer();
  const server = await startServer({}, { built: true });
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pandas-whole-'));
  try {
    const token = (
      await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
        email: 'admin@demo.cdp.local',
        password: DEMO_PASSWORD,
      })
    ).accessToken;
    const studyId = await studyWithDmAndDs(server, token, dir);
    const { base, enrolId, cleanId } = await createExamples(server, token, studyId);
    const cdp: { enrol: CdpRun; clean: CdpRun }[] = [];
    const pandas: { enrol: PandasRun; clean: PandasRun }[] = [];
    const load: number[] = [];
    for (let i = 0; i < rounds; i++) {
      load.push(Number((os.loadavg()[0] ?? 0).toFixed(1)));
      const enrol = await cdpRun(server, token, base, enrolId);
      const clean = await cdpRun(server, token, base, cleanId);
      cdp.push({ enrol, clean });
      pandas.push({ enrol: await pandasRun('enrolment', dir, out), clean: await pandasRun('dm_clean', dir, out) });
    }
    const both = <T>(rows: { enrol: T; clean: T }[], f: (x: T) => number) => rows.map((r) => f(r.enrol) + f(r.clean));
    // The first round is the worker's first runs (cold); the others warm.
    const warm = <T>(rows: T[]) => rows.slice(1);
    const cdpWhole = both(cdp, (x) => x.seconds);
    const cdpEngine = both(cdp, (x) => (x.phasesMs.engine ?? Number.NaN) / 1000);
    const pandasWhole = both(pandas, (x) => x.seconds);
    const pandasEngine = both(pandas, (x) => x.engineSeconds);
    const summary = {
      what: 'ENROL then dm_clean: CDP POST …/runs → SUCCEEDED twice; pandas `python3 script.py` twice (spawn → exit)',
      loadAverage1m: load,
      cdp: {
        wholeColdSeconds: r3(cdpWhole[0] ?? Number.NaN),
        wholeWarmSeconds: r3(median(warm(cdpWhole))),
        serverClockWarmSeconds: r3(median(warm(both(cdp, (x) => x.serverSeconds)))),
        handOffWarmMs: Math.round(
          median(warm(cdp).flatMap((r) => [r.enrol.handOffSeconds, r.clean.handOffSeconds])) * 1000,
        ),
        phasesWarmMs: Object.fromEntries(
          ['inputs', 'engine', 'output version', 'checks', 'files', 'rows', 'sealing'].map((k) => [
            k,
            Math.round(median(warm(both(cdp, (x) => x.phasesMs[k] ?? Number.NaN)))),
          ]),
        ),
        engineWarmSeconds: r3(median(warm(cdpEngine))),
        workerPeakIncreaseMb: Math.round(
          Math.max(...cdp.flatMap((r) => [r.enrol.peakIncreaseMb ?? 0, r.clean.peakIncreaseMb ?? 0])),
        ),
        workerPeakRssMb: Math.round(Math.max(...cdp.flatMap((r) => [r.enrol.peakRssMb ?? 0, r.clean.peakRssMb ?? 0]))),
        rounds: cdp.map((r) => ({ whole: r3(r.enrol.seconds + r.clean.seconds), enrol: r.enrol, clean: r.clean })),
      },
      pandas: {
        wholeColdSeconds: r3(pandasWhole[0] ?? Number.NaN),
        wholeWarmSeconds: r3(median(warm(pandasWhole))),
        importWarmSeconds: r3(median(warm(both(pandas, (x) => x.importSeconds)))),
        engineWarmSeconds: r3(median(warm(pandasEngine))),
        peakRssMb: Math.round(Math.max(...pandas.flatMap((r) => [r.enrol.maxRssMb, r.clean.maxRssMb]))),
        rounds: pandas.map((r) => ({ whole: r3(r.enrol.seconds + r.clean.seconds), enrol: r.enrol, clean: r.clean })),
      },
    };
    return {
      ...summary,
      speedupWholeWarm: r3(summary.pandas.wholeWarmSeconds / summary.cdp.wholeWarmSeconds),
      speedupWholeCold: r3(summary.pandas.wholeColdSeconds / summary.cdp.wholeColdSeconds),
      speedupEngineWarm: r3(summary.pandas.engineWarmSeconds / summary.cdp.engineWarmSeconds),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
    await server.cleanup();
  }
}
