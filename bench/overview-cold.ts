import { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter } from '@cdp/contracts';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { overviewDashboard, study, versionOf } from './overview-study.ts';

/**
 * In process, no HTTP and no PostgreSQL: what a cold engine's first burst pays (a server's first
 * users after a start) against an engine warmed as `DASHBOARD_WARM_AT_START` warms it (the
 * Overview's first page without filters, awaited). Each round makes a
 * new engine per side (a new DuckDB: nothing of the file footers, checks, copies or base tables),
 * sides alternating ABBA, then asks `OVERVIEW_PARALLEL` (default 40) pages at once, each its own
 * new age range, each in its own turn of the event loop. Reports process CPU of the burst per page
 * (Node and DuckDB), of the warm-up, and when the burst's pages were complete (load-bound: compare
 * sides within the run). The process itself is warmed first (modules, JIT) with a throwaway round.
 * `node --import tsx bench/overview-cold.ts [rounds]`.
 */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  const manifest = await study();
  const found = overviewDashboard(manifest);
  const version = versionOf(manifest, 'v1');
  const rounds = Number(process.argv[2] ?? 4);
  const parallel = Number(process.env.OVERVIEW_PARALLEL ?? 40);
  let seed = 11;
  const next = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const range = (): DashboardDataFilter[] => {
    const low = 18 + Math.floor(next() * 40);
    return [
      { field: 'age', op: 'ge', value: low },
      { field: 'age', op: 'le', value: low + 5 + Math.floor(next() * 45) },
    ];
  };
  const engineOf = () => new QueryEngine({ memoryLimit: '1GB', threads: 1, maxConcurrent: 4 });
  /** One side of a round: a new engine, warmed or not, then the burst. */
  const side = async (warmed: boolean, ranges: DashboardDataFilter[][]) => {
    const engine = engineOf();
    try {
      const beforeWarm = cpuMs();
      if (warmed) {
        const page = runDashboardPage(engine, found, version, undefined, []);
        await Promise.all(page.answers);
      }
      const warmCpu = cpuMs() - beforeWarm;
      const before = cpuMs();
      const start = performance.now();
      const complete: number[] = [];
      const runs: Promise<unknown>[] = [];
      for (const filters of ranges) {
        const page = runDashboardPage(engine, found, version, undefined, filters);
        runs.push(Promise.all(page.answers).then(() => complete.push(performance.now() - start)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(runs);
      return { warmCpu, cpuPerPage: (cpuMs() - before) / ranges.length, complete };
    } finally {
      await engine.close();
    }
  };
  await side(false, [range()]);
  const at = (v: number[], p: number) => [...v].sort((a, b) => a - b)[Math.ceil(p * v.length) - 1] ?? 0;
  const figures: Record<string, { cpu: number[]; warm: number[]; complete: number[] }> = {
    cold: { cpu: [], warm: [], complete: [] },
    warmed: { cpu: [], warm: [], complete: [] },
  };
  for (let r = 0; r < rounds; r++) {
    const ranges = Array.from({ length: parallel }, range);
    for (const name of r % 2 === 0 ? ['cold', 'warmed'] : ['warmed', 'cold']) {
      const run = await side(name === 'warmed', ranges);
      const f = figures[name];
      if (!f) continue;
      f.cpu.push(run.cpuPerPage);
      f.warm.push(run.warmCpu);
      f.complete.push(...run.complete);
    }
  }
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `${name}: ${parallel} pages at once, CPU per page ${f.cpu.map((c) => c.toFixed(0)).join(' ')} ms; warm-up CPU ${f.warm.map((c) => c.toFixed(0)).join(' ')} ms; pages complete p50 ${at(f.complete, 0.5).toFixed(0)} ms, p95 ${at(f.complete, 0.95).toFixed(0)} ms`,
    );
  }
}

await main();
