import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';

/*
 * Every widget of the Clinical Study Overview on the CDISC pilot's original SDTM (all 19 XPT files,
 * zipped and uploaded as a user would), checked against numbers this test computes itself with
 * plain DuckDB SQL over the stored Parquet files. The SQL uses the values exactly as the pilot
 * stores them (ARM = 'Screen Failure', DSCAT = 'DISPOSITION EVENT'): no widget, query-engine or
 * mapping code is used for the expected numbers. The pilot has no LB, so the two lab widgets must
 * say so, the same way in the banner and in the widget.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const hasData = existsSync(path.join(SDTM, 'dm.xpt'));
if (!hasData) console.warn(`pilot SDTM dashboard tests skipped: ${SDTM} is absent (see the shared data README)`);

let t: TestApp;
let manager: Session;
let studyId: string;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

type Row = Record<string, unknown>;

function table(data: WidgetDataResponse): Row[] {
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));
}

async function widgetResponse(id: string) {
  return t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/${id}/data?limit=1000`,
  });
}

async function widget(id: string): Promise<WidgetDataResponse> {
  const res = await widgetResponse(id);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** `[key, count]` rows as a map (keys joined with " | " when there are several). */
function counts(rows: unknown[][]): Map<string, number> {
  return new Map(rows.map((r) => [r.slice(0, -1).map(String).join(' | '), Number(r.at(-1))]));
}

beforeAll(async () => {
  if (!hasData) return;
  const pilot = await pilotStudy();
  ({ t, studyId, manager } = pilot);
  dashboard = await pilot.dashboard('Pilot overview', { templateId: 'clinical-study-overview' });
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM', 'DS', 'AE'], { numbers: true }));
});
afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

/** The pilot's own screen-failure and randomisation facts, in its own spelling. */
const SCREEN_FAILURE = `ARM = 'Screen Failure'`;
const RANDOMISED = `ARM <> 'Screen Failure'`;
const END_OF_STUDY = `DSCAT = 'DISPOSITION EVENT'`;

