import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dashboard, WidgetDataResponse, WidgetDefinition } from '@cdp/contracts';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { parquetSql, storedDatasetFiles } from '../../../test/stored-datasets.ts';

/*
 * The clinical widgets on the CDISC pilot's ADaM (adam-tdf ADSL, ADAE and ADLBHY),
 * uploaded as a user would, checked against counts this test computes itself with plain DuckDB SQL
 * over the stored Parquet files: no widget, query-engine or mapping code is used for the expected
 * numbers. The definitions are the usual ones for these tables: the safety population (SAFFL = Y),
 * arms from ADSL.TRT01A, treatment-emergent events (TRTEMFL = Y).
 */

const ADAM = sharedData('cdiscpilot01', 'adam-tdf');
const hasData = hasSharedData('the real-data dashboard tests', 'cdiscpilot01', 'adam-tdf', 'adsl.xpt');

let t: TestApp;
let manager: Session;
let studyId: string;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

type Row = Record<string, unknown>;

/** `[key…, count]` rows as a map (keys joined with " | "). */
function counts(rows: unknown[][]): Map<string, number> {
  return new Map(rows.map((r) => [r.slice(0, -1).map(String).join(' | '), Number(r.at(-1))]));
}

function table(data: WidgetDataResponse): Row[] {
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));
}

