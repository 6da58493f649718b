import { expect, type Page, test } from '@playwright/test';
import { DEMO_PASSWORD } from './support/constants.ts';
import { openDemoDashboard } from './support/demo-study.ts';
import { signIn } from './support/session.ts';

/*
 * How the dashboard page gets drawn, not how fast (timings belong to `npm run bench -- dashboard`):
 * a dashboard opened by its address takes the session refresh and its page's data from the
 * requests its first script started before the bundle ran (each asked for once), and no chart
 * reads its own size, offsets or computed style while drawn (ECharts would otherwise force a layout
 * or a style recalculation of the whole page per chart; its tooltip is made on the first hover).
 */

/** Counts reads of a chart host's size (`[data-widget-id] [role="img"]`): each forces a layout. */
function countChartSizeReads() {
  const reads = { count: 0 };
  (window as unknown as { chartSizeReads: typeof reads }).chartSizeReads = reads;
  const isChart = (el: unknown) => el instanceof Element && el.matches('[data-widget-id] div[role="img"]');
  for (const prop of ['clientWidth', 'clientHeight'] as const) {
    const own = Object.getOwnPropertyDescriptor(Element.prototype, prop);
    if (!own?.get) continue;
    const get = own.get;
    Object.defineProperty(Element.prototype, prop, {
      ...own,
      get(this: Element) {
        if (isChart(this)) reads.count++;
        return get.call(this);
      },
    });
  }
  // ECharts' tooltip reads the offsets of the canvas's wrapper (a layout) and the host's computed
  // style (a style recalculation) when it is made: neither may happen while the charts are drawn.
  const inChart = (el: unknown) => el instanceof Element && el.closest('[data-widget-id] div[role="img"]') !== null;
  for (const prop of ['offsetLeft', 'offsetTop'] as const) {
    const own = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
    if (!own?.get) continue;
    const get = own.get;
    Object.defineProperty(HTMLElement.prototype, prop, {
      ...own,
      get(this: HTMLElement) {
        if (inChart(this)) reads.count++;
        return get.call(this);
      },
    });
  }
  const computed = window.getComputedStyle.bind(window);
  window.getComputedStyle = (el: Element, pseudo?: string | null) => {
    if (inChart(el)) reads.count++;
    return computed(el, pseudo);
  };
}

async function overviewAddress(page: Page): Promise<string> {
  await openDemoDashboard(page);
  return page.url().split('?')[0] ?? '';
}