describe.skipIf(!hasData)('the Clinical Study Overview on the CDISC pilot SDTM', () => {
  it('the figures the rest relies on hold: 306 screened, 52 screen failures, 254 randomised', async () => {
    expect(await sql(`SELECT count(DISTINCT USUBJID) FROM dm`)).toEqual([[306]]);
    expect(await sql(`SELECT count(*), any_value(ARMCD) FROM dm WHERE ${SCREEN_FAILURE}`)).toEqual([[52, 'Scrnfail']]);
    expect(await sql(`SELECT count(*) FROM dm WHERE ${RANDOMISED}`)).toEqual([[254]]);
  });

  it('Total Screened and Screen Failures (ARMCD Scrnfail, matched whatever its case)', async () => {
    expect((await widget('total-screened')).metric?.value).toBe(306);
    const failures = await widget('screen-failures');
    expect(failures.metric?.value).toBe(52);
    expect(failures.metric?.comparison?.value).toBe(Math.round((1000 * 52) / 306) / 10);
  });

  it('Site Summary: per-site screened, enrolled, screen failures, AEs, SAEs and discontinued match SQL and sum to 306 / 254 / 52', async () => {
    const expected = await sql(`
      SELECT d.SITEID,
             count(*) AS screened,
             count(*) FILTER (WHERE d.RFSTDTC IS NOT NULL) AS enrolled,
             count(*) FILTER (WHERE d.${SCREEN_FAILURE}) AS screen_failures,
             count(*) FILTER (WHERE d.USUBJID IN (SELECT USUBJID FROM ae)) AS with_ae,
             count(*) FILTER (WHERE d.USUBJID IN (SELECT USUBJID FROM ae WHERE AESER = 'Y')) AS with_sae,
             count(*) FILTER (WHERE d.RFSTDTC IS NOT NULL AND d.USUBJID IN (SELECT USUBJID FROM ds WHERE ${END_OF_STUDY}
                                   AND DSDECOD NOT IN ('COMPLETED', 'SCREEN FAILURE'))) AS discontinued
        FROM dm d GROUP BY 1 ORDER BY 1`);
    for (const id of ['site-summary', 'site-summary-detail']) {
      const rows = table(await widget(id));
      const got = rows.map((r) => [
        r.site,
        r.screened,
        r.enrolled,
        r.screen_failures,
        r.with_ae,
        r.with_sae,
        r.discontinued,
      ]);
      expect(got, id).toEqual(expected.map(([site, ...rest]) => [String(site), ...rest]));
      const sum = (name: string) => rows.reduce((total, r) => total + Number(r[name]), 0);
      expect([sum('screened'), sum('enrolled'), sum('screen_failures')]).toEqual([306, 254, 52]);
    }
  });

  it('Subject Flow agrees with the Site Summary: screen failures, enrolled, treated, completed and each discontinuation reason', async () => {
    const [[treated]] = (await sql(`SELECT count(*) FROM dm WHERE RFSTDTC IS NOT NULL AND RFXSTDTC IS NOT NULL`)) as [
      [number],
    ];
    const outcomes = counts(
      await sql(`
        SELECT s.DSDECOD, count(DISTINCT s.USUBJID) FROM ds s JOIN dm d USING (USUBJID)
         WHERE s.${END_OF_STUDY} AND d.RFSTDTC IS NOT NULL GROUP BY 1`),
    );
    const completed = outcomes.get('COMPLETED') ?? 0;
    const reasons = [...outcomes].filter(([reason]) => reason !== 'COMPLETED' && reason !== 'SCREEN FAILURE');
    const discontinued = reasons.reduce((total, [, n]) => total + n, 0);
    for (const id of ['subject-flow', 'subject-flow-detail']) {
      const links = counts((await widget(id)).rows.map((r) => [r[0] ?? '', r[1], r[2]]));
      expect(links.get(' | Screened'), id).toBe(306);
      expect(links.get('Screened | Screen failure'), id).toBe(52);
      expect(links.get('Screened | Enrolled'), id).toBe(254);
      expect(links.has('Screened | Not enrolled'), id).toBe(false);
      expect(links.get('Enrolled | Treated'), id).toBe(treated);
      expect(links.get('Treated | Completed'), id).toBe(completed);
      expect(links.get('Treated | Discontinued'), id).toBe(discontinued);
      for (const [reason, n] of reasons) expect(links.get(`Discontinued | ${reason}`), reason).toBe(n);
    }
  });

  it('Total AEs and Serious AEs: events and subjects', async () => {
    const [[events, subjects]] = (await sql(`SELECT count(*), count(DISTINCT USUBJID) FROM ae`)) as [[number, number]];
    const [[serious, seriousSubjects]] = (await sql(
      `SELECT count(*), count(DISTINCT USUBJID) FROM ae WHERE AESER = 'Y'`,
    )) as [[number, number]];
    const total = await widget('total-aes');
    expect([total.metric?.value, total.metric?.comparison?.value]).toEqual([events, subjects]);
    const sae = await widget('serious-aes');
    expect([sae.metric?.value, sae.metric?.comparison?.value]).toEqual([serious, seriousSubjects]);
  });

  it('Enrollment Trend: new and cumulative subjects per month of RFSTDTC', async () => {
    const monthly = counts(
      await sql(`SELECT left(RFSTDTC, 7), count(*) FROM dm WHERE RFSTDTC IS NOT NULL GROUP BY 1 ORDER BY 1`),
    );
    for (const id of ['enrollment-trend', 'enrollment-trend-detail']) {
      const rows = table(await widget(id));
      let running = 0;
      for (const row of rows) {
        const month = String(row.period).slice(0, 7);
        running += monthly.get(month) ?? 0;
        expect([month, row.enrolled, row.cumulative], id).toEqual([month, monthly.get(month) ?? 0, running]);
      }
      expect(running, id).toBe(254);
    }
  });

  it('Site Enrollment Map and Subjects by Country: subjects and sites per country', async () => {
    const expected = await sql(
      `SELECT COUNTRY, count(DISTINCT SITEID), count(DISTINCT USUBJID) FROM dm GROUP BY 1 ORDER BY 1`,
    );
    for (const id of ['site-map', 'site-map-detail']) {
      expect(
        table(await widget(id)).map((r) => [r.country, r.sites, r.subjects]),
        id,
      ).toEqual(expected);
    }
    const byCountry = table(await widget('enrollment-by-country')).map((r) => [r.category, r.value]);
    expect(byCountry).toEqual(expected.map(([country, , subjects]) => [country, subjects]));
  });

  it('Subjects by Site and Arm: subjects per site and ARM', async () => {
    const expected = counts(await sql(`SELECT SITEID, ARM, count(DISTINCT USUBJID) FROM dm GROUP BY 1, 2`));
    const got = counts(table(await widget('enrollment-by-site')).map((r) => [r.category, r.series, r.value]));
    expect(got).toEqual(expected);
  });

  it('Demographics by Arm: randomised arms only (N per arm), sex and age by arm', async () => {
    const arms = counts(await sql(`SELECT ARM, count(*) FROM dm WHERE ${RANDOMISED} GROUP BY 1`));
    const sex = await sql(`SELECT ARM, SEX, count(*) FROM dm WHERE ${RANDOMISED} GROUP BY 1, 2`);
    const ages = await sql(`SELECT ARM, min(AGE), max(AGE) FROM dm WHERE ${RANDOMISED} GROUP BY 1`);
    for (const id of ['demographics', 'demographics-detail']) {
      const data = await widget(id);
      const column = (arm: string) => data.columns.find((c) => c.label === `${arm} (N=${arms.get(arm)})`)?.name ?? '?';
      expect(data.columns.filter((c) => c.name.startsWith('arm_')).length, id).toBe(arms.size);
      const rows = table(data);
      for (const [arm, code, n] of sex as [string, string, number][]) {
        const row = rows.find((r) => r.characteristic === 'Sex' && r.statistic === (code === 'F' ? 'Female' : 'Male'));
        expect(String(row?.[column(arm)]), `${code} in ${arm}`).toMatch(new RegExp(`^${n} \\(`));
      }
      for (const [arm, low, high] of ages as [string, number, number][]) {
        const row = rows.find((r) => r.characteristic === 'Age (years)' && r.statistic === 'Min – Max');
        expect(row?.[column(arm)], `age range in ${arm}`).toBe(`${low} – ${high}`);
      }
    }
  });

  it('AE Incidence: subjects and events per arm, overall and per preferred term, over the randomised arms', async () => {
    const arms = counts(await sql(`SELECT ARM, count(*) FROM dm WHERE ${RANDOMISED} GROUP BY 1`));
    const any = await sql(`
      SELECT d.ARM, count(DISTINCT e.USUBJID), count(*) FROM ae e JOIN dm d USING (USUBJID)
       WHERE d.${RANDOMISED} GROUP BY 1`);
    const byTerm = await sql(`
      SELECT d.ARM, e.AEBODSYS, e.AEDECOD, count(DISTINCT e.USUBJID) FROM ae e JOIN dm d USING (USUBJID)
       WHERE d.${RANDOMISED} GROUP BY 1, 2, 3`);
    const data = await widget('ae-incidence');
    const rows = table(data);
    const column = (arm: string, suffix: string) =>
      data.columns.find((c) => c.label === `${arm} (N=${arms.get(arm)}): ${suffix}`)?.name ?? `? ${arm}`;
    const anyRow = rows.find((r) => r.ae_body_system === null && r.ae_term === null);
    for (const [arm, subjects, events] of any as [string, number, number][]) {
      expect(anyRow?.[column(arm, 'n')], `subjects with an AE, ${arm}`).toBe(subjects);
      expect(anyRow?.[column(arm, 'events')], `AEs, ${arm}`).toBe(events);
    }
    for (const [arm, soc, term, subjects] of byTerm as [string, string, string, number][]) {
      const row = rows.find((r) => r.ae_body_system === soc && r.ae_term === term);
      expect(row?.[column(arm, 'n')], `${term} in ${arm}`).toBe(subjects);
    }
    expect(byTerm.length).toBeGreaterThan(300);
  });

  it('Subjects with AEs by Body System: subjects per SOC and arm for the ten largest SOCs', async () => {
    const expected = counts(
      await sql(
        `SELECT e.AEBODSYS, d.ARM, count(DISTINCT e.USUBJID) FROM ae e JOIN dm d USING (USUBJID) GROUP BY 1, 2`,
      ),
    );
    const bySoc = counts(await sql(`SELECT AEBODSYS, count(DISTINCT USUBJID) FROM ae GROUP BY 1`));
    const data = await widget('ae-by-soc');
    const rows = table(data).filter((r) => r.category !== 'Other');
    const socs = new Set(rows.map((r) => String(r.category)));
    expect(socs.size).toBe(10);
    // Other holds every body system but the ten, once, whichever arm's row says it.
    expect(data.otherCategories).toBe(bySoc.size - 10);
    for (const row of rows)
      expect(row.value, `${row.category} ${row.series}`).toBe(expected.get(`${row.category} | ${row.series}`));
    // The ten kept are the ten with the most subjects (over all arms): none left out has more.
    const smallestKept = Math.min(...[...socs].map((soc) => bySoc.get(soc) ?? 0));
    for (const [soc, n] of bySoc) if (!socs.has(soc)) expect(n, soc).toBeLessThanOrEqual(smallestKept);
  });

  it('AEs by Severity and Arm, and the AE Timeline by month and severity', async () => {
    const severity = counts(
      await sql(`SELECT e.AESEV, d.ARM, count(*) FROM ae e JOIN dm d USING (USUBJID) GROUP BY 1, 2`),
    );
    expect(counts(table(await widget('ae-severity')).map((r) => [r.category, r.series, r.value]))).toEqual(severity);
    const timeline = await sql(`
      SELECT left(AESTDTC, 7) || ' | ' || AESEV, count(*), count(DISTINCT USUBJID) FROM ae
       WHERE length(AESTDTC) >= 10 GROUP BY 1`);
    const got = new Map(
      table(await widget('ae-timeline')).map((r) => [
        `${String(r.period).slice(0, 7)} | ${r.stack}`,
        [r.events, r.subjects],
      ]),
    );
    expect(got).toEqual(new Map(timeline.map(([key, events, subjects]) => [key, [events, subjects]])));
  });

  it('Most Frequent Preferred Terms: subjects per term, the 15 largest; Other says how many terms it holds', async () => {
    const byTerm = counts(await sql(`SELECT AEDECOD, count(DISTINCT USUBJID) FROM ae GROUP BY 1`));
    const data = await widget('top-terms');
    // The terms beyond the top 15, and the subjects with any of them, counted in SQL apart.
    const [[termsBeyond, otherSubjects]] = (await sql(`
      WITH ranked AS (SELECT AEDECOD, row_number() OVER (ORDER BY count(DISTINCT USUBJID) DESC, AEDECOD) AS r
                        FROM ae GROUP BY 1)
      SELECT (SELECT count(*) FROM ranked WHERE r > 15),
             count(DISTINCT USUBJID) FROM ae WHERE AEDECOD IN (SELECT AEDECOD FROM ranked WHERE r > 15)`)) as [
      [number, number],
    ];
    expect(termsBeyond).toBeGreaterThan(200);
    expect(data.otherCategories).toBe(termsBeyond);
    expect(table(data).find((r) => r.category === 'Other')?.value).toBe(otherSubjects);
    const rows = table(data).filter((r) => r.category !== 'Other');
    expect(rows).toHaveLength(15);
    for (const row of rows) expect(row.value, String(row.category)).toBe(byTerm.get(String(row.category)));
    const smallestKept = Math.min(...rows.map((r) => Number(r.value)));
    const kept = new Set(rows.map((r) => r.category));
    for (const [term, n] of byTerm) if (!kept.has(term)) expect(n, term).toBeLessThanOrEqual(smallestKept);
  });

  it('End of Study Status: end-of-study records per DSDECOD, the small ones as Other', async () => {
    const expected = counts(await sql(`SELECT DSDECOD, count(*) FROM ds WHERE ${END_OF_STUDY} GROUP BY 1`));
    const rows = table(await widget('disposition'));
    let named = 0;
    for (const row of rows.filter((r) => r.category !== 'Other')) {
      expect(row.value, String(row.category)).toBe(expected.get(String(row.category)));
      named += Number(row.value);
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(rows.find((r) => r.category === 'Other')?.value ?? 0).toBe(total - named);
    // The pie keeps eight slices; Other merges the rest of the pilot's ten reasons and names them.
    const data = await widget('disposition');
    expect(data.otherCategories).toBe(expected.size - 8);
    const slices = ((data.chart?.series ?? []) as { data: { name: string }[] }[])[0]?.data.map((d) => d.name);
    expect(slices?.at(-1)).toBe(`Other (${expected.size - 8} categories)`);
  });

  it('Subject Listing: every DM subject with site, arm, sex and age as stored', async () => {
    const expected = await sql(`SELECT USUBJID, SITEID, ARM, SEX, AGE FROM dm ORDER BY USUBJID`);
    const data = await widget('subject-listing');
    expect(data.total).toBe(306);
    const byId = new Map(expected.map(([id, site, ...rest]) => [id, [id, String(site), ...rest]]));
    const rows = table(data);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect([row.subject_id, row.site, row.arm, row.sex, row.age]).toEqual(byId.get(row.subject_id));
    }
  });

  it('the lab widgets and the banner give the same true reason: the data has no LB', async () => {
    for (const id of ['alt-by-visit', 'alt-distribution']) {
      const res = await widgetResponse(id);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toBe('The active data has no dataset LB.');
      expect(dashboard.unmapped.find((u) => u.widgetId === id)?.reason).toBe('The active data has no dataset LB.');
    }
    expect(dashboard.unmapped.map((u) => u.widgetId).sort()).toEqual(['alt-by-visit', 'alt-distribution']);
  });
});
