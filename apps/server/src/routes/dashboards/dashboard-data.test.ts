import type { Dashboard, DashboardDataLine, DashboardPageData, WidgetDataResponse } from '@cdp/contracts';
import { hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, Tenant, TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';

/*
 * `GET /api/studies/:id/dashboards/:did/data`: a whole page's data in one request, on the CDISC
 * pilot's original SDTM uploaded as a user would. Every answer must equal what the per-widget
 * endpoint gives for the same widget and filters, and the headline numbers under a filter are
 * checked against plain DuckDB SQL over the stored Parquet files.
 */

const hasData = hasSharedData('the dashboard page data tests', 'cdiscpilot01', 'sdtm-original', 'dm.xpt');

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let studyId: string;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

type PageAnswer = DashboardPageData['data'];

const base = () => `/api/studies/${studyId}/dashboards/${dashboard.id}`;

function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function pageData(params: { filters?: unknown; page?: string } = {}, session = manager): Promise<PageAnswer> {
  const res = await t.request(session, { method: 'GET', url: `${base()}/data${query(params)}` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as DashboardPageData).data;
}

/** The per-widget endpoint's answer, or its error envelope. */
async function oneWidget(id: string, filters: unknown[]) {
  const res = await t.request(manager, { method: 'GET', url: `${base()}/widgets/${id}/data${query({ filters })}` });
  return {
    status: res.statusCode,
    body: res.json() as WidgetDataResponse | { error: { code: string; message: string } },
  };
}

/** `meta.cached` and `meta.ms` say how this one answer was made; everything else must be equal. */
function comparable(data: WidgetDataResponse) {
  const { cached: _cached, ms: _ms, ...meta } = data.meta;
  return { ...data, meta };
}

/** Each widget of the page answered as the per-widget endpoint answers it (`drop` lists filters made by that widget). */
async function expectSameAsPerWidget(answer: PageAnswer, filters: { src?: string }[]) {
  expect(answer.widgets.map((w) => w.id)).toEqual(answer.widgetIds);
  for (const widget of answer.widgets) {
    const own = filters.filter((f) => f.src !== widget.id).map(({ src: _src, ...f }) => f);
    const single = await oneWidget(widget.id, own);
    if ('data' in widget) {
      expect(single.status, `${widget.id}: ${JSON.stringify(single.body)}`).toBe(200);
      expect(comparable(widget.data), widget.id).toEqual(comparable(single.body as WidgetDataResponse));
    } else {
      expect(single.status, widget.id).toBe(400);
      expect(widget.error).toMatchObject((single.body as { error: object }).error);
    }
  }
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, tenant, studyId, manager } = pilot);
  dashboard = await pilot.dashboard('Pilot overview', { templateId: 'clinical-study-overview' });
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM', 'AE'], { numbers: true }));
});
afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

