import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dashboard, DashboardDataFilter, DashboardExport } from '@cdp/contracts';
import { type ReportInput, type ReportPage, renderPdf, renderPptx, renderXlsx } from '@cdp/reports';
import { chromium } from '@playwright/test';
import { loadStudy, overviewDashboard, signInApi, signInPage, studyFiles } from './dashboard.ts';
import { api, type BenchServer } from './server.ts';

/*
 * `npm run bench -- export`: PDF, PPTX and XLSX of the 12-widget Overview and of all pages of the
 * 1,000,000-row LB study, (1) end to end through the API and the export job (the job's own
 * start → finish, and request → file ready), (2) the renderers alone in this process on the same
 * answers, with their peak memory; beside headless Chromium (Debian's) printing the same
 * dashboard page to PDF, the approach of Grafana's and Metabase's renderers, in the same run.
 */

const FORMATS = ['pdf', 'pptx', 'xlsx'] as const;
const ROUNDS = 3;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

const ms = (n: number) => Math.round(n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function viaJob(base: string, token: string, format: string, pages?: string[]) {
  const started = performance.now();
  const { data } = await api<{ data: DashboardExport }>(`${base}/exports`, token, 'POST', {
    format,
    ...(pages ? { pages } : {}),
  });
  for (;;) {
    const { data: now } = await api<{ data: DashboardExport }>(`${base}/exports/${data.id}`, token, 'GET');
    if (now.status === 'FAILED') throw new Error(`export ${format} failed: ${now.error}`);
    if (now.status === 'SUCCEEDED') {
      return {
        requestToReadyMs: ms(performance.now() - started),
        bytes: now.bytes ?? 0,
        createdAt: now.createdAt,
        finishedAt: now.finishedAt,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page answers as the screen gets them, shaped as the exporter's input. */
async function reportPages(
  base: string,
  token: string,
  dashboard: Dashboard,
  pageIds: string[],
): Promise<ReportPage[]> {
  const pages: ReportPage[] = [];
  for (const id of pageIds) {
    const page = dashboard.document.pages.find((p) => p.id === id);
    if (!page) continue;
    const filters: DashboardDataFilter[] = [];
    const { data } = await api<{
      data: { widgets: { id: string; data?: never; error?: { code: string; message: string } }[] };
    }>(`${base}/data?page=${id}&filters=${encodeURIComponent(JSON.stringify(filters))}`, token, 'GET');
    pages.push({
      id,
      title: page.title,
      widgets: data.widgets.map((w) => {
        const item = page.layout.find((l) => l.i === w.id);
        return {
          id: w.id,
          title: page.widgets[w.id]?.title ?? w.id,
          type: page.widgets[w.id]?.type ?? '',
          layout: { x: item?.x ?? 0, y: item?.y ?? 0, w: item?.w ?? 12, h: item?.h ?? 4 },
          ...(w.data ? { data: w.data } : {}),
          ...(w.error ? { error: w.error } : {}),
        };
      }),
    });
  }
  return pages;
}

async function inProcess(input: ReportInput) {
  const out: Record<string, { ms: number; peakRssMb: number; bytes: number }> = {};
  for (const format of FORMATS) {
    const render = { pdf: renderPdf, pptx: renderPptx, xlsx: renderXlsx }[format];
    const times: number[] = [];
    let peak = 0;
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      global.gc?.();
      const base = process.memoryUsage().rss;
      let high = base;
      const timer = setInterval(() => {
        high = Math.max(high, process.memoryUsage().rss);
      }, 10);
      const started = performance.now();
      const file = await render(input);
      times.push(performance.now() - started);
      clearInterval(timer);
      high = Math.max(high, process.memoryUsage().rss);
      peak = Math.max(peak, high - base);
      bytes = file.length;
    }
    out[format] = { ms: ms(median(times)), peakRssMb: Math.round(peak / 1048576), bytes };
  }
  return out;
}

async function chromiumPrint(server: BenchServer, studyId: string, dashboardId: string) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signInPage(page, server.url);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      await page.goto(`${server.url}/studies/${studyId}/dashboards/${dashboardId}`);
      await page.locator('[data-widget-id]').first().waitFor();
      await page.waitForFunction(
        () => {
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } })
            .document;
          return (
            doc.querySelectorAll('[data-widget-id]').length >= 12 &&
            doc.querySelectorAll('[data-widget-id][data-state="loading"]').length === 0
          );
        },
        undefined,
        { timeout: 120_000 },
      );
      const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
      times.push(performance.now() - started);
      bytes = pdf.length;
    }
    return {
      ms: ms(median(times)),
      runsMs: times.map(ms),
      bytes,
      note: 'navigate, wait for all 12 widgets drawn, page.pdf (A4 landscape)',
    };
  } finally {
    await browser.close();
  }
}

