import type { Dashboard, SubjectListing, WidgetDataResponse } from '@cdp/contracts';
import { hasSharedData } from '@cdp/formats/testing';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';
import { runJob } from '../../jobs/run-job.ts';

/*
 * The AE explorer's on-widget filters (seriousness, severity, relatedness, outcome) through the
 * public widget-data route's `options`, on the CDISC pilot's original SDTM AE and DM uploaded as a
 * user would, in the Safety review template. Expected numbers come from plain DuckDB SQL over the
 * stored Parquet files and the test's own RD/RR formulas: no widget, query-engine or mapping code.
 * Population as the template maps it on SDTM: treated subjects (RFXSTDTC present) by DM.ARM.
 */

const hasData = hasSharedData('the AE explorer filter tests', 'cdiscpilot01', 'sdtm-original', 'ae.xpt');

let t: TestApp;
let manager: Session;
let studyId: string;
let orgId: string;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

const EXCLUDED = `('Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT')`;
const TREATED = `NULLIF(trim(d.RFXSTDTC), '') IS NOT NULL AND d.ARM NOT IN ${EXCLUDED}`;

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, studyId, orgId, manager } = pilot);
  dashboard = await pilot.dashboard('Safety', { templateId: 'safety-review' });
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM', 'AE']));
});

afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

const base = () => `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/ae-explorer`;

