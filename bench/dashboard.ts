import { execFile } from 'node:child_process';
import { existsSync, openAsBlob } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AppliedFilter, CreateDashboardBody, Dashboard, UploadResponse, WidgetDataResponse } from '@cdp/contracts';
import { writeParquet } from '@cdp/formats';
import { buildZip } from '@cdp/formats/testing';
import { type CDPSession, chromium, type Page } from '@playwright/test';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import { writeDatasetCsv } from '../apps/server/src/lib/csv.ts';
import { benchDashboardAb } from './dashboard-ab.ts';
import { loadDashboardData } from './dashboard-load.ts';
import { summarizeTrace, TRACE_CATEGORIES } from './page-trace.ts';
import { cpuSplitSeconds } from './process-cpu.ts';
import { api, type BenchServer, DEMO_PASSWORD, ROOT } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** 4,400 screened subjects, 26 lab visits of 13 tests: 1,026,129 LB rows (the budget speaks of 1,000,000). */
const STUDY = { subjects: 4400, sites: 60, seed: 1, labVisits: 26 } as const;
/** What the pandas reference reads (the Overview's widgets need nothing else). */
const CSV_DATASETS = ['DM', 'AE', 'LB', 'DS'] as const;
const OVERVIEW_WIDGETS = 12;
const COLD_ROUNDS = 5;
const WARM_ROUNDS = 20;
const WARM_VISITS = 5;
const TRACED_VISITS = Math.max(1, Number(process.env.BENCH_PAGE_TRACED ?? 1));
const BUDGET_MS = { warmData: 300, coldData: 1000, page: 1500 } as const;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface StudyFiles {
  dir: string;
  zip: string;
  zipBytes: number;
  rows: Record<string, number>;
}

/**
 * The study as a ZIP of Parquet files (what CDP is given) and as CSV (what pandas reads: pyarrow
 * is not installed), generated once per parameter set and kept in the temp folder. Built in a
 * `.partial` folder and renamed, so an interrupted run never leaves half a study to reuse.
 */
export async function studyFiles(): Promise<StudyFiles> {
  const key = `s${STUDY.subjects}-sites${STUDY.sites}-v${STUDY.labVisits}-seed${STUDY.seed}`;
  const dir = path.join(os.tmpdir(), 'cdp-bench-dashboard', key);
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest))
    return { dir, ...(JSON.parse(await readFile(manifest, 'utf8')) as Omit<StudyFiles, 'dir'>) };

  const work = `${dir}.partial`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  console.log(`dashboard: generating the ${key} study in ${dir} (once)…`);
  const rows: Record<string, number> = {};
  const entries: { name: string; data: Buffer; method: 'store' }[] = [];
  for (const reader of generateDemoStudy(STUDY)) {
    const file = path.join(work, `${reader.info.name.toLowerCase()}.parquet`);
    const result = await writeParquet(reader, file, { memoryLimit: '1GB' });
    rows[reader.info.name] = result.rows;
    // Parquet is already compressed: deflating it again would only slow the upload's unzip.
    entries.push({ name: path.basename(file), data: await readFile(file), method: 'store' });
    await rm(file);
  }
  const zip = path.join(work, 'study.zip');
  const zipData = buildZip(entries);
  await writeFile(zip, zipData);
  // Fresh readers from the same seed give the same rows again.
  for (const reader of generateDemoStudy(STUDY)) {
    const name = reader.info.name;
    if (!CSV_DATASETS.some((n) => n === name)) continue;
    const written = await writeDatasetCsv(path.join(work, `${name.toLowerCase()}.csv`), reader, { raw: true });
    if (written.rows !== rows[name]) throw new Error(`${name}: ${written.rows} CSV rows but ${rows[name]} in Parquet`);
  }
  await writeFile(
    path.join(work, 'manifest.json'),
    JSON.stringify({ zip: path.join(dir, 'study.zip'), zipBytes: zipData.length, rows }),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return { dir, zip: path.join(dir, 'study.zip'), zipBytes: zipData.length, rows };
}

export async function signInApi(server: BenchServer): Promise<string> {
  const session = await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
    email: 'manager@demo.cdp.local',
    password: DEMO_PASSWORD,
  });
  return session.accessToken;
}