export async function benchExport(server: BenchServer): Promise<Record<string, unknown>> {
  const files = await studyFiles();
  const token = await signInApi(server);
  const studies = await api<{ data: { id: string; code: string; name: string }[] }>(
    `${server.url}/api/studies`,
    token,
    'GET',
  );
  const study = studies.data.find((s) => s.code === 'CDP-301');
  if (!study) throw new Error('demo study CDP-301 not found');
  const loaded = await loadStudy(server, token, study.id, files);
  const { dashboard, base } = await overviewDashboard(server, token, study.id, loaded.versionId);
  const allPages = dashboard.document.pages.map((p) => p.id);
  const overview = allPages.slice(0, 1);
  // Warm the query cache once, as a reader opening the dashboard would have.
  await reportPages(base, token, dashboard, allPages);

  const job: Record<string, unknown> = {};
  for (const [scope, pages] of [
    ['overview', overview],
    ['allPages', undefined],
  ] as const) {
    for (const format of FORMATS) {
      const runs = [];
      for (let i = 0; i < ROUNDS; i++) runs.push(await viaJob(base, token, format, pages ? [...pages] : undefined));
      job[`${scope}.${format}`] = {
        requestToReadyMs: median(runs.map((r) => r.requestToReadyMs)),
        jobMs: median(
          runs.map((r) => (r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.createdAt) : Number.NaN)),
        ),
        bytes: runs[0]?.bytes,
      };
    }
  }

  const input = (pages: ReportPage[]): ReportInput => ({
    study: { code: study.code, name: study.name },
    dashboard: { name: dashboard.name },
    dataVersion: { label: loaded.versionId, activatedAt: new Date() },
    filters: [],
    generatedBy: 'bench',
    generatedAt: new Date(),
    pages,
    options: { paperSize: 'A4', orientation: 'landscape' },
  });
  const overviewInput = input(await reportPages(base, token, dashboard, overview));
  const allPagesInput = input(await reportPages(base, token, dashboard, allPages));
  // BENCH_EXPORT_DUMP=<folder>: the renderers' inputs as JSON, to profile a renderer by itself.
  const dump = process.env.BENCH_EXPORT_DUMP;
  if (dump) {
    await mkdir(dump, { recursive: true });
    await writeFile(path.join(dump, 'overview.json'), JSON.stringify(overviewInput));
    await writeFile(path.join(dump, 'all-pages.json'), JSON.stringify(allPagesInput));
  }
  const renderers = { overview: await inProcess(overviewInput), allPages: await inProcess(allPagesInput) };
  const chromiumPdf = await chromiumPrint(server, study.id, dashboard.id);
  const overviewPdf = job['overview.pdf'] as { requestToReadyMs: number; jobMs: number };
  const figures = {
    rows: files.rows,
    job,
    renderers,
    chromiumPdf,
    targets: {
      overviewPdfUnder5s: overviewPdf.jobMs < 5000,
      overviewPdfFasterThanChromium: overviewPdf.jobMs < chromiumPdf.ms,
    },
  };
  console.table(Object.entries(job).map(([k, v]) => ({ export: k, ...(v as object) })));
  console.table(
    Object.entries(renderers).flatMap(([scope, r]) =>
      Object.entries(r).map(([format, v]) => ({ scope, format, ...v })),
    ),
  );
  console.log(`Chromium print of the Overview: ${chromiumPdf.ms} ms`);
  return figures;
}
