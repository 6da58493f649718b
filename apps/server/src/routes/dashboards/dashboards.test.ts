import {
  type Dashboard,
  type DashboardDocument,
  DashboardList,
  type WidgetDataResponse,
  type WidgetDefinition,
} from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { presentDashboardSummary } from '../../presenters/dashboard.ts';
import { listDashboards } from '../../repositories/dashboards.repo.ts';
import { seedDemoDashboard } from '../../seed/demo-dashboard.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

let t: TestApp;
let manager: Session;
let monitor: Session;
let studyId: string;
let orgId: string;

const base = () => `/api/studies/${studyId}/dashboards`;

async function createFromTemplate(name = 'Overview'): Promise<Dashboard> {
  const res = await t.request(manager, {
    method: 'POST',
    url: base(),
    payload: { name, templateId: 'clinical-study-overview' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function widgetData(dashboard: Dashboard, widgetId: string, filters: unknown[] = [], session = monitor) {
  const query = filters.length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
  return t.request(session, { method: 'GET', url: `${base()}/${dashboard.id}/widgets/${widgetId}/data${query}` });
}

function metricOf(res: { statusCode: number; body: string; json(): unknown }): number {
  expect(res.statusCode, res.body).toBe(200);
  const value = (res.json() as WidgetDataResponse).metric?.value;
  expect(value).toBeTypeOf('number');
  return value as number;
}

function withTitle(document: DashboardDocument, title: string): DashboardDocument {
  const copy = structuredClone(document);
  const [first] = copy.pages;
  if (first) first.title = title;
  return copy;
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
  monitor = await tenant.as('clinical_monitor');
  await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 120, sites: 6, seed: 7, studyId: 'T-1' });
});
afterAll(() => t.close());

describe('templates and the widget library', () => {
  it('lists the built-in Clinical Study Overview with its four pages and twelve Overview widgets', async () => {
    const res = await t.request(monitor, { method: 'GET', url: '/api/dashboard-templates' });
    expect(res.statusCode, res.body).toBe(200);
    const template = res.json().data.find((item: { id: string }) => item.id === 'clinical-study-overview');
    expect(template.scope).toBe('builtin');
    expect(template.pages.map((p: { title: string }) => p.title)).toEqual([
      'Overview',
      'Enrollment',
      'Safety',
      'Subjects',
    ]);
    expect(template.pages[0].widgets).toBe(12);
  });

  it('lists every widget type with its fields and an options JSON schema', async () => {
    const res = await t.request(monitor, { method: 'GET', url: '/api/widget-types' });
    expect(res.statusCode, res.body).toBe(200);
    const types = res.json().data as Array<{ type: string; fields: unknown[]; optionsSchema: { type?: string } }>;
    const ids = types.map((x) => x.type);
    for (const id of [
      'metric',
      'bar',
      'line',
      'pie',
      'scatter',
      'box-plot',
      'histogram',
      'table',
      'pivot',
      'demographics',
      'ae-incidence',
      'total-screened',
      'screen-failures',
      'total-aes',
      'serious-aes',
      'enrollment-trend',
      'ae-timeline',
      'site-summary',
      'subject-listing',
      'site-map',
      'subject-flow',
    ]) {
      expect(ids, id).toContain(id);
    }
    for (const type of types) expect(type.optionsSchema.type, type.type).toBe('object');
  });
});

describe('a dashboard from the template on generated SDTM data', () => {
  let dashboard: Dashboard;

  beforeAll(async () => {
    dashboard = await createFromTemplate();
  });

  it('is fully mapped and audited', async () => {
    expect(dashboard.unmapped).toEqual([]);
    expect(dashboard.version).toBe(1);
    const { rows } = await t.admin.query(
      `select action, new_values from audit_events where org_id = $1 and resource_id = $2`,
      [orgId, dashboard.id],
    );
    expect(rows).toEqual([expect.objectContaining({ action: 'dashboard.created' })]);
  });

  it('draws every widget of every page', async () => {
    for (const page of dashboard.document.pages) {
      for (const [id, widget] of Object.entries(page.widgets)) {
        const res = await widgetData(dashboard, id);
        expect(res.statusCode, `${page.title} / ${widget.title}: ${res.body}`).toBe(200);
        const data = res.json() as WidgetDataResponse;
        expect(data.rows.length + (data.metric ? 1 : 0), `${widget.title} has data`).toBeGreaterThan(0);
        expect(data.meta.versionId).toBe(dashboard.activeVersionId);
      }
    }
  });

  it('applies an arm filter to widgets that map the arm, and says which ignore it', async () => {
    const all = metricOf(await widgetData(dashboard, 'total-screened'));
    const values = await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}/filters/arm/values` });
    expect(values.statusCode, values.body).toBe(200);
    const arms = values.json().values as Array<{ value: string; count: number }>;
    expect(arms.length).toBeGreaterThanOrEqual(3);
    expect(arms.reduce((sum, a) => sum + a.count, 0)).toBe(all);
    const placebo = arms.find((a) => a.value === 'Placebo');
    expect(placebo).toBeDefined();
    const filtered = await widgetData(dashboard, 'total-screened', [{ field: 'arm', op: 'in', value: ['Placebo'] }]);
    expect(metricOf(filtered)).toBe(placebo?.count);
    expect((filtered.json() as WidgetDataResponse).meta.applied).toEqual(['arm']);

    const aes = metricOf(await widgetData(dashboard, 'total-aes'));
    const placeboAes = metricOf(
      await widgetData(dashboard, 'total-aes', [{ field: 'arm', op: 'in', value: ['Placebo'] }]),
    );
    expect(placeboAes).toBeGreaterThan(0);
    expect(placeboAes).toBeLessThan(aes);

    const unknown = await widgetData(dashboard, 'total-screened', [{ field: 'pk_parameter', op: 'eq', value: 'x' }]);
    expect((unknown.json() as WidgetDataResponse).meta.ignored).toEqual(['pk_parameter']);
  });

  it('pages and sorts a listing on the server', async () => {
    const url = (query: string) => `${base()}/${dashboard.id}/widgets/subject-listing/data${query}`;
    const first = (await t.request(monitor, { method: 'GET', url: url('') })).json() as WidgetDataResponse;
    expect(first.total).toBe(120);
    expect(first.rows).toHaveLength(50);
    const third = (await t.request(monitor, { method: 'GET', url: url('?offset=100') })).json() as WidgetDataResponse;
    expect(third.rows).toHaveLength(20);
    expect(third.rows[0]).not.toEqual(first.rows[0]);
    const byAge = (await t.request(monitor, { method: 'GET', url: url('?sort=-age') })).json() as WidgetDataResponse;
    const age = byAge.columns.findIndex((c) => c.name === 'age');
    const ages = byAge.rows.map((row) => row[age] as number);
    expect(ages).toEqual([...ages].sort((a, b) => b - a));
    const bad = await t.request(monitor, { method: 'GET', url: url('?sort=-AEOUT;drop') });
    expect(bad.statusCode).toBe(400);
  });

  it('answers the second request for the same data from the cache', async () => {
    const filters = [{ field: 'sex', op: 'in', value: ['F'] }];
    await widgetData(dashboard, 'demographics', filters);
    const again = await widgetData(dashboard, 'demographics', filters);
    expect((again.json() as WidgetDataResponse).meta.cached).toBe(true);
  });

  it('drills from a bar of the AE chart to the subjects behind it', async () => {
    const res = await widgetData(dashboard, 'ae-by-soc');
    const data = res.json() as WidgetDataResponse;
    const categoryColumn = data.columns.findIndex((c) => c.field === 'category');
    expect(categoryColumn).toBeGreaterThanOrEqual(0);
    const soc = data.rows[0]?.[categoryColumn] as string;
    const drill = await t.request(monitor, {
      method: 'GET',
      url: `${base()}/${dashboard.id}/widgets/ae-by-soc/subjects?point=${encodeURIComponent(JSON.stringify({ category: soc }))}`,
    });
    expect(drill.statusCode, drill.body).toBe(200);
    const listing = drill.json();
    expect(listing.total).toBeGreaterThan(0);
    expect(listing.description).toContain(soc);
    expect(listing.columns.map((c: { name: string }) => c.name)).toContain('subject_id');

    // The same subjects, counted independently from the AE dataset's own rows.
    const subjects = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${dashboard.activeVersionId}/datasets/AE/rows?limit=1000&filter=${encodeURIComponent(
        JSON.stringify([{ column: 'AEBODSYS', op: 'eq', value: soc }]),
      )}`,
    });
    const ids = new Set(
      (subjects.json().rows as unknown[][]).map(
        (row) => row[subjects.json().columns.findIndex((c: { name: string }) => c.name === 'USUBJID')],
      ),
    );
    expect(listing.total).toBe(ids.size);
  });

  it('refuses a drill on a field the widget does not have', async () => {
    const res = await t.request(monitor, {
      method: 'GET',
      url: `${base()}/${dashboard.id}/widgets/ae-by-soc/subjects?point=${encodeURIComponent(JSON.stringify({ lab_test: 'ALT' }))}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('lab_test');
  });
});

describe('saving, versions and concurrency', () => {
  let dashboard: Dashboard;

  beforeAll(async () => {
    dashboard = await createFromTemplate('Versioned');
  });

  it('saves a new version; a save made on an older version is a 409 and changes nothing', async () => {
    // The list keeps each saved version's document parsed: listed before and after the save, it
    // shows the new version's pages at once, as the drizzle read and presenter it replaced give.
    const listed = async () => {
      const res = await t.request(monitor, { method: 'GET', url: base() });
      expect(res.statusCode, res.body).toBe(200);
      const rows = await t.ctx.database.tenant(orgId, (tx) => listDashboards(tx, orgId, studyId));
      expect(res.json()).toEqual(DashboardList.parse({ data: rows.map((row) => presentDashboardSummary(row)) }));
      return (res.json() as DashboardList).data.find((d) => d.id === dashboard.id);
    };
    expect(await listed()).toMatchObject({ version: 1, pages: [{ title: 'Overview' }, {}, {}, {}] });
    const first = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${dashboard.id}`,
      payload: { version: 1, document: withTitle(dashboard.document, 'Summary'), comment: 'Renamed the first page' },
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toMatchObject({ version: 2, pages: [{ title: 'Summary' }, {}, {}, {}] });
    expect(await listed()).toMatchObject({ version: 2, pages: [{ title: 'Summary' }, {}, {}, {}] });

    const stale = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${dashboard.id}`,
      payload: { version: 1, document: withTitle(dashboard.document, 'Clobbered') },
    });
    expect(stale.statusCode, stale.body).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 2 } });

    const now = await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}` });
    expect(now.json().data).toMatchObject({ version: 2, pages: [{ title: 'Summary' }, {}, {}, {}] });
  });

  it('keeps every version, diffs two and restores an old one as a new version', async () => {
    const list = await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}/versions` });
    expect(list.json().data.map((v: { version: number; comment: string | null }) => [v.version, v.comment])).toEqual([
      [2, 'Renamed the first page'],
      [1, 'Created from template clinical-study-overview'],
    ]);
    const diff = await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}/diff?from=1&to=2` });
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json().pages.renamed).toEqual([{ id: 'overview', from: 'Overview', to: 'Summary' }]);
    expect(diff.json().widgets.changed).toEqual([]);

    const restored = await t.request(manager, {
      method: 'POST',
      url: `${base()}/${dashboard.id}/versions/1/restore`,
      payload: { version: 2 },
    });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().data).toMatchObject({ version: 3, pages: [{ title: 'Overview' }, {}, {}, {}] });
    const { rows } = await t.admin.query(
      `select action from audit_events where org_id = $1 and resource_id = $2 order by seq`,
      [orgId, dashboard.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['dashboard.created', 'dashboard.updated', 'dashboard.restored']);
  });

  it('refuses an invalid document, naming where it is wrong, and saves nothing', async () => {
    const broken = structuredClone(dashboard.document);
    const placed = broken.pages[0]?.layout[0];
    if (placed) placed.w = 40;
    const res = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${dashboard.id}`,
      payload: { version: 3, document: broken },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('body.document.pages.0.layout.0.w');

    const unknownType = structuredClone(dashboard.document);
    const first = Object.values(unknownType.pages[0]?.widgets ?? {})[0] as WidgetDefinition;
    first.type = 'crystal-ball';
    const res2 = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${dashboard.id}`,
      payload: { version: 3, document: unknownType },
    });
    expect(res2.statusCode).toBe(400);
    expect(res2.json().error.message).toContain('unknown widget type "crystal-ball"');
    const now = await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}` });
    expect(now.json().data.version).toBe(3);
  });

  it('reads a schemaVersion 1 document and stores it at the current version', async () => {
    const v1 = {
      schemaVersion: 1,
      filters: ['arm'],
      pages: [{ id: 'p1', title: 'Old', layout: [], widgets: {} }],
    };
    const res = await t.request(manager, { method: 'POST', url: base(), payload: { name: 'Imported', document: v1 } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().data.document).toMatchObject({
      schemaVersion: 2,
      filters: [{ id: 'arm', field: 'arm', label: 'Treatment arm', kind: 'multi' }],
    });
  });

  it('lets a monitor view but not edit, and deletes keeping the history', async () => {
    const edit = await t.request(monitor, {
      method: 'PUT',
      url: `${base()}/${dashboard.id}`,
      payload: { version: 3, document: dashboard.document },
    });
    expect(edit.statusCode).toBe(403);
    const gone = await t.request(manager, { method: 'DELETE', url: `${base()}/${dashboard.id}` });
    expect(gone.statusCode, gone.body).toBe(204);
    expect((await t.request(monitor, { method: 'GET', url: `${base()}/${dashboard.id}` })).statusCode).toBe(404);
    const list = await t.request(monitor, { method: 'GET', url: base() });
    expect(list.json().data.map((d: { id: string }) => d.id)).not.toContain(dashboard.id);
    const { rows } = await t.admin.query('select count(*)::int as n from dashboard_versions where dashboard_id = $1', [
      dashboard.id,
    ]);
    expect(rows[0].n).toBe(3);
  });
});

describe('the builder endpoints', () => {
  const bar: WidgetDefinition = {
    type: 'bar',
    title: 'AEs by severity',
    optionsVersion: 1,
    options: {},
    data: { dataset: 'AE', population: 'DM', mapping: {}, filters: [] },
  };

  it('suggests a mapping from the CDISC names, with confidence', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/suggest`,
      payload: { type: 'ae-incidence', extraFields: ['arm', 'sex'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ dataset: 'AE', population: 'DM' });
    expect(body.mapping).toMatchObject({
      subject_id: 'USUBJID',
      ae_term: 'AEDECOD',
      ae_body_system: 'AEBODSYS',
      arm: 'DM.ARM',
      sex: 'DM.SEX',
    });
    expect(body.suggestions.find((s: { field: string }) => s.field === 'ae_term').confidence).toBe(1);
    expect(body.report.coverage).toBe(1);
  });

  it('previews an unmapped widget with the reason and a mapped one with its data and sample rows', async () => {
    const empty = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: { widget: bar },
    });
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toMatchObject({ data: null, report: { coverage: 0 } });
    expect(empty.json().error).toMatch(/Map /);

    const mapped = {
      ...bar,
      data: { ...bar.data, mapping: { subject_id: 'USUBJID', category: 'AESEV', series: 'DM.ARM' } },
    };
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: { widget: mapped },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.error).toBeNull();
    expect(body.data.chart).toBeDefined();
    expect(body.data.rows.length).toBeGreaterThan(0);
    expect(body.sample.columns.map((c: { name: string }) => c.name)).toEqual(['subject_id', 'category', 'series']);
    expect(body.sample.rows.length).toBe(20);
  });

  it('reports a type mismatch in words', async () => {
    const wrong = { ...bar, type: 'histogram', data: { ...bar.data, mapping: { value: 'AESEV' } } };
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: { widget: wrong },
    });
    expect(res.json().report.issues).toEqual([
      expect.objectContaining({
        field: 'value',
        kind: 'type-mismatch',
        message: expect.stringContaining('AE.AESEV is string'),
      }),
    ]);
  });

  it('saves a dashboard as an organization template and creates a dashboard from it', async () => {
    const source = await createFromTemplate('Template source');
    const res = await t.request(manager, {
      method: 'POST',
      url: '/api/dashboard-templates',
      payload: { name: 'Our safety review', description: 'House style', studyId, dashboardId: source.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    const template = res.json().data;
    expect(template).toMatchObject({ scope: 'organization', name: 'Our safety review' });
    const created = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: { name: 'From ours', templateId: template.id },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().data.document).toEqual(source.document);
  });
});

describe('the demo study dashboard', () => {
  it('is created once, fully mapped, when the demo data is there', async () => {
    const tenant = await t.tenant();
    await loadGeneratedVersion(
      t.ctx,
      { id: tenant.study.id, orgId: tenant.org.id },
      { subjects: 60, sites: 3, seed: 3, studyId: 'D-1' },
    );
    const { rows } = await t.admin.query('select active_data_version_id from studies where id = $1', [tenant.study.id]);
    const study = { id: tenant.study.id, orgId: tenant.org.id, activeDataVersionId: rows[0].active_data_version_id };
    expect(await seedDemoDashboard(t.ctx, study)).toEqual({ created: true, unmapped: [] });
    expect(await seedDemoDashboard(t.ctx, study)).toEqual({ created: false, unmapped: [] });
    const seeded = await t.admin.query('select template_id from dashboards where study_id = $1 order by created_at', [
      tenant.study.id,
    ]);
    expect(seeded.rows.map((r) => r.template_id)).toEqual([
      'clinical-study-overview',
      'site-monitoring',
      'safety-review',
    ]);
  });
});