/** Upload (multipart `file`) and activation, as the Data tab does them. */
export async function loadStudy(server: BenchServer, token: string, studyId: string, files: StudyFiles) {
  const body = new FormData();
  body.append('file', await openAsBlob(files.zip), 'dashboard-bench-study.zip');
  let started = performance.now();
  const res = await fetch(`${server.url}/api/studies/${studyId}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const { data: version } = (await res.json()) as UploadResponse;
  const uploadMs = performance.now() - started;
  started = performance.now();
  await api(`${server.url}/api/studies/${studyId}/versions/${version.id}/activate`, token, 'POST', {
    reason: 'Dashboard benchmark: 1,000,000-row lab study',
  });
  return { versionId: version.id, uploadMs, activateMs: performance.now() - started };
}

interface WidgetTiming {
  id: string;
  /** From the first request sent to this answer read. */
  ms: number;
  serverMs: number;
  cached: boolean;
  ignored: string[];
  data: WidgetDataResponse;
}

/** The Overview's widgets asked for at once, as the browser does; done when the last one answers. */
async function dataRound(base: string, token: string, widgetIds: string[], filters: AppliedFilter[]) {
  const query = filters.length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
  const started = performance.now();
  const widgets = await Promise.all(
    widgetIds.map(async (id): Promise<WidgetTiming> => {
      const res = await fetch(`${base}/widgets/${id}/data${query}`, { headers: { authorization: `Bearer ${token}` } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`widget ${id} answered ${res.status}: ${text.slice(0, 1000)}`);
      const data = JSON.parse(text) as WidgetDataResponse;
      const { ms: serverMs, cached, ignored } = data.meta;
      return { id, ms: performance.now() - started, serverMs, cached, ignored, data };
    }),
  );
  return { ms: performance.now() - started, widgets };
}

const ageAtLeast = (age: number): AppliedFilter[] => [{ field: 'age', op: 'ge', value: age }];

/** Nearest rank: the smallest value with at least `p` of the values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
    : (sorted[Math.floor(mid)] ?? Number.NaN);
}
const ms = (value: number) => Math.round(value);

export async function signInPage(page: Page, url: string) {
  await page.goto(`${url}/login`);
  await page.getByLabel('E-mail').fill('manager@demo.cdp.local');
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 60_000 });
}

interface Visit {
  ms: number;
  /** Page clock (from navigation start, the early-requests worker's requests included): when the last widget data answer arrived. */
  dataAnsweredAtMs: number;
  /** Page clock: when each widget was first seen drawn, first to last. */
  drawnAtMs: Record<string, number>;
  last: { id: string; atMs: number };
  /**
   * Page clock: the waterfall's steps (JS chunks in, session restored, who-am-I and dashboard
   * answered, first data request sent, first byte of data back).
   */
  timeline: {
    scriptsLoadedAtMs: number;
    sessionAtMs: number;
    meAnsweredAtMs: number;
    dashboardAnsweredAtMs: number;
    firstDataRequestAtMs: number;
    firstDataByteAtMs: number;
  };
  /** How often the dashboard document was asked for, and how many requests the early-requests worker made. */
  requests: { dashboard: number; fromWorker: number };
  /**
   * The browser's own work during the visit (Chrome's counters): all main-thread tasks, of which
   * script, layout, style, and the rest (parsing, painting, compositing, GC); `waiting` is the
   * visit's time the main thread was idle, i.e. waiting for the network and the server.
   */
  browserWorkMs: { tasks: number; script: number; layout: number; style: number; other: number; waiting: number };
}

/** One resource timing entry, on the clock of the context that made it. */
interface ResourceEntry {
  name: string;
  startTime: number;
  responseStart: number;
  responseEnd: number;
}

/** What the in-page functions use (the bench is compiled without the DOM types). */
interface PageWindow {
  document: {
    querySelectorAll(
      selector: string,
    ): ArrayLike<{ getAttribute(name: string): string | null; textContent: string | null }>;
  };
  performance: {
    now(): number;
    timeOrigin: number;
    getEntriesByType(type: string): ResourceEntry[];
  };
  benchDrawn?: Record<string, number>;
}

/**
 * Run in the page every 10 ms: the widget cards' states. It notes when it first saw each card
 * drawn (page clock), so the slowest widget can be named. A function, not a string: the app's
 * Content Security Policy forbids eval. No named functions inside: tsx would wrap them in a
 * helper the page does not have.
 */
const drawnState = (expected: number) => {
  const page = globalThis as unknown as PageWindow;
  page.benchDrawn ??= {};
  const seen = page.benchDrawn;
  const cards = Array.from(page.document.querySelectorAll('[data-widget-id]'));
  let drawn = 0;
  for (const card of cards) {
    const id = card.getAttribute('data-widget-id') ?? '?';
    const state = card.getAttribute('data-state');
    if (state === 'error') return { error: `${id}: ${(card.textContent ?? '').trim().slice(0, 400)}` };
    if (state !== 'ready' && state !== 'empty') continue;
    drawn++;
    seen[id] ??= page.performance.now();
  }
  if (cards.length !== expected || drawn !== expected) return false;
  return {
    drawn: seen,
    timeOrigin: page.performance.timeOrigin,
    resources: page.performance.getEntriesByType('resource').map((r) => ({
      name: r.name,
      startTime: r.startTime,
      responseStart: r.responseStart,
      responseEnd: r.responseEnd,
    })),
  };
};

/**
 * Run in each of the page's workers (the early-requests worker asks for the session, `/api/me`,
 * the dashboard and its data before the app's bundle has run): its resource timing entries and
 * its own clock's origin, so they can be put on the page's clock.
 */
const workerResources = () => {
  const scope = globalThis as unknown as Pick<PageWindow, 'performance'>;
  return {
    timeOrigin: scope.performance.timeOrigin,
    resources: scope.performance.getEntriesByType('resource').map((r) => ({
      name: r.name,
      startTime: r.startTime,
      responseStart: r.responseStart,
      responseEnd: r.responseEnd,
    })),
  };
};

/** The page's resource entries and its workers', all on the page's clock (ms from navigation start). */
async function visitResources(page: Page, own: { timeOrigin: number; resources: ResourceEntry[] }) {
  const workers = await Promise.all(page.workers().map((w) => w.evaluate(workerResources).catch(() => null)));
  const shifted = workers.flatMap((w) => {
    if (!w) return [];
    const shift = w.timeOrigin - own.timeOrigin;
    return w.resources.map((r) => ({
      name: r.name,
      startTime: r.startTime + shift,
      responseStart: r.responseStart + shift,
      responseEnd: r.responseEnd + shift,
    }));
  });
  return { resources: [...own.resources, ...shifted], workerRequests: shifted.length };
}

/** The waterfall's steps on the page clock; a step with no request is -1. */
function timelineOf(resources: ResourceEntry[]) {
  const earliest = (entries: ResourceEntry[], at: (r: ResourceEntry) => number) =>
    entries.length > 0 ? Math.min(...entries.map(at)) : -1;
  const latest = (entries: ResourceEntry[], at: (r: ResourceEntry) => number) =>
    entries.length > 0 ? Math.max(...entries.map(at)) : -1;
  // Widget data: one request per page (…/dashboards/:did/data) or per widget (…/widgets/:wid/data).
  const answers = resources.filter((r) => /\/dashboards\/[^/]+\/(widgets\/[^/]+\/)?data(\?|$)/.test(r.name));
  const scripts = resources.filter((r) => /\/assets\/[^/]+\.js$/.test(r.name));
  const dashboard = resources.filter((r) => /\/api\/studies\/[^/]+\/dashboards\/[^/?]+$/.test(r.name));
  const refresh = resources.filter((r) => /\/api\/auth\/refresh$/.test(r.name));
  const me = resources.filter((r) => /\/api\/me$/.test(r.name));
  return {
    dataAnsweredAtMs: latest(answers, (r) => r.responseEnd),
    timeline: {
      scriptsLoadedAtMs: latest(scripts, (r) => r.responseEnd),
      sessionAtMs: earliest(refresh, (r) => r.responseEnd),
      meAnsweredAtMs: earliest(me, (r) => r.responseEnd),
      dashboardAnsweredAtMs: earliest(dashboard, (r) => r.responseEnd),
      firstDataRequestAtMs: earliest(answers, (r) => r.startTime),
      firstDataByteAtMs: earliest(answers, (r) => r.responseStart),
    },
    /** How often the dashboard document was asked for (once is right). */
    dashboardRequests: dashboard.length,
  };
}

/** Chrome's cumulative main-thread counters, in ms. */
async function browserCounters(cdp: CDPSession) {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const of = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return {
    tasks: of('TaskDuration'),
    script: of('ScriptDuration'),
    layout: of('LayoutDuration'),
    style: of('RecalcStyleDuration'),
  };
}

/** One visit: `page.goto` until every widget card says `ready` or `empty`; an `error` card ends the bench. */
async function visit(page: Page, cdp: CDPSession, url: string): Promise<Visit> {
  const before = await browserCounters(cdp);
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  const outcome = await page.waitForFunction(drawnState, OVERVIEW_WIDGETS, { polling: 10, timeout: 120_000 });
  const elapsed = performance.now() - started;
  const after = await browserCounters(cdp);
  const result = (await outcome.jsonValue()) as
    | { error: string }
    | { drawn: Record<string, number>; timeOrigin: number; resources: ResourceEntry[] };
  if ('error' in result) throw new Error(`dashboard page: widget ${result.error}`);
  const { resources, workerRequests } = await visitResources(page, result);
  const { dataAnsweredAtMs, timeline, dashboardRequests } = timelineOf(resources);
  const drawn = Object.entries(result.drawn)
    .sort((a, b) => a[1] - b[1])
    .map(([id, at]) => [id, ms(at)] as const);
  const [lastId, lastAt] = drawn.at(-1) ?? ['?', 0];
  return {
    ms: elapsed,
    dataAnsweredAtMs: ms(dataAnsweredAtMs),
    drawnAtMs: Object.fromEntries(drawn),
    last: { id: lastId, atMs: lastAt },
    timeline: Object.fromEntries(Object.entries(timeline).map(([k, v]) => [k, ms(v)])) as Visit['timeline'],
    requests: { dashboard: dashboardRequests, fromWorker: workerRequests },
    browserWorkMs: {
      tasks: ms(after.tasks - before.tasks),
      script: ms(after.script - before.script),
      layout: ms(after.layout - before.layout),
      style: ms(after.style - before.style),
      other: ms(
        after.tasks -
          before.tasks -
          (after.script - before.script) -
          (after.layout - before.layout) -
          (after.style - before.style),
      ),
      waiting: ms(Math.max(0, elapsed - (after.tasks - before.tasks))),
    },
  };
}

/**
 * First visit with a filter no request used before (cold data, dashboard code not yet cached), then
 * warm ones, then one more warm visit under a Chromium performance trace (not timed: tracing slows
 * the page) that names the main thread's work (script, compile, GC, style, layout, paint, parse).
 */
async function pageTimings(server: BenchServer, studyId: string, dashboardId: string, coldAge = 40) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInPage(page, server.url);
    // The view keeps its filters in `?f=` (JSON, as TanStack Router writes search params).
    const url = `${server.url}/studies/${studyId}/dashboards/${dashboardId}?f=${encodeURIComponent(JSON.stringify(ageAtLeast(coldAge)))}`;
    // Each visit in a tab of its own (same session and HTTP cache): Chrome's work counters then
    // count that visit alone.
    const inNewTab = async (traced = false) => {
      const tab = await context.newPage();
      try {
        const cdp = await context.newCDPSession(tab);
        await cdp.send('Performance.enable');
        if (traced) await browser.startTracing(tab, { categories: TRACE_CATEGORIES });
        const result = await visit(tab, cdp, url);
        return { result, trace: traced ? summarizeTrace(await browser.stopTracing()) : null };
      } finally {
        await tab.close();
      }
    };
    const { result: cold } = await inNewTab();
    const warm: Visit[] = [];
    for (let i = 0; i < WARM_VISITS; i++) warm.push((await inNewTab()).result);
    // BENCH_PAGE_TRACED warm visits traced (1 by default): their main-thread CPU compares builds on a
    // loaded machine, where wall times vary by ±40 %.
    const traces: ReturnType<typeof summarizeTrace>[] = [];
    for (let i = 0; i < TRACED_VISITS; i++) {
      const { trace } = await inNewTab(true);
      if (trace) traces.push(trace);
    }
    return { cold, warm, warmTrace: traces[0] ?? null, warmTraceCpuMs: traces.map((t) => t.mainThreadCpuMs) };
  } finally {
    await browser.close();
  }
}

interface PandasResult {
  rows: Record<string, number>;
  loadSeconds: number;
  loadSecondsByDataset: Record<string, number>;
  computeSeconds: number;
  computeRunsSeconds: number[];
  widgetSeconds: Record<string, number>;
  numbers: {
    totalScreened: number;
    screenFailures: number;
    totalAes: number;
    aeSubjects: number;
    seriousAes: number;
    seriousAeSubjects: number;
    disposition: Record<string, number>;
  };
  pandas: string;
}

async function pandasReference(dir: string): Promise<PandasResult> {
  const { stdout } = await run(PYTHON, [path.join(ROOT, 'bench/dashboard_pandas.py'), dir], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as PandasResult;
}

/** The headline numbers both sides compute, side by side: a benchmark of wrong answers is worthless. */
function crossCheck(round: WidgetTiming[], reference: PandasResult['numbers']) {
  const of = (id: string) => round.find((w) => w.id === id)?.data;
  const metric = (id: string) => of(id)?.metric?.value ?? null;
  const comparison = (id: string) => of(id)?.metric?.comparison?.value ?? null;
  const pie = of('disposition');
  const pieValues = Object.fromEntries(
    (pie?.rows ?? []).map((row) => [
      String(row[0]),
      Number(row[pie?.columns.findIndex((c) => c.name === 'value') ?? 1]),
    ]),
  );
  const checks = [
    ['total screened', metric('total-screened'), reference.totalScreened],
    ['screen failures', metric('screen-failures'), reference.screenFailures],
    ['AEs', metric('total-aes'), reference.totalAes],
    ['subjects with AE', comparison('total-aes'), reference.aeSubjects],
    ['serious AEs', metric('serious-aes'), reference.seriousAes],
    ['subjects with serious AE', comparison('serious-aes'), reference.seriousAeSubjects],
    ...Object.entries(reference.disposition).map(([k, v]) => [`disposition ${k}`, pieValues[k] ?? null, v]),
  ] as const;
  return checks.map(([what, cdp, pandas]) => ({ what, cdp, pandas, agree: cdp === pandas }));
}

/** The dashboard made from the template on the new version, and its Overview's widget ids. */
export async function overviewDashboard(server: BenchServer, token: string, studyId: string, versionId: string) {
  const create: CreateDashboardBody = { name: 'Benchmark overview', templateId: 'clinical-study-overview' };
  const url = `${server.url}/api/studies/${studyId}/dashboards`;
  const { data: dashboard } = await api<{ data: Dashboard }>(url, token, 'POST', create);
  if (dashboard.unmapped.length > 0) throw new Error(`unmapped widgets: ${JSON.stringify(dashboard.unmapped)}`);
  if (dashboard.activeVersionId !== versionId)
    throw new Error(`the dashboard reads version ${dashboard.activeVersionId}, not the upload ${versionId}`);
  const widgetIds = dashboard.document.pages[0]?.layout.map((item) => item.i) ?? [];
  if (widgetIds.length !== OVERVIEW_WIDGETS)
    throw new Error(`the Overview has ${widgetIds.length} widgets, not ${OVERVIEW_WIDGETS}`);
  return { dashboard, widgetIds, base: `${url}/${dashboard.id}` };
}

export interface CpuSplit {
  total: number;
  node: number;
  duckdb: number;
  postgres: number;
}

export function cpuDelta(
  before: ReturnType<typeof cpuSplitSeconds>,
  after: ReturnType<typeof cpuSplitSeconds>,
  per = 1,
): CpuSplit {
  if (!before || !after) return { total: Number.NaN, node: Number.NaN, duckdb: Number.NaN, postgres: Number.NaN };
  const of = (k: 'main' | 'threads' | 'children') => Math.round(((after[k] - before[k]) * 1000) / per);
  const node = of('main');
  const duckdb = of('threads');
  const postgres = of('children');
  return { total: node + duckdb + postgres, node, duckdb, postgres };
}

/**
 * Each widget alone, asked for three times with a filter no request used before (an upper age
 * bound, which the load's ranges never use alone): the server's CPU for it, split between Node's
 * main thread, its other threads (DuckDB) and PostgreSQL. /proc counts in 10 ms ticks, hence three.
 */
async function coldWidgetCpu(server: BenchServer, base: string, token: string, widgetIds: string[]) {
  const out: Record<string, CpuSplit> = {};
  for (const id of widgetIds) {
    const before = cpuSplitSeconds(server.pid());
    for (let i = 0; i < 3; i++)
      await dataRound(base, token, [id], [{ field: 'age', op: 'le', value: 61 + i + 3 * widgetIds.indexOf(id) }]);
    out[id] = cpuDelta(before, cpuSplitSeconds(server.pid()), 3);
  }
  return out;
}

/**
 * First ever (new version, nothing cached), then cold rounds (each a filter no round used before),
 * then warm rounds repeating the first cold round's filter.
 */
export async function dataTimings(server: BenchServer, base: string, token: string, widgetIds: string[]) {
  const first = await dataRound(base, token, widgetIds, []);
  const cold = [];
  const coldCpu: CpuSplit[] = [];
  for (let i = 0; i < COLD_ROUNDS; i++) {
    const before = cpuSplitSeconds(server.pid());
    cold.push(await dataRound(base, token, widgetIds, ageAtLeast(18 + i)));
    coldCpu.push(cpuDelta(before, cpuSplitSeconds(server.pid())));
  }
  const widgetCpu = await coldWidgetCpu(server, base, token, widgetIds);
  const warm = [];
  for (let i = 0; i < WARM_ROUNDS; i++) warm.push(await dataRound(base, token, widgetIds, ageAtLeast(18)));
  const coldMs = cold.map((r) => r.ms);
  const warmMs = warm.map((r) => r.ms);
  const perWidget = (round: WidgetTiming[]) =>
    [...round]
      .sort((a, b) => b.serverMs - a.serverMs)
      .map((w) => ({ id: w.id, ms: ms(w.ms), serverMs: w.serverMs, cached: w.cached, ignored: w.ignored }));
  return {
    firstEverMs: ms(first.ms),
    cold: {
      rounds: coldMs.map(ms),
      medianMs: ms(median(coldMs)),
      maxMs: ms(Math.max(...coldMs)),
      /** Server CPU per cold page (12 widgets), ms: Node's main thread, its other threads (DuckDB), PostgreSQL. */
      cpuMsPerPage: coldCpu,
      cpuMsPerPageMedian: median(coldCpu.map((c) => c.total)),
    },
    /** Server CPU of each widget asked for alone with a filter no request used (mean of 3), ms. */
    coldWidgetCpu: widgetCpu,
    warm: { rounds: WARM_ROUNDS, medianMs: ms(median(warmMs)), p95Ms: ms(percentile(warmMs, 0.95)) },
    /** Slowest first: wall time to the widget's answer, the server's `meta.ms`, whether all was cached. */
    firstEverWidgets: perWidget(first.widgets),
    coldRoundWidgets: perWidget(cold.at(-1)?.widgets ?? []),
    /** Widgets a "cold" round found cached: their filter did not apply (`ignored`), so the query was the same. */
    coldCacheHits: cold.map((r) => r.widgets.filter((w) => w.cached).map((w) => w.id)),
    firstRound: first.widgets,
  };
}

type DataFigures = Omit<Awaited<ReturnType<typeof dataTimings>>, 'firstRound'>;
type PageFigures = {
  coldMs: number;
  warmMs: number[];
  warmMedianMs: number;
  /** The cold visit on the page clock: data answered, then each widget drawn. */
  coldVisit: Omit<Visit, 'ms'>;
  warmVisits: Pick<Visit, 'dataAnsweredAtMs' | 'last' | 'timeline' | 'browserWorkMs' | 'requests'>[];
  /** One more warm visit, traced: the main thread's self time by kind of work. */
  warmTrace: ReturnType<typeof summarizeTrace> | null;
  /** The main thread's CPU in each traced warm visit (`BENCH_PAGE_TRACED`, 1 by default). */
  warmTraceCpuMs: number[];
};

const budget = (value: number, limit: number) => ({ ms: value, budgetMs: limit, met: value < limit });
const line = (label: string, value: string) => console.log(`  ${label.padEnd(46)} ${value}`);
const verdict = (b: { ms: number; budgetMs: number; met: boolean }) =>
  `${b.ms} ms   (budget < ${b.budgetMs} ms: ${b.met ? 'met' : 'MISSED'})`;

function budgets(data: DataFigures, page: PageFigures | null) {
  return {
    firstEverData: budget(data.firstEverMs, BUDGET_MS.coldData),
    coldDataMax: budget(data.cold.maxMs, BUDGET_MS.coldData),
    warmDataP95: budget(data.warm.p95Ms, BUDGET_MS.warmData),
    ...(page
      ? { pageCold: budget(page.coldMs, BUDGET_MS.page), pageWarmMedian: budget(page.warmMedianMs, BUDGET_MS.page) }
      : {}),
  };
}

function printTable(figures: {
  rows: Record<string, number>;
  data: DataFigures;
  load: Awaited<ReturnType<typeof loadDashboardData>> & { cpuMsPerPage: CpuSplit; loadAverage: number[] };
  page: PageFigures | null;
  pandas: { loadMs: number; computeMs: number };
  ratios: Record<string, number>;
  budgets: ReturnType<typeof budgets>;
}) {
  const { data, load, page, pandas, ratios, budgets: b } = figures;
  console.log(
    `\nDashboard: Clinical Study Overview (${OVERVIEW_WIDGETS} widgets), LB ${figures.rows.LB?.toLocaleString('en-US')} rows`,
  );
  line('data, first ever (new version)', verdict(b.firstEverData));
  line(`data, cold median (${COLD_ROUNDS} new filters)`, `${data.cold.medianMs} ms`);
  const cpuText = (c: CpuSplit) => `${c.total} ms (Node ${c.node}, DuckDB ${c.duckdb}, PostgreSQL ${c.postgres})`;
  line('server CPU per cold page, median', `${data.cold.cpuMsPerPageMedian} ms`);
  for (const c of data.cold.cpuMsPerPage) line('  a cold page', cpuText(c));
  line('server CPU per page under load', cpuText(load.cpuMsPerPage));
  line('load average at the end of the load', load.loadAverage.join(' '));
  console.log('  server CPU per widget alone, cold (mean of 3)');
  for (const [id, c] of Object.entries(data.coldWidgetCpu).sort((a, b) => b[1].total - a[1].total))
    line(`    ${id}`, cpuText(c));
  line('data, cold max', verdict(b.coldDataMax));
  line(`data, warm median (${WARM_ROUNDS} rounds)`, `${data.warm.medianMs} ms`);
  line('data, warm p95', verdict(b.warmDataP95));
  line(
    `data under load (${load.mode}): 40 users, p95`,
    `${load.latencyMs.p95} ms   (budget < 500 ms, no errors: ${load.withinBudget ? 'met' : 'MISSED'}; ${load.errors} errors, ${load.widgetAnswers} answers, p50 ${load.latencyMs.p50} ms)`,
  );
  if (b.pageCold && b.pageWarmMedian && page) {
    line('page, first visit (new filter)', verdict(b.pageCold));
    line(`page, warm median of ${WARM_VISITS}`, verdict(b.pageWarmMedian));
    const timelineText = (v: Omit<Visit, 'ms' | 'drawnAtMs'>) =>
      `JS in ${v.timeline.scriptsLoadedAtMs}, session ${v.timeline.sessionAtMs}, me ${v.timeline.meAnsweredAtMs}, dashboard ${v.timeline.dashboardAnsweredAtMs}, data asked ${v.timeline.firstDataRequestAtMs}, first byte ${v.timeline.firstDataByteAtMs}, last data ${v.dataAnsweredAtMs}, last drawn ${v.last.atMs} (${v.last.id})`;
    const work = (v: Pick<Visit, 'browserWorkMs'>) =>
      `main thread busy ${v.browserWorkMs.tasks} ms (script ${v.browserWorkMs.script}, layout ${v.browserWorkMs.layout}, style ${v.browserWorkMs.style}, other ${v.browserWorkMs.other}); idle, waiting ${v.browserWorkMs.waiting} ms`;
    line('  first visit, page clock (ms)', timelineText(page.coldVisit));
    line('  first visit, browser work', work(page.coldVisit));
    const middle = page.warmVisits[Math.floor(page.warmVisits.length / 2)];
    if (middle) {
      line('  a warm visit, page clock (ms)', timelineText(middle));
      line('  a warm visit, browser work', work(middle));
    }
    if (page.warmTrace) {
      const k = page.warmTrace.byKindMs;
      line(
        '  a traced warm visit, main thread (ms)',
        `${page.warmTrace.mainThreadMs}: script ${k.script}, compile ${k.compile}, GC ${k.gc}, style ${k.style}, layout ${k.layout}, paint ${k.paint}, parse/network ${k.parse}, other ${k.other}`,
      );
      line(
        '    largest of "other"',
        Object.entries(page.warmTrace.topOtherMs)
          .map(([n, v]) => `${n} ${v}`)
          .join(', '),
      );
    }
  } else line('page', 'not measured (see the error below)');
  line('pandas load (read_csv DM, AE, LB, DS)', `${pandas.loadMs} ms`);
  line('pandas compute (12 widgets), best of 3', `${pandas.computeMs} ms`);
  line('CDP cold median ÷ pandas compute', String(ratios.coldDataOverPandasCompute));
  line('CDP cold median ÷ pandas load + compute', String(ratios.coldDataOverPandasLoadAndCompute));
  line('CDP warm median ÷ pandas compute', String(ratios.warmDataOverPandasCompute));
  console.log('  one cold round, per widget: wall ms to its answer / server meta.ms');
  for (const w of data.coldRoundWidgets) line(`    ${w.id}`, `${w.ms} / ${w.serverMs}${w.cached ? ' (cached)' : ''}`);
}

/**
 * `npm run bench -- dashboard`: the Clinical Study Overview (12 widgets) on a 1,000,000-row LB study,
 * loaded through the API into demo study CDP-301: its data cold and warm over HTTP, the page drawn
 * in Chromium, and the same numbers computed by pandas from CSV for scale.
 */
/** The page bench serves the current web build (the check `npm start` makes): built before the server starts, which serves what it finds then. */
export async function ensureWebBuild() {
  await run(process.execPath, [path.join(ROOT, 'scripts/ensure-web-build.mjs')], { cwd: ROOT, maxBuffer: 1 << 24 });
}

async function pageFigures(server: BenchServer, studyId: string, dashboardId: string, coldAge = 40) {
  const visits = await pageTimings(server, studyId, dashboardId, coldAge);
  const { ms: coldMs, ...coldVisit } = visits.cold;
  return {
    coldMs: ms(coldMs),
    warmMs: visits.warm.map((v) => ms(v.ms)),
    warmMedianMs: ms(median(visits.warm.map((v) => v.ms))),
    coldVisit,
    warmVisits: visits.warm.map(({ dataAnsweredAtMs, last, timeline, browserWorkMs, requests }) => ({
      requests,
      dataAnsweredAtMs,
      last,
      timeline,
      browserWorkMs,
    })),
    warmTrace: visits.warmTrace,
    warmTraceCpuMs: visits.warmTraceCpuMs,
  } satisfies PageFigures;
}

/**
 * `BENCH_DASHBOARD=page`: the page alone (no data rounds, load or pandas), for work on the web app;
 * `BENCH_DASHBOARD=data`: everything but the page.
 * With `BENCH_WEB_BASELINE=<a web build's dist folder>` the page is measured with that build and
 * with the current one in the same run, alternately (the server reads its files per request, so the
 * build folder is swapped under it and put back), and the ratios are printed.
 */
async function benchDashboardPage(server: BenchServer, study: { id: string }, dashboardId: string) {
  const loadAverageAtStart = os.loadavg().map((l) => Number(l.toFixed(2)));
  const baseline = process.env.BENCH_WEB_BASELINE;
  const rounds = Number(process.env.BENCH_PAGE_ROUNDS ?? 2);
  const current: PageFigures[] = [];
  const before: PageFigures[] = [];
  const dist = path.join(ROOT, 'apps/web/dist');
  const parked = `${dist}.bench-current`;
  // Each round asks for two filters no visit used before, so both builds' first visits are cold.
  // The builds take turns going first (ABBA…): whichever runs first in a round meets a server
  // that has been idle while the browser started.
  for (let round = 0; round < rounds; round++) {
    const currentFirst = round % 2 === 1;
    if (currentFirst) current.push(await pageFigures(server, study.id, dashboardId, 41 + 2 * round));
    if (baseline) {
      await rename(dist, parked);
      try {
        await rename(baseline, dist);
        try {
          before.push(await pageFigures(server, study.id, dashboardId, 40 + 2 * round));
        } finally {
          await rename(dist, baseline);
        }
      } finally {
        await rename(parked, dist);
      }
    }
    if (!currentFirst) current.push(await pageFigures(server, study.id, dashboardId, 41 + 2 * round));
  }
  const summary = (runs: PageFigures[]) => ({
    firstVisitMs: runs.map((r) => r.coldMs),
    warmMedianMs: runs.map((r) => r.warmMedianMs),
    warmMainThreadCpuMs: runs.flatMap((r) => r.warmTraceCpuMs),
  });
  const cpuMedian = (runs: PageFigures[]) => median(runs.flatMap((r) => r.warmTraceCpuMs));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const figures = {
    current: summary(current),
    ...(baseline ? { baseline: summary(before) } : {}),
    ...(baseline
      ? {
          ratios: {
            firstVisit: Number((sum(current.map((r) => r.coldMs)) / sum(before.map((r) => r.coldMs))).toFixed(2)),
            warmMedian: Number(
              (sum(current.map((r) => r.warmMedianMs)) / sum(before.map((r) => r.warmMedianMs))).toFixed(2),
            ),
            warmMainThreadCpu: Number((cpuMedian(current) / cpuMedian(before)).toFixed(2)),
          },
        }
      : {}),
    runs: { current, ...(baseline ? { baseline: before } : {}) },
    machine: {
      cpus: os.cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
  };
  const show = (label: string, runs: PageFigures[]) => {
    for (const [i, r] of runs.entries()) {
      line(`${label} round ${i + 1}: first visit / warm median`, `${r.coldMs} / ${r.warmMedianMs} ms`);
      const v = r.coldVisit;
      line(
        '  first visit, page clock (ms)',
        `JS in ${v.timeline.scriptsLoadedAtMs}, session ${v.timeline.sessionAtMs}, me ${v.timeline.meAnsweredAtMs}, dashboard ${v.timeline.dashboardAnsweredAtMs}, data asked ${v.timeline.firstDataRequestAtMs}, last data ${v.dataAnsweredAtMs}, last drawn ${v.last.atMs} (${v.last.id})`,
      );
      line(
        '  first visit, requests',
        `dashboard document ${v.requests.dashboard}×, ${v.requests.fromWorker} from the early-requests worker`,
      );
      line('  first visit, main thread busy', `${v.browserWorkMs.tasks} ms (script ${v.browserWorkMs.script})`);
      const w = r.warmVisits[Math.floor(r.warmVisits.length / 2)];
      if (w)
        line(
          '  a warm visit: last data / last drawn',
          `${w.dataAnsweredAtMs} / ${w.last.atMs} ms, busy ${w.browserWorkMs.tasks} ms (script ${w.browserWorkMs.script}), dashboard document ${w.requests.dashboard}×`,
        );
      if (r.warmTrace) {
        const k = r.warmTrace.byKindMs;
        line(
          '  traced warm visit, main thread (ms)',
          `${r.warmTrace.mainThreadMs}: script ${k.script}, compile ${k.compile}, GC ${k.gc}, style ${k.style}, layout ${k.layout}, paint ${k.paint}, parse/network ${k.parse}, other ${k.other}`,
        );
        line('  traced warm visits, main-thread CPU (ms)', r.warmTraceCpuMs.join(', '));
      }
    }
  };
  console.log('\nDashboard page (Clinical Study Overview, 12 widgets)');
  if (baseline) show('baseline build', before);
  show('current build', current);
  if (figures.ratios)
    line(
      'current ÷ baseline (first visit, warm median)',
      `${figures.ratios.firstVisit}, ${figures.ratios.warmMedian}; warm main-thread CPU (median) ${figures.ratios.warmMainThreadCpu}`,
    );
  line(
    'load average at start / end',
    `${loadAverageAtStart.join(' ')} / ${figures.machine.loadAverageAtEnd.join(' ')}`,
  );
  return figures;
}

export async function benchDashboard(server: BenchServer): Promise<Record<string, unknown>> {
  const files = await studyFiles();
  const loadAverageAtStart = os.loadavg().map((l) => Number(l.toFixed(2)));
  let token = await signInApi(server);
  const studies = await api<{ data: { id: string; code: string }[] }>(`${server.url}/api/studies`, token, 'GET');
  const study = studies.data.find((s) => s.code === 'CDP-301');
  if (!study) throw new Error('demo study CDP-301 not found');
  const loaded = await loadStudy(server, token, study.id, files);
  const { dashboard, widgetIds, base } = await overviewDashboard(server, token, study.id, loaded.versionId);
  if (process.env.BENCH_DASHBOARD === 'page') return benchDashboardPage(server, study, dashboard.id);
  if (process.env.BENCH_DASHBOARD === 'ab') return benchDashboardAb(server, base, () => signInApi(server), widgetIds);
  const { firstRound, ...data } = await dataTimings(server, base, token, widgetIds);
  // BENCH_LOAD_MODE=widgets: the load as the web app made it before, one request per widget.
  const loadMode = process.env.BENCH_LOAD_MODE === 'widgets' ? 'widgets' : 'page';
  const cpuBeforeLoad = cpuSplitSeconds(server.pid());
  const loaded40 = await loadDashboardData(server, base, widgetIds, Number(process.env.BENCH_DURATION ?? 30), loadMode);
  const load = {
    ...loaded40,
    /** Server CPU per filter change (one page of 12 widgets) under the load, ms. */
    cpuMsPerPage: cpuDelta(cpuBeforeLoad, cpuSplitSeconds(server.pid()), Math.max(1, loaded40.filterChanges)),
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };

  const reference = await pandasReference(files.dir);
  const pandas = {
    version: reference.pandas,
    loadMs: ms(reference.loadSeconds * 1000),
    loadMsByDataset: Object.fromEntries(
      Object.entries(reference.loadSecondsByDataset).map(([k, s]) => [k, ms(s * 1000)]),
    ),
    computeMs: ms(reference.computeSeconds * 1000),
    computeRunsMs: reference.computeRunsSeconds.map((s) => ms(s * 1000)),
    widgetMs: Object.fromEntries(
      Object.entries(reference.widgetSeconds).map(([k, s]) => [k, Number((s * 1000).toFixed(1))]),
    ),
  };
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const ratios = {
    coldDataOverPandasCompute: ratio(data.cold.medianMs, pandas.computeMs),
    coldDataOverPandasLoadAndCompute: ratio(data.cold.medianMs, pandas.loadMs + pandas.computeMs),
    warmDataOverPandasCompute: ratio(data.warm.medianMs, pandas.computeMs),
  };
  const checks = crossCheck(firstRound, reference.numbers);
  for (const c of checks.filter((c) => !c.agree))
    console.warn(`CDP and pandas disagree on ${c.what}: ${c.cdp} vs ${c.pandas}`);
  const measured = { rows: files.rows, data, load, pandas, ratios };
  if (process.env.BENCH_DASHBOARD === 'data') {
    // `BENCH_DASHBOARD=data`: the data alone (cold, warm, under load, beside pandas), for work on the server.
    printTable({ ...measured, page: null, budgets: budgets(data, null) });
    return { ...measured, page: null, budgets: budgets(data, null), checks };
  }

  let page: PageFigures;
  try {
    token = await signInApi(server);
    page = await pageFigures(server, study.id, dashboard.id);
  } catch (error) {
    // What was measured is still worth seeing next to the failure.
    printTable({ ...measured, page: null, budgets: budgets(data, null) });
    throw error;
  }
  const figures = {
    study: { ...STUDY, rows: files.rows, zipMb: Number((files.zipBytes / 1024 / 1024).toFixed(1)) },
    load: { uploadSeconds: Number((loaded.uploadMs / 1000).toFixed(1)), activateMs: ms(loaded.activateMs) },
    data,
    underLoad: load,
    page,
    pandas,
    ratios,
    budgets: budgets(data, page),
    checks,
    machine: {
      cpus: os.cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    note: 'data: the 12 GET …/widgets/:wid/data at once from Node, done at the last answer; page: Chromium, goto until every [data-widget-id] is ready or empty',
  };
  printTable({ ...measured, page, budgets: figures.budgets });
  return figures;
}
