import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { QueryEngine, type QueryEngineOptions } from '@cdp/analytics';
import type { DashboardDataFilter, DatasetColumnType } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { CLINICAL_STUDY_OVERVIEW } from '../apps/server/src/dashboards/templates/clinical-study-overview.ts';
import { instantiateTemplate } from '../apps/server/src/dashboards/templates/instantiate.ts';
import type { VersionData, VersionDataset } from '../apps/server/src/data/version-data.ts';
import type { FoundDashboard } from '../apps/server/src/policies/dashboard.ts';
import { studyFiles } from './dashboard.ts';

/**
 * The Overview's page computed in this process (no HTTP, no PostgreSQL): `runDashboardPage` over
 * the dashboard bench's 1,000,000-row LB study, through two query engines configured apart
 * (`BENCH_ENGINE_A`, `BENCH_ENGINE_B`: JSON `QueryEngineOptions`, merged over the server's defaults),
 * alternating A B B A per round, each page with age filters no page used before (cold). Reports the
 * process CPU per page (Node + DuckDB: user + system time) and wall time, medians per side. For
 * choosing engine settings quickly; the server's own figures come from `BENCH_DASHBOARD=ab`.
 *
 *   node --import tsx bench/dashboard-engine.ts   (BENCH_ENGINE_ROUNDS, 12; BENCH_ENGINE_PARALLEL, 1)
 */
const execFileAsync = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ENGINE_ROUNDS ?? 12);
/** Pages computed at once per measurement (the load bench's users overlap). */
const PARALLEL = Number(process.env.BENCH_ENGINE_PARALLEL ?? 1);
const SERVER_DEFAULTS: QueryEngineOptions = {
  memoryLimit: '512MB',
  threads: 1,
  maxConcurrent: 4,
  timeoutMs: 15_000,
  fold: true,
  baseTableBytes: 128 * 1024 ** 2,
  baseTableMinRows: 100_000,
};

function columnType(sqlType: string): DatasetColumnType {
  if (/^(BIG|SMALL|TINY|U)?INT/.test(sqlType) || sqlType === 'HUGEINT') return 'integer';
  if (/DOUBLE|FLOAT|DECIMAL|REAL/.test(sqlType)) return 'number';
  if (sqlType === 'DATE') return 'date';
  if (sqlType.startsWith('TIMESTAMP')) return 'datetime';
  if (sqlType === 'BOOLEAN') return 'boolean';
  return 'string';
}

/** The study's Parquet files as a data version (columns typed as the upload would type them). */
export async function versionOf(dir: string): Promise<VersionData> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const datasets = new Map<string, VersionDataset>();
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.parquet'))) {
    const file = path.join(dir, name);
    const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowsJson();
    const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM '${file}'`)).getRowsJson()[0]?.[0]);
    const upper = name.replace(/\.parquet$/, '').toUpperCase();
    datasets.set(upper, {
      name: upper,
      label: null,
      rows,
      file,
      columns: described.map((row) => ({ name: String(row[0]), label: null, type: columnType(String(row[1])) })),
      row: {} as VersionDataset['row'],
    });
  }
  connection.closeSync();
  db.closeSync();
  return { id: 'bench-version', orgId: 'bench', studyId: 'bench', datasets, access: { clear: false } as never };
}

function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

async function main() {
  const files = await studyFiles();
  const dir = path.join(os.tmpdir(), 'cdp-bench-engine', path.basename(files.dir));
  if (!existsSync(path.join(dir, 'lb.parquet'))) {
    await mkdir(dir, { recursive: true });
    await execFileAsync('unzip', ['-o', '-q', files.zip, '-d', dir]);
  }
  const version = await versionOf(dir);
  const schema = [...version.datasets.values()].map((d) => ({ name: d.name, columns: d.columns }));
  const { document, unmapped } = instantiateTemplate(CLINICAL_STUDY_OVERVIEW, schema);
  if (unmapped.length > 0) throw new Error(`unmapped: ${JSON.stringify(unmapped)}`);
  const found = {
    study: { plannedEnrollment: null, plannedEnrollmentStart: null, plannedEnrollmentEnd: null },
    dashboard: { row: { id: 'bench-dashboard', version: 1 } },
    document,
  } as unknown as FoundDashboard;
  const sides = {
    A: { ...SERVER_DEFAULTS, ...(JSON.parse(process.env.BENCH_ENGINE_A ?? '{}') as QueryEngineOptions) },
    B: { ...SERVER_DEFAULTS, ...(JSON.parse(process.env.BENCH_ENGINE_B ?? '{}') as QueryEngineOptions) },
  };
  const engines = { A: new QueryEngine(sides.A), B: new QueryEngine(sides.B) };
  const next = random(7);
  const filters = (): DashboardDataFilter[] => {
    const low = 18 + Math.floor(next() * 40);
    const high = low + 5 + Math.floor(next() * 45);
    return [
      { field: 'age', op: 'ge', value: low },
      { field: 'age', op: 'le', value: high },
    ];
  };
  /** Each widget's answer time from the start of its batch of pages (the order of turns shows here). */
  const latencies = { A: [] as number[], B: [] as number[] };
  const page = async (side: 'A' | 'B', sets: DashboardDataFilter[][], timed = true) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      sets.map(async (f) => {
        const { answers } = runDashboardPage(engines[side], found, version, undefined, f);
        const widgets = await Promise.all(
          answers.map((a) =>
            a.then((w) => {
              if (timed) latencies[side].push(performance.now() - started);
              return w;
            }),
          ),
        );
        const failed = widgets.filter((w) => 'error' in w && w.error);
        if (failed.length > 0) throw new Error(`${side}: ${JSON.stringify(failed[0])}`);
      }),
    );
    const used = process.cpuUsage(cpu);
    return { cpuMs: (used.user + used.system) / 1000 / sets.length, wallMs: performance.now() - started };
  };
  // Warm-up: each engine opens its database, reads footers and builds its base tables.
  for (const side of ['A', 'B'] as const) for (let i = 0; i < 2; i++) await page(side, [filters()], false);
  const measured = { A: [] as number[], B: [] as number[] };
  const walls = { A: [] as number[], B: [] as number[] };
  const load = [os.loadavg()[0] ?? 0];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['A', 'B', 'B', 'A'] as const) : (['B', 'A', 'A', 'B'] as const);
    for (const side of order) {
      const sets = Array.from({ length: PARALLEL }, filters);
      const { cpuMs, wallMs } = await page(side, sets);
      measured[side].push(cpuMs);
      walls[side].push(wallMs);
    }
  }
  load.push(os.loadavg()[0] ?? 0);
  await engines.A.close();
  await engines.B.close();
  const r = (x: number) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify(
      {
        A: sides.A,
        B: sides.B,
        pagesPerSide: measured.A.length * PARALLEL,
        parallel: PARALLEL,
        cpuMsPerPage: { A: r(median(measured.A)), B: r(median(measured.B)) },
        cpuMean: {
          A: r(measured.A.reduce((a, b) => a + b, 0) / measured.A.length),
          B: r(measured.B.reduce((a, b) => a + b, 0) / measured.B.length),
        },
        wallMsMedian: { A: r(median(walls.A)), B: r(median(walls.B)) },
        widgetMs: { A: quantiles(latencies.A), B: quantiles(latencies.B) },
        ratioBoverA: Number((median(measured.B) / median(measured.A)).toFixed(3)),
        loadAverage: load.map((l) => Number(l.toFixed(1))),
      },
      null,
      2,
    ),
  );
}

/** p50, p95 and p99 (nearest rank), ms. */
function quantiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN);
  return { answers: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
