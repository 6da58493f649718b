import os from 'node:os';
import { signInBenchUsers } from './api-studies.ts';
import { type CpuSplit, cpuDelta, dataTimings } from './dashboard.ts';
import { loadDashboardData } from './dashboard-load.ts';
import { cpuSplitSeconds } from './process-cpu.ts';
import type { BenchServer } from './server.ts';

/**
 * `BENCH_DASHBOARD=ab`: one server setting against another, interleaved in one run. The server is
 * restarted on the same data with `BENCH_AB_ENV` set to each of `BENCH_AB_VALUES` (two, comma
 * separated) in ABBA order, `BENCH_AB_ROUNDS` times (2 by default: ABBA ABBA); each phase measures
 * the data cold (first ever, 5 cold pages with the server's CPU per page) and the 40-user filter
 * load. A restart empties every cache, so each phase starts as cold as the other.
 * `BENCH_AB_BASELINE=<checkout>` (its sources and node_modules, e.g. `git archive main`): this tree's
 * code against that checkout's instead of a setting, sides `this` and `baseline`, same data, same order.
 * `BENCH_AB_WARMUP=1`: one phase of the second side first, not counted: the first phase after the
 * upload runs higher than the rest whatever its side (the data's first reads, background work).
 * `BENCH_AB_COLD=1`: the 40-user load straight after the restart, without the cold and warm pages
 * before it (which warm the engine), for what a cold server's first users pay (`DASHBOARD_WARM_AT_START`);
 * the cold-page figures are then not measured. `BENCH_AB_IDLE=<s>`: seconds between the restart's
 * sign-ins and the load (users rarely arrive the instant a server is ready), 0 by default.
 */
export async function benchDashboardAb(
  server: BenchServer,
  base: string,
  signIn: () => Promise<string>,
  widgetIds: string[],
) {
  const baseline = process.env.BENCH_AB_BASELINE;
  const name = baseline ? 'checkout' : (process.env.BENCH_AB_ENV ?? 'DASHBOARD_QUERY_FOLD');
  const values = baseline ? ['this', 'baseline'] : (process.env.BENCH_AB_VALUES ?? 'true,false').split(',');
  const [a, b] = values;
  if (a === undefined || b === undefined || values.length !== 2)
    throw new Error(`BENCH_AB_VALUES must be two values, comma separated (got "${values.join(',')}")`);
  const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 2);
  const duration = Number(process.env.BENCH_DURATION ?? 30);
  const warmups = Number(process.env.BENCH_AB_WARMUP ?? 0);
  const cold = process.env.BENCH_AB_COLD === '1';
  const idleSeconds = Number(process.env.BENCH_AB_IDLE ?? 0);
  const order = Array.from({ length: rounds }, () => [a, b, b, a]).flat();
  const phases: Phase[] = [];
  for (const [i, value] of [...Array.from({ length: warmups }, () => b), ...order].entries()) {
    if (baseline) await server.restart({}, value === 'baseline' ? baseline : null);
    else await server.restart({ [name]: value });
    const cpuAfterStart = cpuSplitSeconds(server.pid());
    const token = await signIn();
    const loadBefore = os.loadavg()[0] ?? 0;
    const data = cold ? NOT_MEASURED : await dataTimings(server, base, token, widgetIds);
    const users = await signInBenchUsers(server);
    if (idleSeconds > 0) await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const cpuBefore = cpuSplitSeconds(server.pid());
    // From ready to the load: sign-ins (the same on both sides), the cold pages unless BENCH_AB_COLD,
    // and whatever the server does by itself after a start (DASHBOARD_WARM_AT_START's warm-up).
    const beforeLoadCpu = cpuDelta(cpuAfterStart, cpuBefore, 1);
    const load = await loadDashboardData(server, base, widgetIds, duration, 'page', users);
    const cpuPerPage = cpuDelta(cpuBefore, cpuSplitSeconds(server.pid()), Math.max(1, load.filterChanges));
    const phase: Phase = {
      value,
      firstEverMs: data.firstEverMs,
      coldMedianMs: data.cold.medianMs,
      coldCpu: medianSplit(data.cold.cpuMsPerPage),
      loadCpuPerPage: cpuPerPage,
      p50: load.latencyMs.p50,
      p95: load.latencyMs.p95,
      answers: load.widgetAnswers,
      errors: load.errors,
      p99: load.latencyMs.p99,
      steady: load.steadyLatencyMs,
      start: load.startLatencyMs,
      headMs: load.headMs,
      queries: load.queries,
      load: [Number(loadBefore.toFixed(2)), Number((os.loadavg()[0] ?? 0).toFixed(2))],
      beforeLoadCpu,
    };
    if (i >= warmups) phases.push(phase);
    console.log(
      `ab phase ${i + 1 - warmups}/${order.length}${i < warmups ? ' (warm-up, not counted)' : ''} ${name}=${value}: ${JSON.stringify(phase)}`,
    );
  }
  const side = (value: string) => summarize(phases.filter((p) => p.value === value));
  const figures = { setting: name, order, sides: { [a]: side(a), [b]: side(b) }, phases };
  console.log(`\nDashboard data, ${name} ${a} against ${b}, interleaved (${order.join(' ')}); medians over phases`);
  for (const value of [a, b]) {
    const s = side(value);
    console.log(
      `  ${name}=${value}: cold page ${s.coldMedianMs} ms, CPU per cold page ${s.coldCpu.total} (Node ${s.coldCpu.node} / DuckDB ${s.coldCpu.duckdb} / PostgreSQL ${s.coldCpu.postgres}); 40 users p95 ${s.p95} p50 ${s.p50} ms, answers ${s.answers}, errors ${s.errors}, CPU per page under load ${s.loadCpuPerPage.total}; first ever ${s.firstEverMs} ms`,
    );
  }
  return figures;
}

const NO_SPLIT: CpuSplit = { total: Number.NaN, node: Number.NaN, duckdb: Number.NaN, postgres: Number.NaN };
/** `BENCH_AB_COLD`: the figures of the cold pages that phase did not ask for. */
const NOT_MEASURED = { firstEverMs: Number.NaN, cold: { medianMs: Number.NaN, cpuMsPerPage: [NO_SPLIT] } };

interface Phase {
  value: string;
  firstEverMs: number;
  coldMedianMs: number;
  coldCpu: CpuSplit;
  loadCpuPerPage: CpuSplit;
  p50: number;
  p95: number;
  answers: number;
  errors: number;
  p99: number;
  steady: unknown;
  start: unknown;
  headMs: { p50: number; p95: number } | null;
  queries: unknown;
  load: number[];
  beforeLoadCpu: CpuSplit;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? Math.round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2)
    : (sorted[Math.floor(mid)] ?? Number.NaN);
}

function medianSplit(splits: CpuSplit[]): CpuSplit {
  return {
    total: median(splits.map((s) => s.total)),
    node: median(splits.map((s) => s.node)),
    duckdb: median(splits.map((s) => s.duckdb)),
    postgres: median(splits.map((s) => s.postgres)),
  };
}

function summarize(phases: Phase[]) {
  return {
    firstEverMs: median(phases.map((p) => p.firstEverMs)),
    coldMedianMs: median(phases.map((p) => p.coldMedianMs)),
    coldCpu: medianSplit(phases.map((p) => p.coldCpu)),
    loadCpuPerPage: medianSplit(phases.map((p) => p.loadCpuPerPage)),
    p50: median(phases.map((p) => p.p50)),
    p95: median(phases.map((p) => p.p95)),
    answers: median(phases.map((p) => p.answers)),
    errors: phases.reduce((n, p) => n + p.errors, 0),
  };
}
