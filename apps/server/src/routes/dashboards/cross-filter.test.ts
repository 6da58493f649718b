import type { Dashboard, SubjectListing, WidgetDataResponse } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { parquetSql, storedDatasetFiles } from '../../../test/stored-datasets.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/*
 * A cross-filter on an event field (a clicked AE body system) reaches every widget with a subject
 * id: widgets that do not map the field are restricted to the subjects who have such an event, and
 * the dashboard's own filters (the arm) still hold. Expected numbers come from plain SQL over the
 * stored Parquet files, written apart from the widget and query code.
 */

let t: TestApp;
let monitor: Session;
let studyId: string;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

const base = () => `/api/studies/${studyId}/dashboards/${dashboard.id}`;
const q = (filters: unknown[]) => `filters=${encodeURIComponent(JSON.stringify(filters))}`;

async function data(widgetId: string, filters: unknown[]): Promise<WidgetDataResponse> {
  const res = await t.request(monitor, { method: 'GET', url: `${base()}/widgets/${widgetId}/data?${q(filters)}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

function mappingOf(widgetId: string): Record<string, string> {
  const widget = dashboard.document.pages.map((p) => p.widgets[widgetId]).find(Boolean);
  if (!widget) throw new Error(`no widget ${widgetId}`);
  return widget.data.mapping;
}

beforeAll(async () => {
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  const orgId = tenant.org.id;
  const manager = await tenant.as('study_manager');
  monitor = await tenant.as('clinical_monitor');
  await loadGeneratedVersion(t.ctx, { id: studyId, orgId }, { subjects: 120, sites: 6, seed: 11, studyId: 'T-X' });
  const created = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Overview', templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  dashboard = created.json().data;

  ({ sql, close: closeDuck } = await parquetSql(await storedDatasetFiles(t, studyId), ['DM', 'AE', 'LB'], {
    numbers: true,
  }));
});
afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

describe('a cross-filter on an AE body system, with a Treatment arm filter set', () => {
  let arm: string;
  let soc: string;
  let filters: unknown[];

  beforeAll(async () => {
    const armColumn = mappingOf('total-screened').arm;
    expect(armColumn).toBeDefined();
    // The body system with the most subjects in the first arm that has AEs.
    const [first] = (await sql(`
      SELECT dm.${armColumn}, ae.AEBODSYS, count(DISTINCT ae.USUBJID) AS n
        FROM ae JOIN dm USING (USUBJID)
       GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 1`)) as [string, string, number][];
    if (!first) throw new Error('the generated study has no AEs');
    [arm, soc] = first;
    filters = [
      { field: 'arm', op: 'in', value: [arm] },
      { field: 'ae_body_system', op: 'in', value: [soc] },
    ];
  });

  it('restricts a subject-level widget that does not map the body system to subjects with such an event', async () => {
    const armColumn = mappingOf('total-screened').arm;
    const [[expected]] = (await sql(`
      SELECT count(DISTINCT USUBJID) FROM dm
       WHERE ${armColumn} = '${arm}'
         AND USUBJID IN (SELECT USUBJID FROM ae WHERE AEBODSYS = '${soc.replaceAll("'", "''")}')`)) as [[number]];
    const [[armOnly]] = (await sql(`SELECT count(DISTINCT USUBJID) FROM dm WHERE ${armColumn} = '${arm}'`)) as [
      [number],
    ];
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(armOnly);

    const answer = await data('total-screened', filters);
    expect(answer.meta.applied.sort()).toEqual(['ae_body_system', 'arm']);
    expect(answer.meta.ignored).toEqual([]);
    expect(answer.metric?.value).toBe(expected);

    const listing = await data('subject-listing', filters);
    expect(listing.total).toBe(expected);
  });

  it('filters the events of an AE widget that does not map the body system to that body system', async () => {
    expect(mappingOf('total-aes').ae_body_system).toBeUndefined();
    const armColumn = mappingOf('total-aes').arm ?? '';
    const armRef = armColumn.includes('.') ? armColumn.split('.')[1] : armColumn;
    const [[events]] = (await sql(`
      SELECT count(*) FROM ae JOIN dm USING (USUBJID)
       WHERE dm.${armRef} = '${arm}' AND ae.AEBODSYS = '${soc.replaceAll("'", "''")}'`)) as [[number]];
    const answer = await data('total-aes', filters);
    expect(answer.meta.ignored).toEqual([]);
    expect(answer.metric?.value).toBe(events);
  });

  it('restricts a lab widget to the subjects with such an event', async () => {
    const answer = await data('alt-by-visit', filters);
    expect(answer.meta.ignored).toEqual([]);
    const unfiltered = await data('alt-by-visit', [filters[0]]);
    expect(JSON.stringify(answer.rows)).not.toEqual(JSON.stringify(unfiltered.rows));
  });

  it('drills to the same subjects', async () => {
    const armColumn = mappingOf('total-screened').arm;
    const expected = (
      (await sql(`
      SELECT DISTINCT USUBJID FROM dm
       WHERE ${armColumn} = '${arm}'
         AND USUBJID IN (SELECT USUBJID FROM ae WHERE AEBODSYS = '${soc.replaceAll("'", "''")}')
       ORDER BY 1`)) as [string][]
    ).map(([id]) => id);
    const res = await t.request(monitor, {
      method: 'GET',
      url: `${base()}/widgets/total-screened/subjects?${q(filters)}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const listing = res.json() as SubjectListing;
    expect(listing.total).toBe(expected.length);
    expect(listing.rows.map((r) => r[0])).toEqual(expected);
  });

  it('still ignores a field no widget of the dashboard maps', async () => {
    const answer = await data('total-screened', [{ field: 'pk_parameter', op: 'eq', value: 'AUC' }]);
    expect(answer.meta.ignored).toEqual(['pk_parameter']);
  });
});