async function explorer(options?: Record<string, unknown>): Promise<WidgetDataResponse> {
  const query = options ? `?options=${encodeURIComponent(JSON.stringify(options))}` : '';
  const res = await t.request(manager, { method: 'GET', url: `${base()}/data${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

type Row = Record<string, unknown>;
const table = (data: WidgetDataResponse): Row[] =>
  data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));

/** The test's own RD (Wald) and RR (log scale, Haldane 0.5 when a cell is zero). */
const Z = 1.959963984540054;
function expectedEstimates(a: number, n1: number, c: number, n2: number) {
  const p1 = a / n1;
  const p2 = c / n2;
  const half = Z * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const k = [a, n1 - a, c, n2 - c].some((x) => x === 0) ? 0.5 : 0;
  const rr = (a + k) / (n1 + 2 * k) / ((c + k) / (n2 + 2 * k));
  const se = Math.sqrt(1 / (a + k) - 1 / (n1 + 2 * k) + 1 / (c + k) - 1 / (n2 + 2 * k));
  const none = a === 0 && c === 0;
  return {
    rd_pct: 100 * (p1 - p2),
    rd_low_pct: 100 * (p1 - p2 - half),
    rd_high_pct: 100 * (p1 - p2 + half),
    rr: none ? null : rr,
    rr_low: none ? null : rr * Math.exp(-Z * se),
    rr_high: none ? null : rr * Math.exp(Z * se),
  };
}

/** Subjects per arm (denominators) and, per `arm | soc | term`, subjects with a matching event, by plain SQL. */
async function expected(where: string) {
  const arms = new Map(
    (await sql(`SELECT d.ARM, count(DISTINCT d.USUBJID) FROM dm d WHERE ${TREATED} GROUP BY 1`)).map((r) => [
      String(r[0]),
      Number(r[1]),
    ]),
  );
  const events = `SELECT d.ARM AS arm, a.AEBODSYS AS soc, a.AEDECOD AS term, a.USUBJID AS usubjid
    FROM ae a JOIN dm d ON d.USUBJID = a.USUBJID WHERE ${TREATED} ${where}`;
  const cells = new Map<string, number>();
  for (const r of await sql(`WITH e AS (${events})
      SELECT arm, soc, term, count(DISTINCT usubjid) FROM e GROUP BY arm, soc, term
      UNION ALL SELECT arm, soc, '', count(DISTINCT usubjid) FROM e GROUP BY arm, soc
      UNION ALL SELECT arm, '', '', count(DISTINCT usubjid) FROM e GROUP BY arm`))
    cells.set(`${r[0]} | ${r[1]} | ${r[2]}`, Number(r[3]));
  return { arms, cells, events };
}

/** Every line of the answer against the SQL: n and % per arm, RD and RR of High Dose against Placebo. */
function check(data: WidgetDataResponse, want: Awaited<ReturnType<typeof expected>>) {
  const armColumns = data.columns
    .filter((c) => /^arm\d+_n$/.test(c.name))
    .map((c) => ({ key: c.name.replace(/_n$/, ''), arm: String(c.drill?.arm) }));
  expect(armColumns.map((c) => c.arm).sort()).toEqual([...want.arms.keys()].sort());
  const rows = table(data);
  const lines = new Set([...want.cells.keys()].map((k) => k.split(' | ').slice(1).join(' | ')));
  // The "any adverse event" line is always there, even when no event matches.
  expect(rows.length).toBe(Math.max(lines.size, 1));
  for (const row of rows) {
    const where = `${row.ae_body_system ?? ''} | ${row.ae_term ?? ''}`;
    for (const c of armColumns) {
      const n = want.cells.get(`${c.arm} | ${where}`) ?? 0;
      expect(row[`${c.key}_n`], `${c.arm} ${where}`).toBe(n);
      expect(row[`${c.key}_pct`], `${c.arm} ${where}`).toBeCloseTo((100 * n) / (want.arms.get(c.arm) as number), 1);
    }
    const e = expectedEstimates(
      want.cells.get(`Xanomeline High Dose | ${where}`) ?? 0,
      want.arms.get('Xanomeline High Dose') as number,
      want.cells.get(`Placebo | ${where}`) ?? 0,
      want.arms.get('Placebo') as number,
    );
    for (const [name, value] of Object.entries(e)) {
      if (value === null) expect(row[name], `${name} ${where}`).toBeNull();
      else
        expect(Math.abs((row[name] as number) - value), `${name} ${where}`).toBeLessThanOrEqual(
          name.endsWith('pct') ? 0.051 : 0.0051,
        );
    }
  }
}

describe.skipIf(!hasData)('AE explorer filters on the widget, on the CDISC pilot SDTM', () => {
  it('the template maps the four filter fields, and the answer offers the values the data hold', async () => {
    const widget = dashboard.document.pages
      .flatMap((p) => Object.values(p.widgets))
      .find((w) => w.type === 'ae-explorer');
    expect(widget?.data.mapping).toMatchObject({
      arm: 'DM.ARM',
      ae_serious: 'AESER',
      ae_severity: 'AESEV',
      ae_related: 'AEREL',
      ae_outcome: 'AEOUT',
    });
    const data = await explorer();
    const controls = new Map((data.controls ?? []).map((c) => [c.option, c]));
    expect([...controls.keys()]).toEqual(['serious', 'severity', 'relatedness', 'outcome']);
    for (const [option, column] of [
      ['severity', 'AESEV'],
      ['relatedness', 'AEREL'],
      ['outcome', 'AEOUT'],
    ] as const) {
      const values = (
        await sql(`SELECT DISTINCT upper(trim(a.${column})) FROM ae a JOIN dm d ON d.USUBJID = a.USUBJID
          WHERE ${TREATED} AND NULLIF(trim(a.${column}), '') IS NOT NULL`)
      ).map((r) => String(r[0]));
      const offered = controls.get(option)?.values.map((v) => v.value.trim().toUpperCase());
      expect(offered?.slice().sort(), option).toEqual(values.sort());
      expect(controls.get(option)).toMatchObject({ multiple: true, selected: [] });
    }
    expect(controls.get('serious')?.values.map((v) => v.value)).toEqual(['serious', 'non-serious']);
  });

  it.each([
    { name: 'serious only', options: { serious: 'serious' }, where: `AND a.AESER = 'Y'` },
    {
      name: 'severity, case and blanks as typed',
      options: { severity: [' moderate'] },
      where: `AND a.AESEV = 'MODERATE'`,
    },
    { name: 'relatedness', options: { relatedness: ['PROBABLE'] }, where: `AND a.AEREL = 'PROBABLE'` },
    {
      name: 'outcome',
      options: { outcome: ['NOT RECOVERED/NOT RESOLVED'] },
      where: `AND a.AEOUT = 'NOT RECOVERED/NOT RESOLVED'`,
    },
    {
      name: 'non-serious and mild',
      options: { serious: 'non-serious', severity: ['MILD'] },
      where: `AND a.AESER = 'N' AND a.AESEV = 'MILD'`,
    },
    {
      name: 'possibly or probably related, recovered',
      options: { relatedness: ['POSSIBLE', 'PROBABLE'], outcome: ['RECOVERED/RESOLVED'] },
      where: `AND a.AEREL IN ('POSSIBLE', 'PROBABLE') AND a.AEOUT = 'RECOVERED/RESOLVED'`,
    },
  ])('$name: incidence per arm, RD and RR as plain SQL says; denominators stay', async ({ options, where }) => {
    const data = await explorer(options);
    const want = await expected(where);
    expect([...want.arms.values()].reduce((a, b) => a + b, 0)).toBe(254);
    check(data, want);
    expect(data.notes[0]).toMatch(/^Events filtered on the widget: /);
    const chosen = (data.controls ?? []).filter((c) => c.selected.length > 0).map((c) => c.option);
    expect(chosen.sort()).toEqual(Object.keys(options).sort());
  });

  it("the drill-down lists the arm's subjects with a matching event, as SQL finds them", async () => {
    const options = { serious: 'non-serious', severity: ['MILD'] };
    const data = await explorer(options);
    const placebo = data.columns.find((c) => c.drill?.arm === 'Placebo');
    const any = table(data)[0] as Row;
    const url = `${base()}/subjects?point=${encodeURIComponent(JSON.stringify({ arm: 'Placebo' }))}&options=${encodeURIComponent(JSON.stringify(options))}&limit=1000`;
    const res = await t.request(manager, { method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    const listing = res.json() as SubjectListing;
    const id = listing.columns.findIndex((c) => c.field === 'subject_id');
    const { events } = await expected(`AND a.AESER = 'N' AND a.AESEV = 'MILD'`);
    const subjects = (await sql(`SELECT DISTINCT usubjid FROM (${events}) WHERE arm = 'Placebo' ORDER BY 1`)).map((r) =>
      String(r[0]),
    );
    expect(listing.total).toBe(any[placebo?.name ?? '']);
    expect(listing.rows.map((r) => String(r[id])).sort()).toEqual(subjects);
    // Without the choice, the same cell lists more subjects.
    const wider = await t.request(manager, {
      method: 'GET',
      url: `${base()}/subjects?point=${encodeURIComponent(JSON.stringify({ arm: 'Placebo' }))}&limit=1000`,
    });
    expect((wider.json() as SubjectListing).total).toBeGreaterThan(listing.total);
  });

  it('kept answers: two different choices never share one; the same choice in another order does', async () => {
    const serious = await explorer({ serious: 'serious' });
    const nonSerious = await explorer({ serious: 'non-serious' });
    const none = await explorer();
    expect(table(serious)[0]).not.toEqual(table(nonSerious)[0]);
    expect(table(none)[0]).not.toEqual(table(serious)[0]);
    const again = await explorer({ serious: 'serious' });
    expect(again.meta.cached).toBe(true);
    expect(again.rows).toEqual(serious.rows);
    const againNon = await explorer({ serious: 'non-serious' });
    expect(againNon.meta.cached).toBe(true);
    expect(againNon.rows).toEqual(nonSerious.rows);
    const first = await explorer({ severity: ['MILD', 'SEVERE'] });
    const reordered = await explorer({ severity: ['severe', 'MILD'] });
    expect(reordered.rows).toEqual(first.rows);
    expect(reordered.meta.cached).toBe(true);
    const other = await explorer({ severity: ['MILD'] });
    expect(other.meta.cached).toBe(false);
    expect(other.rows).not.toEqual(first.rows);
  });

  it('refuses an option a reader may not change, or a value it does not take, naming it', async () => {
    for (const [options, message] of [
      [{ minPercent: 5 }, 'not minPercent'],
      [{ severity: 'MILD' }, 'options.severity'],
      [{ serious: 'maybe' }, 'options.serious'],
    ] as const) {
      const res = await t.request(manager, {
        method: 'GET',
        url: `${base()}/data?options=${encodeURIComponent(JSON.stringify(options))}`,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
    const bad = await t.request(manager, { method: 'GET', url: `${base()}/data?options=not-json` });
    expect(bad.statusCode).toBe(400);
  });

  it('an XLSX export of the dashboard shows the filtered numbers and names the filters applied', async () => {
    const options = { serious: 'serious' };
    const screen = await explorer(options);
    const queued = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/exports`,
      payload: { format: 'xlsx', pages: ['adverse-events'], widgetOptions: { 'ae-explorer': options } },
    });
    expect(queued.statusCode, queued.body).toBe(202);
    const id = queued.json().data.id as string;
    await runJob(t.ctx, 'exports.render', { orgId, exportId: id });
    const file = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/exports/${id}/file`,
    });
    expect(file.statusCode, file.body).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const texts: string[] = [];
    const numbers: number[] = [];
    workbook.eachSheet((sheet) =>
      sheet.eachRow((row) =>
        row.eachCell((cell) => {
          if (typeof cell.value === 'string') texts.push(cell.value);
          if (typeof cell.value === 'number') numbers.push(cell.value);
        }),
      ),
    );
    expect(texts.some((text) => text.includes('Events filtered on the widget: serious events only'))).toBe(true);
    // The "any adverse event" line's counts, as the screen shows them with the same choice.
    const any = screen.rows[0] as unknown[];
    const n = screen.columns.map((c, i) => (/^arm\d+_n$/.test(c.name) ? any[i] : null)).filter((v) => v !== null);
    for (const value of n) expect(numbers).toContain(value);
    // A widget the dashboard does not have is refused when the export is asked for.
    const refused = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/exports`,
      payload: { format: 'xlsx', widgetOptions: { nowhere: options } },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('"nowhere"');
  });

  it("the widget's own CSV carries the choice, and its audit event records it", async () => {
    const options = { relatedness: ['PROBABLE'] };
    const screen = await explorer(options);
    const res = await t.request(manager, {
      method: 'GET',
      url: `${base()}/export?format=csv&options=${encodeURIComponent(JSON.stringify(options))}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const line = res.body.split(/\r?\n/).find((l) => l.startsWith('Any adverse event'));
    const any = screen.rows[0] as unknown[];
    const n = screen.columns.flatMap((c, i) => (/^arm\d+_n$/.test(c.name) ? [String(any[i])] : []));
    expect(line?.split(',').filter((cell) => n.includes(cell)).length).toBeGreaterThanOrEqual(n.length);
    const { rows } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and action = 'dashboard.widget_exported' order by seq desc limit 1`,
      [orgId],
    );
    expect(rows[0]?.new_values).toMatchObject({ widgetId: 'ae-explorer', options });
  });
});
