import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter, DatasetColumnType } from '@cdp/contracts';
import { writeParquet } from '@cdp/formats';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { CLINICAL_STUDY_OVERVIEW } from '../apps/server/src/dashboards/templates/clinical-study-overview.ts';
import { instantiateTemplate } from '../apps/server/src/dashboards/templates/instantiate.ts';
import type { VersionData } from '../apps/server/src/data/version-data.ts';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import type { FoundDashboard } from '../apps/server/src/policies/dashboard.ts';

/**
 * In process, no HTTP and no PostgreSQL: the Clinical Study Overview's first page on the dashboard
 * bench's study (4,400 subjects, 1,026,129 LB rows), cold pages (each a new age range, as the bench's
 * load draws them: no cached result), process CPU per page (Node and DuckDB).
 * `node --import tsx bench/overview-cpu.ts [rounds]`; `OVERVIEW_AB=<QueryEngine option>` alternates pages
 * between an engine with the option true and one with it false (`OVERVIEW_AB=uniqueCounts`);
 * `OVERVIEW_BASELINE=<checkout>` (its sources and node_modules) alternates between this tree's
 * `QueryEngine` and that checkout's, with the same defaults and the same page code (this tree's).
 * `OVERVIEW_PARALLEL=<n>` (default 1): each measurement asks n pages together (each in its own turn
 * of the event loop, as requests arrive), each its own new age range, as the load bench's users do
 * (40: its start burst); CPU is per page, and the answers' times from the batch's start are reported
 * as p50 / p95 per side.
 */
const STUDY = { subjects: 4400, sites: 60, seed: 1, labVisits: 26 } as const;
const DIR = process.env.OVERVIEW_STUDY_DIR ?? '/tmp/d10q-overview-study';

interface Manifest {
  datasets: Array<{
    name: string;
    rows: number;
    file: string;
    columns: Array<{ name: string; type: DatasetColumnType; label: string | null }>;
  }>;
}

async function study(): Promise<Manifest> {
  const manifest = path.join(DIR, 'manifest.json');
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as Manifest;
  const work = `${DIR}.partial`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const datasets: Manifest['datasets'] = [];
  for (const reader of generateDemoStudy(STUDY)) {
    const name = reader.info.name;
    const file = path.join(DIR, `${name.toLowerCase()}.parquet`);
    const result = await writeParquet(reader, path.join(work, path.basename(file)), { memoryLimit: '1GB' });
    datasets.push({
      name,
      rows: result.rows,
      file,
      columns: result.columns.map((c) => ({
        name: c.name,
        label: c.label ?? null,
        type: c.type as DatasetColumnType,
      })),
    });
  }
  await writeFile(path.join(work, 'manifest.json'), JSON.stringify({ datasets }));
  await rm(DIR, { recursive: true, force: true });
  await rename(work, DIR);
  return { datasets };
}

function versionOf(manifest: Manifest, id: string): VersionData {
  return {
    id,
    orgId: 'org',
    studyId: 'study',
    kind: 'source',
    datasets: new Map(
      manifest.datasets.map((d) => [
        d.name.toUpperCase(),
        { name: d.name, label: null, rows: d.rows, file: d.file, columns: d.columns, row: {} as never },
      ]),
    ),
  };
}

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
  const { document } = instantiateTemplate(
    CLINICAL_STUDY_OVERVIEW,
    manifest.datasets.map((d) => ({ name: d.name, columns: d.columns })),
  );
  const found = {
    study: { plannedEnrollment: null, plannedEnrollmentStart: null, plannedEnrollmentEnd: null },
    dashboard: { row: { id: 'dash', version: 1 } },
    document,
  } as unknown as FoundDashboard;
  const rounds = Number(process.argv[2] ?? 10);
  // OVERVIEW_AB=<engine option>: one engine with it true, one with it false, pages alternating.
  const baseline = process.env.OVERVIEW_BASELINE;
  const option = baseline ? 'engine' : process.env.OVERVIEW_AB;
  const sides = baseline ? ['this', 'baseline'] : option ? ['true', 'false'] : ['default'];
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
        ...(option && !baseline ? { [option]: side === 'true' } : {}),
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
          ),
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
        `${side}: ${parallel} pages at once, answers from the batch's start p50 ${at(t, 0.5).toFixed(0)} ms, p95 ${at(t, 0.95).toFixed(0)} ms (${t.length} answers)`,
      );
    console.log(
      `${option ?? 'engine'}=${side}: CPU per cold page median ${median(v).toFixed(0)} ms, mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(0)} ms (main thread mean ${((mains[side] ?? []).reduce((a, b) => a + b, 0) / v.length).toFixed(0)} ms), queries ${median(queries[side] ?? [])}  [${v.map((x) => x.toFixed(0)).join(' ')}]`,
    );
  }
  for (const engine of Object.values(engines)) await engine.close();
}

await main();