describe.skipIf(!hasData)('a dashboard page’s data in one request, on the CDISC pilot SDTM', () => {
  it('answers every widget of the first page as the per-widget endpoint does, the lab widget with its reason', async () => {
    const answer = await pageData();
    expect(answer).toMatchObject({
      dashboardId: dashboard.id,
      dashboardVersion: dashboard.version,
      dataVersionId: dashboard.activeVersionId,
      page: 'overview',
    });
    expect(answer.widgetIds).toEqual(dashboard.document.pages[0]?.layout.map((l) => l.i));
    expect(answer.widgets).toHaveLength(12);
    // The pilot has no LB: that widget says so, the others are drawn.
    const lab = answer.widgets.find((w) => w.id === 'alt-by-visit');
    expect(lab && 'error' in lab ? lab.error : null).toMatchObject({ code: 'INVALID_QUERY' });
    expect(lab && 'error' in lab ? lab.error.message : '').toContain('LB');
    await expectSameAsPerWidget(answer, []);
  });

  it('honours the filters, and a cross-filter does not filter the widget that made it', async () => {
    const filters = [
      { field: 'sex', op: 'in', value: ['F'] },
      { field: 'ae_body_system', op: 'in', value: ['GASTROINTESTINAL DISORDERS'], src: 'ae-by-soc' },
    ];
    const answer = await pageData({ filters });
    await expectSameAsPerWidget(answer, filters);

    const [[women]] = (await sql(`
      SELECT count(DISTINCT USUBJID) FROM dm
       WHERE SEX = 'F' AND USUBJID IN (SELECT USUBJID FROM ae WHERE AEBODSYS = 'GASTROINTESTINAL DISORDERS')`)) as [
      [number],
    ];
    const metric = (id: string) => {
      const widget = answer.widgets.find((w) => w.id === id);
      return widget && 'data' in widget ? widget.data.metric?.value : undefined;
    };
    expect(women).toBeGreaterThan(0);
    expect(metric('total-screened')).toBe(women);
    // The bars that made the cross-filter still show every body system, for women only.
    const bars = answer.widgets.find((w) => w.id === 'ae-by-soc');
    const systems = bars && 'data' in bars ? new Set(bars.data.rows.map((r) => r[0])) : new Set();
    const [[expectedSystems]] = (await sql(`
      SELECT count(DISTINCT AEBODSYS) FROM ae WHERE USUBJID IN (SELECT USUBJID FROM dm WHERE SEX = 'F')`)) as [
      [number],
    ];
    expect(systems.size).toBe(Math.min(expectedSystems, 11));
  });

  it('answers another page by its id, listings at their first page; an unknown page is 404', async () => {
    const answer = await pageData({ page: 'subjects' });
    expect(answer.page).toBe('subjects');
    expect(answer.widgetIds).toEqual(dashboard.document.pages.find((p) => p.id === 'subjects')?.layout.map((l) => l.i));
    await expectSameAsPerWidget(answer, []);
    const res = await t.request(manager, { method: 'GET', url: `${base()}/data?page=nope` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('Page nope');
  });

  it('streams NDJSON when asked: the head first, then each widget once, the same answers as JSON', async () => {
    const filters = [{ field: 'arm', op: 'in', value: ['Placebo'] }];
    const json = await pageData({ filters });
    const res = await t.request(manager, {
      method: 'GET',
      url: `${base()}/data${query({ filters })}`,
      headers: { accept: 'application/x-ndjson' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    expect(res.headers['cache-control']).toBe('no-store');
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DashboardDataLine);
    const [head, ...widgets] = lines;
    const { widgets: _w, ...jsonHead } = json;
    expect(head).toEqual({ type: 'head', ...jsonHead });
    expect(widgets.map((w) => w.type)).toEqual(json.widgetIds.map(() => 'widget'));
    expect(widgets.map((w) => ('id' in w ? w.id : '')).sort()).toEqual([...json.widgetIds].sort());
    for (const line of widgets) {
      if (line.type !== 'widget') continue;
      const same = json.widgets.find((w) => w.id === line.id);
      if ('data' in line && same && 'data' in same) expect(comparable(line.data)).toEqual(comparable(same.data));
      else expect(line).toMatchObject({ type: 'widget', ...same });
    }
  });

  it('refuses filters that are not a JSON list of filters, naming the parameter', async () => {
    for (const filters of ['not json', '[{"field":"arm","op":"like","value":"x"}]', '{"field":"arm"}']) {
      const res = await t.request(manager, {
        method: 'GET',
        url: `${base()}/data?filters=${encodeURIComponent(filters)}`,
      });
      expect(res.statusCode, filters).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.json().error)).toContain('filters');
    }
  });

  it('is 404 to another organization, even to a user holding every permission there', async () => {
    const other = await t.tenant();
    const intruder = await other.as('org_admin');
    const res = await t.request(intruder, { method: 'GET', url: `${base()}/data` });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('total-screened');
  });

  it('is 403 naming dashboard:view:assigned to a user who may see the study but not its dashboards', async () => {
    const admin = await tenant.as('org_admin');
    const role = await t.request(admin, {
      method: 'POST',
      url: '/api/roles',
      payload: { key: 'study_reader', name: 'Study reader', permissions: ['study:view:assigned'] },
    });
    expect(role.statusCode, role.body).toBe(201);
    const reader = await t.user({ orgId: tenant.org.id, role: 'study_reader' });
    const res = await t.request(await t.login(reader.email), { method: 'GET', url: `${base()}/data` });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'FORBIDDEN',
      details: { missingPermission: 'dashboard:view:assigned' },
    });
  });
});
