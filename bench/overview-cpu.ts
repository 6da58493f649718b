import { readFileSync } from 'node:fs';
import path from 'node:path';
import { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter } from '@cdp/contracts';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { overviewDashboard, study, versionOf } from './overview-study.ts';

/**
 * In process, no HTTP and no PostgreSQL: the Clinical Study Overview's first page on the dashboard
 * bench's study (4,400 subjects, 1,026,129 LB rows), cold pages (each a new age range, as the bench's
 * load draws them: no cached result), process CPU per page (Node and DuckDB).
 * `node --import tsx bench/overview-cpu.ts [rounds]`; `OVERVIEW_AB=<QueryEngine option>` alternates pages
 * between an engine with the option true and one with it false (`OVERVIEW_AB=uniqueCounts`), or between two
 * values of a numeric option (`OVERVIEW_AB=foldWindow OVERVIEW_AB_VALUES=0,Infinity`);
 * `OVERVIEW_BASELINE=<checkout>` (its sources and node_modules) alternates between this tree's
 * `QueryEngine` and that checkout's, with the same defaults and the same page code (this tree's).
 * `OVERVIEW_PARALLEL=<n>` (default 1): each measurement asks n pages together (each in its own turn
 * of the event loop, as requests arrive), each its own new age range, as the load bench's users do
 * (40: its start burst); CPU is per page, and the answers' times from the batch's start are reported
 * as p50 / p95 per side, with the times each page was complete (its last answer), which is what a user waits for.
 */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** The main thread's CPU (Node's JavaScript), from /proc, in ms (10 ms ticks: read over many pages). */
const mainMs = () => {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

async function main() {
  const manifest = await study();
  const found = overviewDashboard(manifest);
  const rounds = Number(process.argv[2] ?? 10);
  // OVERVIEW_AB=<engine option>: one engine with it true, one with it false, pages alternating.
  const baseline = process.env.OVERVIEW_BASELINE;
  const option = baseline ? 'engine' : process.env.OVERVIEW_AB;
  const numeric = process.env.OVERVIEW_AB_VALUES?.split(',');
  const sides = baseline ? ['this', 'baseline'] : option ? (numeric ?? ['true', 'false']) : ['default'];
  const optionValue = (side: string) => (numeric ? Number(side) : side === 'true');
  const Baseline: typeof QueryEngine | undefined = baseline
    ? ((await import(path.resolve(baseline, 'packages/analytics/src/index.ts'))) as { QueryEngine: typeof QueryEngine })
        .QueryEngine
    : undefined;
  const engines = Object.fromEntries(
    sides.map((side) => {
      const options = {
        memoryLimit: '1GB',
        threads: Number(process.env.OVERVIEW_THREADS ?? 1),
        maxConcurrent: Number(process.env.OVERVIEW_CONCURRENCY ?? 12),
        ...(option && !baseline ? { [option]: optionValue(side) } : {}),
      };
      return [side, side === 'baseline' && Baseline ? new Baseline(options) : new QueryEngine(options)];
    }),
  ) as Record<string, QueryEngine>;
  // One data version (base tables and DuckDB's metadata stay), each page a new age range as the
  // bench's load draws them, so every result is cold.
  const version = versionOf(manifest, 'v1');
  const ranges = new Set<string>();
  let seed = 7;
  const next = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const nextRange = (): DashboardDataFilter[] => {
    let low = 0;
    let high = 0;
    do {
      low = 18 + Math.floor(next() * 40);
      high = low + 5 + Math.floor(next() * 45);
    } while (ranges.has(`${low}-${high}`));
    ranges.add(`${low}-${high}`);
    return [
      { field: 'age', op: 'ge', value: low },
      { field: 'age', op: 'le', value: high },
    ];
  };
  const parallel = Number(process.env.OVERVIEW_PARALLEL ?? 1);
  const times: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s, []]));
  /** When each page's last answer arrived, from the batch's start. */
  const complete: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s, []]));
  /** `pages` pages at once (each its own filters); CPU and main thread per page, every answer's time. */
  const page = async (engine: QueryEngine, pages: DashboardDataFilter[][], side?: string) => {
    const before = cpuMs();
    const main = mainMs();
    const wall = performance.now();
    // Each page in a turn of the event loop of its own, as separate requests arrive (pages asked in
    // one turn would be folded together as one page's queries are).
    const runs: ReturnType<typeof runDashboardPage>[] = [];
    for (const filters of pages) {
      runs.push(runDashboardPage(engine, found, version, undefined, filters));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const answers = (
      await Promise.all(
        runs.map((run) =>
          Promise.all(
            run.answers.map((answer) =>
              answer.then((a) => {
                if (side) times[side]?.push(performance.now() - wall);
                return a;
              }),
            ),
          ).then((all) => {
            if (side) complete[side]?.push(performance.now() - wall);
            return all;
          }),
        ),
      )
    ).flat();
    const errors = answers.filter((a) => 'error' in a && a.error);
    if (errors.length > 0) throw new Error(JSON.stringify(errors));
    const cpu = (cpuMs() - before) / pages.length;
    // The answers without what differs from run to run, to compare the sides.
    const same = answers.map((a) =>
      'data' in a && a.data ? { ...a.data, meta: { ...a.data.meta, ms: 0, cached: false } } : a,
    );
    return {
      cpu,
      main: (mainMs() - main) / pages.length,
      wall: performance.now() - wall,
      answers: JSON.stringify(same),
    };
  };
  const newRanges = () => Array.from({ length: parallel }, nextRange);
  // Warm up the process (modules, DuckDB's metadata cache, JIT).
  for (let i = 0; i < 3; i++) {
    const filters = nextRange();
    for (const engine of Object.values(engines)) await page(engine, [filters]);
  }
  let differ = 0;
  const figures: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s, []]));
  const queries: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s, []]));
  const mains: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    // Both sides answer the same new range (each engine its own cache: both cold).
    const filters = newRanges();
    const seen = new Set<string>();
    for (const side of order) {
      const engine = engines[side] as QueryEngine;
      const before = engine.queriesRun;
      const { cpu, main, answers } = await page(engine, filters, side);
      seen.add(answers);
      figures[side]?.push(cpu);
      mains[side]?.push(main);
      queries[side]?.push((engine.queriesRun - before) / filters.length);
    }
    if (seen.size > 1) differ++;
  }
  if (sides.length > 1) console.log(`pages whose answers differ between the sides: ${differ} of ${rounds}`);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  const at = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.ceil(p * v.length) - 1] ?? 0;
  for (const side of sides) {
    const v = figures[side] ?? [];
    const t = times[side] ?? [];
    if (parallel > 1)
      console.log(
        `${side}: ${parallel} pages at once, answers from the batch's start p50 ${at(t, 0.5).toFixed(0)} ms, p95 ${at(t, 0.95).toFixed(0)} ms (${t.length} answers); pages complete p50 ${at(complete[side] ?? [], 0.5).toFixed(0)} ms, p95 ${at(complete[side] ?? [], 0.95).toFixed(0)} ms`,
      );
    console.log(
      `${option ?? 'engine'}=${side}: CPU per cold page median ${median(v).toFixed(0)} ms, mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(0)} ms (main thread mean ${((mains[side] ?? []).reduce((a, b) => a + b, 0) / v.length).toFixed(0)} ms), queries ${median(queries[side] ?? [])}  [${v.map((x) => x.toFixed(0)).join(' ')}]`,
    );
  }
  for (const engine of Object.values(engines)) await engine.close();
}

await main();
