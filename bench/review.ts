import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppliedFilter, Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { chromium, type Page } from '@playwright/test';
import { loadStudy, signInApi, signInPage, studyFiles } from './dashboard.ts';
import { benchReviewFilter, printReviewFilter } from './review-filter.ts';
import { api, type BenchServer } from './server.ts';

/**
 * `npm run bench -- review` (issue 19): the clinical review views on the 1,000,000-row LB demo
 * study (the dashboard benchmark's study, loaded into CDP-301), each view on its own:
 * - eDISH, the lab shift table and lab trends (widgets of the Safety review template): the first
 *   request on the new version, cold requests (each with a filter no request used before) and warm
 *   ones (the same filter again), on the server (`meta.ms`) and over HTTP;
 * - the patient profile API, cold (a subject not asked for before) and warm (the same subject);
 * - the patient profile page drawn in Chromium, first visit and warm visits;
 * - the review-status filter's cost beside the same request without it (`review-filter.ts`).
 * Budgets: each view < 300 ms warm and < 1 s cold on the server; the profile page < 1.5 s.
 * A piece that is not in this build (a widget type, the profile route or page) is reported as
 * missing, and the rest is measured.
 */

const VIEWS = [
  { type: 'edish', name: 'eDISH' },
  { type: 'lab-shift', name: 'Shift table' },
  { type: 'lab-trend', name: 'Lab trends' },
] as const;
const COLD_ROUNDS = 5;
const WARM_ROUNDS = 20;
const PAGE_WARM_VISITS = 5;
const BUDGET_MS = { warm: 300, cold: 1000, page: 1500 } as const;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

const ms = (value: number) => Math.round(value);
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2 : (sorted[Math.floor(mid)] ?? 0);
}
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? Number.NaN;
}
const ageAtLeast = (age: number): AppliedFilter[] => [{ field: 'age', op: 'ge', value: age }];

interface Timing {
  wallMs: number;
  serverMs: number | null;
  cached?: boolean;
}

async function timed(url: string, token: string): Promise<{ timing: Timing; body: unknown }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const wallMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as { meta?: { ms?: number; cached?: boolean } };
  const serverHeader = res.headers.get('server-timing');
  const serverMs = body.meta?.ms ?? (serverHeader ? Number(/dur=([\d.]+)/.exec(serverHeader)?.[1]) : null);
  return { timing: { wallMs, serverMs: serverMs ?? null, cached: body.meta?.cached }, body };
}

function summary(first: Timing, cold: Timing[], warm: Timing[]) {
  // The server's own time when it reports it, else the wall time over HTTP on this machine.
  const of = (t: Timing) => t.serverMs ?? t.wallMs;
  const coldMax = Math.max(of(first), ...cold.map(of));
  const warmP95 = p95(warm.map(of));
  return {
    firstEver: { ms: ms(of(first)), wallMs: ms(first.wallMs) },
    cold: {
      medianMs: ms(median(cold.map(of))),
      maxMs: ms(coldMax),
      wallMedianMs: ms(median(cold.map((t) => t.wallMs))),
    },
    warm: {
      medianMs: ms(median(warm.map(of))),
      p95Ms: ms(warmP95),
      wallMedianMs: ms(median(warm.map((t) => t.wallMs))),
    },
    budgets: {
      cold: { ms: ms(coldMax), budgetMs: BUDGET_MS.cold, met: coldMax < BUDGET_MS.cold },
      warm: { ms: ms(warmP95), budgetMs: BUDGET_MS.warm, met: warmP95 < BUDGET_MS.warm },
    },
  };
}

/** One widget on its own: first ever, cold rounds (new filters), warm rounds (the first cold filter again). */
async function widgetTimings(base: string, token: string, widgetId: string) {
  const url = (filters: AppliedFilter[]) =>
    `${base}/widgets/${widgetId}/data${filters.length ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : ''}`;
  const first = await timed(url([]), token);
  const cold: Timing[] = [];
  for (let i = 0; i < COLD_ROUNDS; i++) cold.push((await timed(url(ageAtLeast(18 + i)), token)).timing);
  const warm: Timing[] = [];
  for (let i = 0; i < WARM_ROUNDS; i++) warm.push((await timed(url(ageAtLeast(18)), token)).timing);
  const data = first.body as WidgetDataResponse;
  return { rows: data.rows.length, ...summary(first.timing, cold, warm) };
}

