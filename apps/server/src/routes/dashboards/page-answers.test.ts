import type { Dashboard, DashboardPageData, WidgetDataResponse } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingUser } from '../../../test/api-key-session.ts';
import type { Session, Tenant, TestApp } from '../../../test/harness.ts';
import { type GeneratedVersion, type OverviewStudy, overviewStudy, subjectsIn } from '../../../test/overview-study.ts';
import { queryCacheTotal } from '../../lib/metrics.ts';

/*
 * The page-data route (`GET …/dashboards/:did/data`) answers through the kept widget answers
 * (`runKeptDashboardPage`): a warm page is the kept bytes, equal to what is computed, shared with
 * the widget route, following the active version, and never keeping an answer that read PHI in clear.
 */

let t: TestApp;
let tenant: Tenant;
let monitor: Session;
let studyId: string;
let dashboard: Dashboard;
let versions: GeneratedVersion[];
let study: OverviewStudy;

type Page = DashboardPageData['data'];
type Widget = Page['widgets'][number];

const base = () => `/api/studies/${studyId}/dashboards/${dashboard.id}`;

async function page(session: Session): Promise<Page> {
  const res = await t.request(session, { method: 'GET', url: `${base()}/data` });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return (res.json() as DashboardPageData).data;
}

/** The NDJSON answer: its head and widget lines, in the order written. */
async function streamed(session: Session) {
  const res = await t.request(session, {
    method: 'GET',
    url: `${base()}/data`,
    headers: { accept: 'application/x-ndjson' },
  });
  expect(res.statusCode, res.body).toBe(200);
  const lines = res.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>);
  return { head: lines[0], widgets: lines.slice(1).map(({ type: _type, ...w }) => w as Widget) };
}

const dataOf = (widgets: Widget[], id: string): WidgetDataResponse => {
  const widget = widgets.find((w) => w.id === id);
  if (!widget || !('data' in widget)) throw new Error(`widget ${id} has no data: ${JSON.stringify(widget)}`);
  return widget.data;
};

/** `meta.cached` and `meta.ms` say how one answer was made; everything else must be equal. */
function comparable(widget: Widget) {
  if (!('data' in widget)) return widget;
  const { cached: _cached, ms: _ms, ...meta } = widget.data.meta;
  return { ...widget, data: { ...widget.data, meta } };
}

/** Query-engine runs of widgets so far, cached or not (`runWidget` counts each): a kept answer makes none. */
async function engineRuns(): Promise<number> {
  return (await queryCacheTotal.get()).values.reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  study = await overviewStudy();
  ({ t, tenant, monitor, studyId, dashboard, versions } = study);
});
afterAll(() => t.close());

describe('page data through the kept widget answers', () => {
  it('answers a warm page from the kept bytes, equal to the computed page, the stream and each widget route', async () => {
    const computed = await page(monitor);
    const answered = computed.widgets.filter((w) => 'data' in w);
    expect(answered.length).toBeGreaterThan(3);
    const runs = await engineRuns();
    const warm = await page(monitor);
    expect(await engineRuns()).toBe(runs);
    expect(warm.widgetIds).toEqual(computed.widgetIds);
    // Every answer of the warm page is a kept one: no DuckDB work, no widget resolved again.
    for (const widget of warm.widgets.filter((w) => 'data' in w)) {
      expect('data' in widget && widget.data.meta.cached, widget.id).toBe(true);
    }
    expect(warm.widgets.map(comparable)).toEqual(computed.widgets.map(comparable));
    expect(dataOf(warm.widgets, 'total-screened').metric?.value).toBe(await subjectsIn(versions[0]?.dm ?? ''));

    const stream = await streamed(monitor);
    expect(stream.head).toMatchObject({ type: 'head', dataVersionId: versions[0]?.id, widgetIds: computed.widgetIds });
    const byId = (widgets: Widget[]) => [...widgets].sort((a, b) => a.id.localeCompare(b.id)).map(comparable);
    expect(byId(stream.widgets)).toEqual(byId(computed.widgets));

    // The widget route reads the same kept answer: a page warms its widgets.
    for (const widget of answered) {
      const res = await t.request(monitor, { method: 'GET', url: `${base()}/widgets/${widget.id}/data` });
      expect(res.statusCode, res.body).toBe(200);
      const one = res.json() as WidgetDataResponse;
      expect(one.meta.cached, widget.id).toBe(true);
      expect(comparable({ id: widget.id, data: one })).toEqual(comparable(widget));
    }
    expect(await engineRuns()).toBe(runs);
  });

  it('follows the active version: activate another, then roll back', async () => {
    const [first] = versions;
    if (!first) throw new Error('no first version');
    await page(monitor);
    const second = await study.load({ subjects: 45, seed: 2 });
    await study.activate(second.id, 'newer cut');
    const activated = await page(monitor);
    expect(activated.dataVersionId).toBe(second.id);
    expect(dataOf(activated.widgets, 'total-screened').metric?.value).toBe(await subjectsIn(second.dm));
    expect(await subjectsIn(second.dm)).not.toBe(await subjectsIn(first.dm));
    await study.activate(first.id, 'wrong cut');
    const rolledBack = await page(monitor);
    expect(rolledBack.dataVersionId).toBe(first.id);
    expect(dataOf(rolledBack.widgets, 'total-screened').metric?.value).toBe(await subjectsIn(first.dm));
  });

  it('keeps a masked reader’s page from a cleared reader, and logs every clear read of the page', async () => {
    await study.classifyPhi('DM', 'RACE');
    const masked = await tenant.as('clinical_monitor');
    const cleared = await everythingUser(t, tenant);
    const logged = () => study.phiReadsOf(cleared.user.id);

    await page(masked);
    const hidden = await page(masked);
    const hiddenDemographics = dataOf(hidden.widgets, 'demographics');
    expect(hiddenDemographics.meta.cached).toBe(true);
    expect(JSON.stringify(hiddenDemographics.rows)).toContain('[PHI]');
    expect(JSON.stringify(hiddenDemographics.rows)).not.toContain('WHITE');

    const before = await logged();
    const clear = await page(cleared);
    const clearDemographics = dataOf(clear.widgets, 'demographics');
    expect(JSON.stringify(clearDemographics.rows)).toContain('WHITE');
    expect(JSON.stringify(clearDemographics.rows)).not.toContain('[PHI]');
    const firstReads = (await logged()) - before;
    expect(firstReads).toBeGreaterThan(0);
    // Again: computed and logged again, never kept.
    const runs = await engineRuns();
    const clearAgain = await page(cleared);
    expect(await engineRuns()).toBeGreaterThan(runs);
    expect(dataOf(clearAgain.widgets, 'demographics').rows).toEqual(clearDemographics.rows);
    expect((await logged()) - before).toBe(2 * firstReads);
    // The masked reader still gets the masked page after the cleared one.
    expect(dataOf((await page(masked)).widgets, 'demographics').rows).toEqual(hiddenDemographics.rows);
  });

  it('is never answered to another organization', async () => {
    await page(monitor);
    const other = await (await t.tenant()).as('org_admin');
    const foreign = await t.request(other, { method: 'GET', url: `${base()}/data` });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('"metric"');
  });
});
