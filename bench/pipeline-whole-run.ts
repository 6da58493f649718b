import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PipelineRun, PipelineRunLogLine } from '@cdp/contracts';
import { buildZip } from '@cdp/formats/testing';
import { EXAMPLE_PIPELINES } from '@cdp/pipelines';
import { cpuSplitSeconds } from './process-cpu.ts';
import { api, type BenchServer, DEMO_PASSWORD, ROOT, startServer } from './server.ts';

type CpuSplit = { main: number; threads: number; children: number };
/** Where runs are asked for (`url`) and the process that runs them (`pid`: its memory and CPU). */
export type BenchTarget = Pick<BenchServer, 'url' | 'pid'>;

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
/** How often the `poll` client asks for the run while it waits. */
const POLL_MS = 5;
/**
 * How the client learns that a run has ended: `events` (default) follows the run's event stream as
 * the web app does (`GET …/runs/:rid/events` until its `end`); `poll` asks `GET …/runs/:rid` every
 * 5 ms (the reading of stops 25–26: each ask is a request the server answers while it runs).
 */
const CLIENT = process.env.BENCH_WHOLE_CLIENT === 'poll' ? 'poll' : 'events';

/** Follows a run's event stream until its `end` event; answers how many events came. */
async function followEvents(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let text = '';
  let events = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let cut = text.indexOf('\n\n');
    while (cut >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      if (block.startsWith('event:') || block.includes('\nevent:')) events += 1;
      if (/^event: end$/m.test(block)) {
        await reader.cancel();
        return events;
      }
      cut = text.indexOf('\n\n');
    }
  }
  throw new Error(`the event stream of ${url} closed before its end`);
}

export interface CdpRun {
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
  /** CPU seconds of the server's tree during the run (Node main thread, other threads, PostgreSQL). */
  cpu: CpuSplit | null;
  /** `poll` client: GETs sent while waiting (each costs the server a request's CPU too); `events`: events received. */
  polls: number;
}