/** The first subjects of DM (the benchmark study's CSV copy), for the profile. */
async function subjectIds(dir: string, count: number): Promise<string[]> {
  const text = await readFile(path.join(dir, 'dm.csv'), 'utf8');
  const lines = text.split('\n', count * 3 + 2);
  const header = (lines[0] ?? '').split(',').map((h) => h.replaceAll('"', ''));
  const index = header.indexOf('USUBJID');
  return lines
    .slice(1)
    .map((line) => (line.split(',')[index] ?? '').replaceAll('"', ''))
    .filter(Boolean)
    .filter((_, i) => i % 3 === 0)
    .slice(0, count);
}

async function profileTimings(server: BenchServer, token: string, studyId: string, subjects: string[]) {
  const url = (subject: string) =>
    `${server.url}/api/studies/${studyId}/subjects/${encodeURIComponent(subject)}/profile`;
  const probe = await fetch(url(subjects[0] ?? ''), { headers: { authorization: `Bearer ${token}` } });
  // Fastify's answer for a route it does not have ("GET /api/… not found."), not a missing subject.
  if (probe.status === 404 && /"GET \/api\/[^"]* not found\."/.test(await probe.text()))
    return { missing: 'the profile route' };
  const [first, ...others] = subjects;
  if (!first) throw new Error('no subjects in DM');
  const firstTiming = (await timed(url(first), token)).timing;
  const cold: Timing[] = [];
  for (const subject of others.slice(0, COLD_ROUNDS)) cold.push((await timed(url(subject), token)).timing);
  const warm: Timing[] = [];
  for (let i = 0; i < WARM_ROUNDS; i++) warm.push((await timed(url(first), token)).timing);
  return summary(firstTiming, cold, warm);
}

/**
 * The profile page until it is drawn: the page's sections (`[data-section]`, rendered from the
 * profile's answer) are on screen and nothing is still loading (no skeleton, no "Loading" status),
 * measured from navigation.
 */
async function pageVisit(page: Page, url: string): Promise<number> {
  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document;
      return (
        doc.querySelectorAll('[data-subject-profile] [data-section]').length > 0 &&
        doc.querySelectorAll('.animate-pulse, [role="status"][aria-label="Loading"]').length === 0
      );
    },
    undefined,
    { polling: 10, timeout: 60_000 },
  );
  return performance.now() - started;
}