test('a dashboard opened by its address uses the early requests and no chart reads its own size', async ({
  page,
  context,
}) => {
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  const address = await overviewAddress(page);
  const filters = JSON.stringify([{ field: 'age', op: 'ge', value: 30 }]);

  const tab = await context.newPage();
  await tab.addInitScript(countChartSizeReads);
  const asked: string[] = [];
  const errors: string[] = [];
  // The tab's requests, its worker's included (the first tab may refetch on focus). The page's own
  // address (`/studies/…/dashboards/…`, the HTML document) is not the dashboard's document
  // (`/api/studies/…/dashboards/…`): counted together they looked like the dashboard asked for twice.
  context.on('request', (request) => {
    if (request.frame().page() !== tab || request.resourceType() === 'document') return;
    const { pathname } = new URL(request.url());
    if (/^\/api\/(auth\/refresh|me)$|\/dashboards\/[^/]+(\/data)?$/.test(pathname)) asked.push(pathname);
  });
  tab.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  tab.on('pageerror', (error) => errors.push(error.message));
  await tab.goto(`${address}?f=${encodeURIComponent(filters)}`);

  const widgets = tab.locator('[data-widget-id]');
  await expect(widgets).toHaveCount(12);
  await expect(tab.locator('[data-widget-id][data-state="loading"]')).toHaveCount(0, { timeout: 30_000 });
  await expect(tab.locator('[data-widget-id][data-state="ready"]')).toHaveCount(12);
  // The age filter applies: the headline is drawn from the filtered page data.
  await expect(tab.locator('[data-filter-chip="age"]')).toBeVisible();

  const marks = await tab.evaluate(() =>
    performance.getEntriesByType('mark').map((m) => m.name.replace(/^cdp-early /, '')),
  );
  expect(marks).toContain('refresh');
  expect(marks).toContain('application/json /api/me');
  expect(marks.some((m) => /^application\/json \/api\/studies\/[^/]+\/dashboards\/[^/?]+$/.test(m))).toBe(true);
  expect(
    marks.some((m) => /^application\/x-ndjson \/api\/studies\/[^/]+\/dashboards\/[^/]+\/data\?filters=/.test(m)),
  ).toBe(true);
  // Each asked for once: the app took the early answers rather than asking again.
  const count = (re: RegExp) => asked.filter((p) => re.test(p)).length;
  expect(count(/^\/api\/auth\/refresh$/)).toBe(1);
  expect(count(/^\/api\/me$/)).toBe(1);
  expect(count(/\/dashboards\/[^/]+\/data$/)).toBe(1);
  expect(count(/^\/api\/studies\/[^/]+\/dashboards\/[^/]+$/), 'the dashboard document').toBe(1);

  const reads = await tab.evaluate(
    () => (window as unknown as { chartSizeReads: { count: number } }).chartSizeReads.count,
  );
  expect(reads, 'reads of a chart element’s size, offsets or computed style').toBe(0);
  expect(errors).toEqual([]);

  // The tooltip is made when a pointer first comes over a chart, and shows.
  const trend = tab.locator('[data-widget-id="enrollment-trend"] div[role="img"]');
  const box = await trend.boundingBox();
  if (!box) throw new Error('the enrollment trend has no box');
  await tab.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await tab.mouse.move(box.x + box.width / 2 + 4, box.y + box.height / 2);
  await expect(trend.locator(':scope > div').filter({ hasText: /\d/ }).last()).toBeVisible();

  // The session survives: a reload in the same tab restores it again through the early refresh,
  // and asks for each thing once again.
  asked.length = 0;
  await tab.reload();
  await expect(tab.locator('[data-widget-id][data-state="ready"]')).toHaveCount(12, { timeout: 30_000 });
  await expect(tab).not.toHaveURL(/\/login/);
  expect(count(/^\/api\/studies\/[^/]+\/dashboards\/[^/]+$/), 'the dashboard document after a reload').toBe(1);
  expect(count(/\/dashboards\/[^/]+\/data$/)).toBe(1);
});

test('the code a dashboard visit runs is marked for eager compilation', async ({ page }) => {
  // V8 compiles a function on its first call, on the main thread, and its code cache keeps only
  // what was compiled when the cache was made: without the hint every visit, warm ones too,
  // compiled ECharts' and React's code again while drawing (`compileHints` in build-plugins.ts).
  const scripts = new Map<string, Promise<string>>();
  page.on('response', (response) => {
    if (response.request().resourceType() !== 'script') return;
    const { pathname } = new URL(response.url());
    if (pathname.startsWith('/assets/')) scripts.set(pathname, response.text());
  });
  await signIn(page, 'manager@demo.cdp.local', DEMO_PASSWORD);
  const address = await overviewAddress(page);
  // The visit by its address alone (signing in and the way to the dashboard load other pages).
  scripts.clear();
  await page.goto(address);
  await expect(page.locator('[data-widget-id][data-state="ready"]')).toHaveCount(12, { timeout: 30_000 });

  const loaded = [...scripts.keys()];
  expect(
    loaded.some((p) => /\/echarts-[^/]+\.js$/.test(p)),
    'the ECharts chunk',
  ).toBe(true);
  const unmarked: string[] = [];
  for (const [pathname, body] of scripts) {
    // The early-requests script runs once, before the bundle, and is a few lines; the world map's
    // chunks load only with a map and are mostly its geometry.
    if (/\/(early|world)-[^/]+\.js$/.test(pathname)) continue;
    if (!(await body).startsWith('//# allFunctionsCalledOnLoad\n')) unmarked.push(pathname);
  }
  expect(unmarked).toEqual([]);

  // Code of other pages stays out of a dashboard visit (vite.config.ts, lazy routes): the builder's
  // drag-and-drop grid, the chart types only the patient profile draws, the profile itself, and
  // the data and settings pages.
  const foreign = loaded.filter((p) =>
    /\/(grid-layout|echarts-profile|study-subject-page|study-data-page|study-dataset-page|study-data-compare-page|data-sources-page|settings-page)-[^/]+\.js$/.test(
      p,
    ),
  );
  expect(foreign, 'other pages’ code loaded by a dashboard visit').toEqual([]);
});