export interface PandasRun {
  /** `python3 script.py` spawned → the process exited (its output written). */
  seconds: number;
  /** Inside the script: first line → pandas imported. */
  importSeconds: number;
  /** Inside the script: reading its CSV inputs, the steps, writing its CSV output. */
  engineSeconds: number;
  maxRssMb: number;
  /** User + system CPU of the python process, start to exit (from /usr/bin/time). */
  cpuSeconds: number;
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

async function studyWithDmAndDs(server: BenchTarget, token: string, dir: string): Promise<string> {
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

async function createExamples(server: BenchTarget, token: string, studyId: string) {
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
export async function cdpRun(server: BenchTarget, token: string, base: string, pipelineId: string): Promise<CdpRun> {
  const pid = server.pid();
  const peakReset = resetPeak(pid);
  const before = memory(pid);
  const cpuBefore = cpuSplitSeconds(pid);
  let polls = 0;
  const started = performance.now();
  const { data: queued } = await api<{ data: PipelineRun }>(`${base}/${pipelineId}/runs`, token, 'POST', {});
  let ended: PipelineRun & { log: PipelineRunLogLine[] };
  let endedAt: number | null = null;
  let cpuAtEnd: CpuSplit | null = null;
  if (CLIENT === 'events') {
    // `polls` counts the stream's events here. The run is read once more after its end (its status
    // and clock), untimed: the clock and the CPU stop at the end event.
    polls = await followEvents(`${base}/${pipelineId}/runs/${queued.id}/events`, token);
    endedAt = performance.now();
    cpuAtEnd = cpuSplitSeconds(pid);
  }
  for (;;) {
    ({ data: ended } = await api<{ data: PipelineRun & { log: PipelineRunLogLine[] } }>(
      `${base}/${pipelineId}/runs/${queued.id}`,
      token,
      'GET',
    ));
    if (!['QUEUED', 'RUNNING'].includes(ended.status)) break;
    if (CLIENT === 'events') throw new Error(`run ${queued.id} is ${ended.status} after its event stream's end`);
    polls += 1;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const seconds = ((endedAt ?? performance.now()) - started) / 1000;
  const cpuAfter = cpuAtEnd ?? cpuSplitSeconds(pid);
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
    cpu:
      cpuBefore && cpuAfter
        ? {
            main: cpuAfter.main - cpuBefore.main,
            threads: cpuAfter.threads - cpuBefore.threads,
            children: cpuAfter.children - cpuBefore.children,
          }
        : null,
    polls,
  };
}

/** One pipeline as the specification's approach runs it: `python3 script.py`, a fresh process. */
export async function pandasRun(which: 'enrolment' | 'dm_clean', dir: string, out: string): Promise<PandasRun> {
  const started = performance.now();
  // /usr/bin/time adds one fork/exec (a millisecond or two) and reports the process's CPU on stderr.
  const { stdout, stderr } = await run(
    TIME,
    ['-f', 'cpu %U %S', PYTHON, path.join(ROOT, 'bench/pipeline_pandas.py'), which, dir, out, '1'],
    { maxBuffer: 1 << 20 },
  );
  const seconds = (performance.now() - started) / 1000;
  const result = JSON.parse(stdout.trim()) as { seconds: number; importSeconds: number; maxRssMb: number };
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
  return {
    seconds,
    importSeconds: result.importSeconds,
    engineSeconds: result.seconds,
    maxRssMb: result.maxRssMb,
    cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : Number.NaN,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const r3 = (n: number) => Number(n.toFixed(3));

/** Builds the production server once (plain node, as `npm run build` ships it). */
export async function buildServer(): Promise<void> {
  await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT, maxBuffer: 1 << 22 });
}

/** One build's server with the bench's study and the two example pipelines. */
interface Side {
  name: string;
  server: BenchServer;
  token: string;
  base: string;
  enrolId: string;
  cleanId: string;
  rounds: { enrol: CdpRun; clean: CdpRun }[];
}

/** Signs in as the demo tenant's admin, makes the bench's study and its two example pipelines. */
export async function benchStudyWithExamples(target: BenchTarget, dir: string) {
  const token = (
    await api<{ accessToken: string }>(`${target.url}/api/auth/login`, null, 'POST', {
      email: 'admin@demo.cdp.local',
      password: DEMO_PASSWORD,
    })
  ).accessToken;
  const studyId = await studyWithDmAndDs(target, token, dir);
  return { token, ...(await createExamples(target, token, studyId)) };
}

async function prepareSide(name: string, dir: string, main: string | undefined): Promise<Side> {
  const server = await startServer({}, { built: true, ...(main ? { main } : {}) });
  return { name, server, ...(await benchStudyWithExamples(server, dir)), rounds: [] };
}

function summarise(rows: { enrol: CdpRun; clean: CdpRun }[]) {
  const both = <T>(list: { enrol: T; clean: T }[], f: (x: T) => number) => list.map((r) => f(r.enrol) + f(r.clean));
  const warm = <T>(list: T[]) => list.slice(1);
  const whole = both(rows, (x) => x.seconds);
  const cpu = (f: (c: CpuSplit) => number) => both(rows, (x) => (x.cpu ? f(x.cpu) : Number.NaN));
  return {
    wholeColdSeconds: r3(whole[0] ?? Number.NaN),
    wholeWarmSeconds: r3(median(warm(whole))),
    serverClockWarmSeconds: r3(median(warm(both(rows, (x) => x.serverSeconds)))),
    handOffWarmMs: Math.round(
      median(warm(rows).flatMap((r) => [r.enrol.handOffSeconds, r.clean.handOffSeconds])) * 1000,
    ),
    phasesWarmMs: Object.fromEntries(
      ['inputs', 'engine', 'output version', 'checks', 'files', 'flushes', 'rows', 'sealing'].map((k) => [
        k,
        Math.round(median(warm(both(rows, (x) => x.phasesMs[k] ?? Number.NaN)))),
      ]),
    ),
    engineWarmSeconds: r3(median(warm(both(rows, (x) => (x.phasesMs.engine ?? Number.NaN) / 1000)))),
    // CPU of the server's process tree (Node main thread, its other threads, PostgreSQL) from POST
    // to the answer: hardly moved by the machine's load, unlike the seconds above.
    cpuColdMs: {
      main: Math.round((cpu((c) => c.main)[0] ?? Number.NaN) * 1000),
      threads: Math.round((cpu((c) => c.threads)[0] ?? Number.NaN) * 1000),
      postgres: Math.round((cpu((c) => c.children)[0] ?? Number.NaN) * 1000),
    },
    cpuWarmMs: {
      main: Math.round(median(warm(cpu((c) => c.main))) * 1000),
      threads: Math.round(median(warm(cpu((c) => c.threads))) * 1000),
      postgres: Math.round(median(warm(cpu((c) => c.children))) * 1000),
      total: Math.round(median(warm(cpu((c) => c.main + c.threads + c.children))) * 1000),
    },
    pollsWarm: median(warm(both(rows, (x) => x.polls))),
    workerPeakIncreaseMb: Math.round(
      Math.max(...rows.flatMap((r) => [r.enrol.peakIncreaseMb ?? 0, r.clean.peakIncreaseMb ?? 0])),
    ),
    workerPeakRssMb: Math.round(Math.max(...rows.flatMap((r) => [r.enrol.peakRssMb ?? 0, r.clean.peakRssMb ?? 0]))),
    rounds: rows.map((r) => ({ whole: r3(r.enrol.seconds + r.clean.seconds), enrol: r.enrol, clean: r.clean })),
  };
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
 * pandas process's peak. CPU: the server's process tree per run, against the pandas process's.
 *
 * `BENCH_PIPELINE_BASELINE=<checkout>`: a second server from that checkout's build (`npm run
 * build:server` there first) on the same data; each round runs both, in alternating order (ABBA),
 * then pandas, so the two builds are compared in the same run under the same load.
 */
export async function benchPipelineWholeRun(dir: string, rounds: number) {
  await buildServer();
  const baselineDir = process.env.BENCH_PIPELINE_BASELINE;
  const sides: Side[] = [];
  const out = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-pandas-whole-'));
  try {
    sides.push(await prepareSide('this build', dir, undefined));
    if (baselineDir)
      sides.push(await prepareSide('baseline', dir, path.resolve(baselineDir, 'apps/server/dist/main.js')));
    const pandas: { enrol: PandasRun; clean: PandasRun }[] = [];
    const load: number[] = [];
    for (let i = 0; i < rounds; i++) {
      load.push(Number((os.loadavg()[0] ?? 0).toFixed(1)));
      const order = i % 4 === 1 || i % 4 === 2 ? [...sides].reverse() : sides;
      for (const side of order) {
        const enrol = await cdpRun(side.server, side.token, side.base, side.enrolId);
        const clean = await cdpRun(side.server, side.token, side.base, side.cleanId);
        side.rounds.push({ enrol, clean });
      }
      pandas.push({ enrol: await pandasRun('enrolment', dir, out), clean: await pandasRun('dm_clean', dir, out) });
    }
    const both = <T>(rows: { enrol: T; clean: T }[], f: (x: T) => number) => rows.map((r) => f(r.enrol) + f(r.clean));
    const warm = <T>(rows: T[]) => rows.slice(1);
    const pandasWhole = both(pandas, (x) => x.seconds);
    const pandasSummary = {
      wholeColdSeconds: r3(pandasWhole[0] ?? Number.NaN),
      wholeWarmSeconds: r3(median(warm(pandasWhole))),
      importWarmSeconds: r3(median(warm(both(pandas, (x) => x.importSeconds)))),
      engineWarmSeconds: r3(median(warm(both(pandas, (x) => x.engineSeconds)))),
      cpuWarmMs: Math.round(median(warm(both(pandas, (x) => x.cpuSeconds))) * 1000),
      peakRssMb: Math.round(Math.max(...pandas.flatMap((r) => [r.enrol.maxRssMb, r.clean.maxRssMb]))),
      rounds: pandas.map((r) => ({ whole: r3(r.enrol.seconds + r.clean.seconds), enrol: r.enrol, clean: r.clean })),
    };
    const results = sides.map((side) => {
      const cdp = summarise(side.rounds);
      return {
        side: side.name,
        ...cdp,
        speedupWholeWarm: r3(pandasSummary.wholeWarmSeconds / cdp.wholeWarmSeconds),
        speedupWholeCold: r3(pandasSummary.wholeColdSeconds / cdp.wholeColdSeconds),
        speedupEngineWarm: r3(pandasSummary.engineWarmSeconds / cdp.engineWarmSeconds),
        cpuRatioWarm: r3(pandasSummary.cpuWarmMs / cdp.cpuWarmMs.total),
      };
    });
    const [cdp, baseline] = results;
    return {
      what: 'ENROL then dm_clean: CDP POST …/runs → SUCCEEDED twice; pandas `python3 script.py` twice (spawn → exit)',
      client: CLIENT,
      loadAverage1m: load,
      cdp,
      ...(baseline ? { baseline, baselineCheckout: baselineDir } : {}),
      pandas: pandasSummary,
      speedupWholeWarm: cdp?.speedupWholeWarm,
      speedupWholeCold: cdp?.speedupWholeCold,
      speedupEngineWarm: cdp?.speedupEngineWarm,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
    for (const side of sides) await side.server.cleanup();
  }
}