async function widget(id: string): Promise<WidgetDataResponse> {
  const res = await t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/${id}/data`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  if (!hasData) return;
  t = await startTestApp();
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
  const zip = buildZip([
    { name: 'adsl.xpt', data: await readFile(path.join(ADAM, 'adsl.xpt')) },
    { name: 'adae.xpt', data: await readFile(path.join(ADAM, 'adae.xpt')) },
    { name: 'adlbhy.xpt', data: await readFile(path.join(ADAM, 'adlbhy.xpt')) },
  ]);
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('adam.zip', zip),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const created = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/dashboards`,
    payload: { name: 'Pilot overview', templateId: 'clinical-study-overview' },
  });
  expect(created.statusCode, created.body).toBe(201);
  dashboard = created.json().data;

  // The stored Parquet files, read by a DuckDB of the test's own; counts (BIGINT) as numbers.
  const files = await storedDatasetFiles(t, studyId);
  ({ sql, close: closeDuck } = await parquetSql(files, ['ADSL', 'ADAE', 'ADLBHY'], { numbers: true }));
});
/** A template widget re-pointed at other data, drawn through the builder's preview. */
async function preview(widgetId: string, data: WidgetDefinition['data']): Promise<WidgetDataResponse> {
  const widget = dashboard.document.pages
    .flatMap((p) => Object.entries(p.widgets))
    .find(([id]) => id === widgetId)?.[1];
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/widgets/preview`,
    payload: { widget: { ...widget, data } },
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.error).toBeNull();
  return body.data;
}

/** Continuous quantile (DuckDB's quantile_cont, R type 7) of sorted values: the test's own reference. */
function quantile(sorted: number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low);
}

afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

describe.skipIf(!hasData)('dashboards on the CDISC pilot ADaM (adam-tdf)', () => {
  it('maps the Demographics and AE-incidence widgets onto ADSL and ADAE with the ADaM variables', () => {
    const widgets = Object.fromEntries(dashboard.document.pages.flatMap((p) => Object.entries(p.widgets)));
    expect(widgets.demographics?.data).toMatchObject({
      dataset: 'ADSL',
      mapping: { subject_id: 'USUBJID', arm: 'TRT01A', sex: 'SEX', age: 'AGE', race: 'RACE', population_flag: 'SAFFL' },
    });
    expect(widgets['ae-incidence']?.data).toMatchObject({
      dataset: 'ADAE',
      population: 'ADSL',
      mapping: {
        subject_id: 'USUBJID',
        ae_term: 'AEDECOD',
        ae_body_system: 'AEBODSYS',
        ae_treatment_emergent: 'TRTEMFL',
      },
    });
    expect(dashboard.unmapped.filter((u) => ['demographics', 'ae-incidence'].includes(u.widgetId))).toEqual([]);
  });

  it('Demographics: arm totals and sex by arm match plain SQL', async () => {
    const expectedN = Object.fromEntries(
      (await sql(`SELECT TRT01A, count(DISTINCT USUBJID) FROM adsl WHERE SAFFL = 'Y' GROUP BY 1`)) as [
        string,
        number,
      ][],
    );
    expect(Object.values(expectedN).reduce((a, b) => a + Number(b), 0)).toBe(254);
    const sexByArm = (await sql(`SELECT TRT01A, SEX, count(*) FROM adsl WHERE SAFFL = 'Y' GROUP BY 1, 2`)) as [
      string,
      string,
      number,
    ][];

    const data = await widget('demographics');
    const rows = table(data);
    const armColumns = data.columns.filter((c) => Object.keys(expectedN).some((arm) => c.label.startsWith(arm)));
    expect(armColumns.length).toBeGreaterThanOrEqual(3);
    const printed = JSON.stringify(rows);
    for (const [arm, n] of Object.entries(expectedN)) {
      expect(data.columns.map((c) => c.label).join(' | '), `a column for ${arm} (N=${n})`).toContain(`${arm} (N=${n})`);
    }
    for (const [arm, sex, n] of sexByArm) {
      const column = data.columns.find((c) => c.label.startsWith(`${arm} (N=`));
      const sexLabel = sex === 'F' ? 'Female' : sex === 'M' ? 'Male' : sex;
      const row = rows.find((r) => JSON.stringify(r).includes(`"${sexLabel}"`) && r.statistic !== undefined);
      expect(row, `a ${sexLabel} row in ${printed.slice(0, 300)}`).toBeDefined();
      expect(String(row?.[column?.name ?? '']), `${sexLabel} in ${arm}`).toMatch(new RegExp(`^${n}\\b`));
    }
  });

  it('AE incidence: subjects with any TEAE by arm, events by arm and each preferred term match plain SQL', async () => {
    const totals = Object.fromEntries(
      (await sql(`SELECT TRT01A, count(DISTINCT USUBJID) FROM adsl WHERE SAFFL = 'Y' GROUP BY 1`)) as [
        string,
        number,
      ][],
    );
    const anyTeae = (await sql(`
      SELECT s.TRT01A, count(DISTINCT e.USUBJID), count(*)
        FROM adae e JOIN adsl s USING (USUBJID)
       WHERE e.TRTEMFL = 'Y' AND s.SAFFL = 'Y'
       GROUP BY 1`)) as [string, number, number][];
    const byTerm = (await sql(`
      SELECT s.TRT01A, e.AEBODSYS, e.AEDECOD, count(DISTINCT e.USUBJID)
        FROM adae e JOIN adsl s USING (USUBJID)
       WHERE e.TRTEMFL = 'Y' AND s.SAFFL = 'Y'
       GROUP BY 1, 2, 3`)) as [string, string, string, number][];

    const data = await widget('ae-incidence');
    const rows = table(data);
    const arms = Object.keys(totals);
    const armColumn = (arm: string, suffix: 'n' | 'pct' | 'events') =>
      data.columns.find((c) => c.label.startsWith(arm) && c.name.endsWith(`_${suffix}`))?.name ??
      `missing ${arm} ${suffix}`;
    const anyRow = rows.find((r) => r.ae_body_system == null && r.ae_term == null);
    expect(anyRow, 'an "any AE" row').toBeDefined();
    for (const [arm, subjects, events] of anyTeae) {
      expect(anyRow?.[armColumn(arm, 'n')], `subjects with any TEAE, ${arm}`).toBe(subjects);
      expect(anyRow?.[armColumn(arm, 'events')], `TEAE events, ${arm}`).toBe(events);
      expect(anyRow?.[armColumn(arm, 'pct')] as number).toBeCloseTo((100 * subjects) / Number(totals[arm]), 1);
    }
    expect(arms.length).toBe(3);
    let checked = 0;
    for (const [arm, soc, term, subjects] of byTerm) {
      const row = rows.find((r) => r.ae_body_system === soc && r.ae_term === term);
      expect(row, `${soc} / ${term}`).toBeDefined();
      expect(row?.[armColumn(arm, 'n')], `${term} in ${arm}`).toBe(subjects);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('ALT by Visit on ADLBHY: visits in AVISITN order, quartiles, Tukey whiskers and outliers as a reference computes them', async () => {
    const visits = (await sql(`
      SELECT AVISIT, min(AVISITN), list(AVAL ORDER BY AVAL)
        FROM adlbhy WHERE PARAMCD = 'ALT' AND AVAL IS NOT NULL GROUP BY AVISIT ORDER BY 2`)) as [
      string,
      number,
      number[],
    ][];
    expect(visits.map(([visit]) => visit)).toEqual([
      'Baseline',
      'Week 2',
      'Week 4',
      'Week 6',
      'Week 8',
      'Week 12',
      'Week 16',
      'Week 20',
      'Week 24',
    ]);
    const data = await preview('alt-by-visit', {
      dataset: 'ADLBHY',
      population: 'ADSL',
      mapping: { subject_id: 'USUBJID', category: 'AVISIT', category_order: 'AVISITN', value: 'AVAL' },
      filters: [{ column: 'PARAMCD', op: 'eq', value: 'ALT' }],
    });
    const rows = table(data);
    expect(rows.map((r) => r.category)).toEqual(visits.map(([visit]) => visit));
    let outliersSeen = 0;
    const distinct = new Map<string, number>();
    for (const [visit, , raw] of visits) {
      const values = raw.map(Number);
      const row = rows.find((r) => r.category === visit);
      const [q1, median, q3] = [0.25, 0.5, 0.75].map((p) => quantile(values, p)) as [number, number, number];
      const low = q1 - 1.5 * (q3 - q1);
      const high = q3 + 1.5 * (q3 - q1);
      const inside = values.filter((v) => v >= low && v <= high);
      const outliers = values.filter((v) => v < low || v > high);
      expect(row?.n, visit).toBe(values.length);
      expect(row?.q1 as number, visit).toBeCloseTo(q1, 9);
      expect(row?.median as number, visit).toBeCloseTo(median, 9);
      expect(row?.q3 as number, visit).toBeCloseTo(q3, 9);
      expect([row?.whisker_low, row?.whisker_high], visit).toEqual([Math.min(...inside), Math.max(...inside)]);
      expect([row?.min, row?.max], visit).toEqual([values[0], values.at(-1)]);
      const listed = row?.outliers === null ? [] : String(row?.outliers).split(', ').map(Number);
      expect(listed, visit).toEqual(outliers);
      outliersSeen += outliers.length;
      for (const v of outliers) distinct.set(`${visit}|${v}`, (distinct.get(`${visit}|${v}`) ?? 0) + 1);
    }
    // ALT is skewed: the pilot has high values beyond the upper fence, which the chart draws as points.
    expect(outliersSeen).toBeGreaterThan(0);
    // One point per distinct (visit, value), carrying how many outliers it stands for.
    const series = (data.chart?.series ?? []) as Array<{ name: string; data: unknown[] }>;
    const points = (series.find((s) => s.name === 'Outliers')?.data ?? []) as Array<{
      value: [string, number];
      count: number;
    }>;
    expect(points).toHaveLength(distinct.size);
    expect(points.reduce((sum, p) => sum + p.count, 0)).toBe(outliersSeen);
    for (const p of points) expect(p.count).toBe(distinct.get(`${p.value[0].split('\n')[0]}|${p.value[1]}`));
  });

  it('ALT Distribution on ADLBHY: rows per bin of 5 U/L', async () => {
    const expected = (await sql(`
      SELECT floor(AVAL / 5) * 5, count(*) FROM adlbhy WHERE PARAMCD = 'ALT' AND AVAL IS NOT NULL GROUP BY 1`)) as [
      number,
      number,
    ][];
    const widget = dashboard.document.pages
      .flatMap((p) => Object.entries(p.widgets))
      .find(([id]) => id === 'alt-distribution')?.[1];
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: {
        widget: {
          ...widget,
          options: { ...widget?.options, binWidth: 5 },
          data: {
            dataset: 'ADLBHY',
            population: 'ADSL',
            mapping: { subject_id: 'USUBJID', value: 'AVAL' },
            filters: [{ column: 'PARAMCD', op: 'eq', value: 'ALT' }],
          },
        },
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const rows = table(res.json().data);
    const byBin = new Map(expected.map(([bin, n]) => [Number(bin), Number(n)]));
    for (const row of rows) expect(row.count, `bin ${row.bin_start}`).toBe(byBin.get(Number(row.bin_start)) ?? 0);
    expect(rows.reduce((total, r) => total + Number(r.count), 0)).toBe([...byBin.values()].reduce((a, b) => a + b, 0));
  });

  it('Subject Flow on ADSL: completed, discontinued and each reason (DCSREAS) as plain SQL counts them', async () => {
    const reasons = counts(await sql(`SELECT DCSREAS, count(*) FROM adsl WHERE EOSSTT = 'DISCONTINUED' GROUP BY 1`));
    const [[completed, total]] = (await sql(
      `SELECT count(*) FILTER (WHERE EOSSTT = 'COMPLETED'), count(*) FROM adsl`,
    )) as [[number, number]];
    const links = counts((await widget('subject-flow')).rows.map((r) => [r[0] ?? '', r[1], r[2]]));
    expect(links.get(' | Screened')).toBe(total);
    const completedLink = [...links].find(([key]) => key.endsWith('| Completed'));
    expect(completedLink?.[1]).toBe(completed);
    for (const [reason, n] of reasons) expect(links.get(`Discontinued | ${reason}`), reason).toBe(n);
  });

  it('Site Summary and Total Screened on ADSL: subjects per site sum to the ADSL total', async () => {
    const perSite = counts(await sql(`SELECT SITEID, count(*) FROM adsl GROUP BY 1`));
    const rows = table(await widget('site-summary'));
    expect(new Map(rows.map((r) => [String(r.site), r.screened]))).toEqual(perSite);
    expect((await widget('total-screened')).metric?.value).toBe(254);
  });
});