async function profilePage(server: BenchServer, studyId: string, subjects: string[]) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signInPage(page, server.url);
    const pathOf = (subject: string) => `${server.url}/studies/${studyId}/subjects/${encodeURIComponent(subject)}`;
    // A subject the API part did not ask for: the first visit is cold on the server too.
    const subject = subjects.at(-1);
    if (!subject) throw new Error('no subject');
    const inNewTab = async (subject: string) => {
      const tab = await context.newPage();
      try {
        return await pageVisit(tab, pathOf(subject));
      } finally {
        await tab.close();
      }
    };
    const cold = await inNewTab(subject);
    const warm: number[] = [];
    for (let i = 0; i < PAGE_WARM_VISITS; i++) warm.push(await inNewTab(subject));
    const warmMedian = median(warm);
    return {
      coldMs: ms(cold),
      warmMs: warm.map(ms),
      warmMedianMs: ms(warmMedian),
      budgets: {
        cold: { ms: ms(cold), budgetMs: BUDGET_MS.page, met: cold < BUDGET_MS.page },
        warmMedian: { ms: ms(warmMedian), budgetMs: BUDGET_MS.page, met: warmMedian < BUDGET_MS.page },
      },
    };
  } finally {
    await browser.close();
  }
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(40)} ${value}`);
const verdict = (b: { ms: number; budgetMs: number; met: boolean }) =>
  `${b.ms} ms (< ${b.budgetMs}: ${b.met ? 'met' : 'MISSED'})`;

export async function benchReview(server: BenchServer): Promise<Record<string, unknown>> {
  const files = await studyFiles();
  const loadAverageAtStart = os.loadavg().map((l) => Number(l.toFixed(2)));
  const token = await signInApi(server);
  const studies = await api<{ data: { id: string; code: string }[] }>(`${server.url}/api/studies`, token, 'GET');
  const study = studies.data.find((s) => s.code === 'CDP-301');
  if (!study) throw new Error('demo study CDP-301 not found');
  const loaded = await loadStudy(server, token, study.id, files);
  const missing: string[] = [];

  const url = `${server.url}/api/studies/${study.id}/dashboards`;
  const created = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Benchmark safety review', templateId: 'safety-review' }),
  });
  const views: Record<string, unknown> = {};
  if (created.status !== 201) {
    missing.push(`the Safety review template (${created.status})`);
  } else {
    const { data: dashboard } = (await created.json()) as { data: Dashboard };
    if (dashboard.activeVersionId !== loaded.versionId) throw new Error('the dashboard does not read the new version');
    const base = `${url}/${dashboard.id}`;
    for (const view of VIEWS) {
      const found = dashboard.document.pages
        .flatMap((p) => Object.entries(p.widgets))
        .find(([, w]) => w.type === view.type);
      if (!found) {
        missing.push(`the ${view.type} widget`);
        continue;
      }
      views[view.type] = { widget: found[0], ...(await widgetTimings(base, token, found[0])) };
    }
  }
  const subjects = await subjectIds(files.dir, COLD_ROUNDS + 2);
  const profile = await profileTimings(server, token, study.id, subjects);
  if ('missing' in profile) missing.push(profile.missing);
  let page: Awaited<ReturnType<typeof profilePage>> | { error: string } | null = null;
  if (!('missing' in profile)) {
    try {
      page = await profilePage(server, study.id, subjects);
    } catch (error) {
      page = { error: (error as Error).message.slice(0, 500) };
      missing.push('the profile page (not drawn)');
    }
  }

  console.log(`\nReview views, LB ${files.rows.LB?.toLocaleString('en-US')} rows (server time, meta.ms)`);
  for (const view of VIEWS) {
    const v = views[view.type] as ReturnType<typeof summary> | undefined;
    if (!v) continue;
    line(`${view.name}: first ever`, `${v.firstEver.ms} ms`);
    line(`${view.name}: cold max (${COLD_ROUNDS} filters)`, verdict(v.budgets.cold));
    line(`${view.name}: warm p95 (${WARM_ROUNDS})`, verdict(v.budgets.warm));
  }
  if (!('missing' in profile)) {
    line('profile API: cold max', verdict(profile.budgets.cold));
    line('profile API: warm p95', verdict(profile.budgets.warm));
  }
  if (page && 'budgets' in page) {
    line('profile page: first visit', verdict(page.budgets.cold));
    line(`profile page: warm median of ${PAGE_WARM_VISITS}`, verdict(page.budgets.warmMedian));
  }
  for (const m of missing) line('missing', m);
  let reviewFilter: Record<string, unknown> | { error: string };
  try {
    reviewFilter = await benchReviewFilter(files.dir);
    printReviewFilter(reviewFilter);
  } catch (error) {
    reviewFilter = { error: (error as Error).message.slice(0, 500) };
    line('review filter', `not measured: ${reviewFilter.error}`);
  }

  return {
    study: { rows: files.rows },
    load: { uploadSeconds: Number((loaded.uploadMs / 1000).toFixed(1)) },
    views,
    profile,
    page,
    reviewFilter,
    missing,
    machine: {
      cpus: os.cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    note: 'each view asked alone (GET …/widgets/:wid/data), server time from meta.ms; profile: GET …/subjects/:id/profile; page: Chromium from navigation to the subject drawn with nothing loading',
  };
}
