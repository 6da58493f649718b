import type { Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../test/harness.ts';
import { pilotStudy } from '../../test/pilot-study.ts';
import { parquetSql } from '../../test/stored-datasets.ts';

/*
 * The Enrollment page's trend on the CDISC pilot SDTM DM, uploaded as a user would: the actual
 * series against plain DuckDB SQL over the stored Parquet, the plan series against the study's
 * settings computed here by day counts. Without a plan the widget claims none.
 */

const WIDGET = 'enrollment-trend-detail';

let t: TestApp;
let manager: Session;
let studyId: string;
let dashboard: Dashboard;
let monthly: [string, number][];

async function trend(): Promise<WidgetDataResponse> {
  const res = await t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/${WIDGET}/data`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const column = (data: WidgetDataResponse, name: string) => {
  const i = data.columns.findIndex((c) => c.name === name);
  return i < 0 ? null : data.rows.map((row) => row[i]);
};

beforeAll(async () => {
  // Its own study: the test sets the study's enrollment plan.
  const pilot = await pilotStudy({ own: true, files: ['dm.xpt', 'ds.xpt'] });
  ({ t, studyId, manager } = pilot);
  dashboard = await pilot.dashboard('Pilot', { templateId: 'clinical-study-overview' });
  const widget = dashboard.document.pages.flatMap((p) => Object.entries(p.widgets)).find(([id]) => id === WIDGET)?.[1];
  const date = widget?.data.mapping.enrollment_date;
  expect(date).toBe('RFSTDTC');

  // Subjects by month of RFSTDTC (full dates only), from the stored Parquet by the test's own DuckDB.
  const duck = await parquetSql(pilot.files, ['DM']);
  monthly = (await duck.sql(
    `select strftime(date_trunc('month', try_cast(substr(RFSTDTC, 1, 10) as date)), '%Y-%m-01') as m,
            count(distinct USUBJID)::integer
       from dm where try_cast(substr(RFSTDTC, 1, 10) as date) is not null
      group by m order by m`,
  )) as [string, number][];
  duck.close();
});
afterAll(() => t?.close());

describe('enrollment trend and the study plan (CDISC pilot DM)', () => {
  it('without a plan draws actual enrollment only, agreeing with SQL, and says there is no plan', async () => {
    const data = await trend();
    expect(column(data, 'planned')).toBeNull();
    expect(data.notes).toContainEqual(expect.stringMatching(/^Actual enrollment only/));
    const series = ((data.chart?.series ?? []) as { name: string }[]).map((s) => s.name);
    expect(series).not.toContain('Planned');
    // Every month with enrollment, and the running total, as SQL counts it.
    const byMonth = new Map(monthly);
    const periods = column(data, 'period') as string[];
    const added = column(data, 'enrolled') as number[];
    for (const [i, p] of periods.entries()) expect(added[i], p).toBe(byMonth.get(p) ?? 0);
    const total = monthly.reduce((sum, [, n]) => sum + n, 0);
    expect(column(data, 'cumulative')?.at(-1)).toBe(total);
    expect(total).toBeGreaterThan(250);
  });

  it("draws the study's plan once set: target × elapsed share of the planned days, at each month's end", async () => {
    const plan = { plannedEnrollment: 300, plannedEnrollmentStart: '2012-07-01', plannedEnrollmentEnd: '2014-03-31' };
    const patched = await t.request(manager, { method: 'PATCH', url: `/api/studies/${studyId}`, payload: plan });
    expect(patched.statusCode, patched.body).toBe(200);
    const data = await trend();
    const periods = column(data, 'period') as string[];
    const planned = column(data, 'planned') as number[];
    const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    const start = day(plan.plannedEnrollmentStart);
    const days = day(plan.plannedEnrollmentEnd) - start;
    const monthEnd = (p: string) => {
      const [y, m] = p.split('-').map(Number) as [number, number];
      return Date.UTC(y, m, 1) / 86_400_000; // the first day of the next month
    };
    const expected = periods.map((p) => Math.round(Math.min(1, Math.max(0, (monthEnd(p) - start) / days)) * 3000) / 10);
    expect(planned).toEqual(expected);
    // The range covers the plan: from its first month to the month the target is reached.
    expect((periods[0] ?? '') <= '2012-07-01').toBe(true);
    expect((periods.at(-1) ?? '') >= '2014-03-01').toBe(true);
    expect(planned.at(-1)).toBe(300);
    expect(data.notes ?? []).not.toContainEqual(expect.stringMatching(/^Actual enrollment only/));
    const series = data.chart?.series as { name: string; data: unknown[] }[];
    expect(series.find((s) => s.name === 'Planned')?.data).toEqual(expected);
  });
});
