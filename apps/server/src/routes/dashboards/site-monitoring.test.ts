import type { Dashboard, SubjectListing, WidgetDataResponse } from '@cdp/contracts';
import { hasSharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../../test/harness.ts';
import { pilotStudy } from '../../../test/pilot-study.ts';
import { parquetSql } from '../../../test/stored-datasets.ts';

/*
 * The Site monitoring template's key risk indicators on the CDISC pilot's original SDTM (17 sites),
 * uploaded as a user would. The expected counts come from plain DuckDB SQL over the stored Parquet
 * files, in the pilot's own spelling (ARM = 'Screen Failure', DSCAT = 'DISPOSITION EVENT'), and
 * the expected scores from the small reference implementation of the gsm normal approximation
 * below: no widget, query-engine or mapping code is used for the expected numbers.
 */

const hasData = hasSharedData('the site monitoring tests', 'cdiscpilot01', 'sdtm-original', 'dm.xpt');

let t: TestApp;
let manager: Session;
let studyId: string;
let tenant: Awaited<ReturnType<TestApp['tenant']>>;
let dashboard: Dashboard;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

type Row = Record<string, unknown>;

function table(data: WidgetDataResponse): Row[] {
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));
}

async function widget(id: string): Promise<WidgetDataResponse> {
  const res = await t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/${id}/data?limit=1000`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/**
 * The reference score: z = (p − μ) / √(φ·V/n), μ = Σx/Σn, V = μ(1−μ) for proportions and μ for
 * rates, φ = the mean over sites of the squared unadjusted score. Written out here apart from the
 * widget's `score.ts`.
 */
function referenceScores(counts: Array<[number, number]>, binary: boolean): number[] {
  const sumX = counts.reduce((s, [x]) => s + x, 0);
  const sumN = counts.reduce((s, [, n]) => s + n, 0);
  const mu = sumX / sumN;
  const v = binary ? mu * (1 - mu) : mu;
  let phi = 0;
  for (const [x, n] of counts) phi += ((x / n - mu) / Math.sqrt(v / n)) ** 2;
  phi /= counts.length;
  return counts.map(([x, n]) => (x / n - mu) / Math.sqrt((phi * v) / n));
}

beforeAll(async () => {
  if (!hasData) return;
  // Its own study: the tests raise review queries and classify USUBJID as PHI.
  const pilot = await pilotStudy({ own: true });
  ({ t, tenant, studyId, manager } = pilot);
  dashboard = await pilot.dashboard('Pilot site monitoring', { templateId: 'site-monitoring' });
  ({ sql, close: closeDuck } = await parquetSql(pilot.files, ['DM', 'DS', 'AE'], { numbers: true }));
});
afterAll(async () => {
  closeDuck?.();
  await t?.close();
});

describe.skipIf(!hasData)('Site monitoring on the CDISC pilot SDTM', () => {
  it('the site risk table: counts match SQL, scores match the reference gsm score, flags follow 2 / 3', async () => {
    const expected = (await sql(`
      SELECT d.SITEID,
             count(*) AS screened,
             count(*) FILTER (WHERE d.RFSTDTC IS NOT NULL) AS enrolled,
             count(*) FILTER (WHERE d.ARM = 'Screen Failure') AS screen_failures,
             count(*) FILTER (WHERE d.RFSTDTC IS NOT NULL AND d.USUBJID IN (
               SELECT USUBJID FROM ds WHERE DSCAT = 'DISPOSITION EVENT' AND DSDECOD NOT IN ('COMPLETED', 'SCREEN FAILURE')
             )) AS discontinued,
             (SELECT count(*) FROM ae JOIN dm e USING (USUBJID) WHERE e.SITEID = d.SITEID AND e.RFSTDTC IS NOT NULL) AS aes,
             (SELECT count(*) FROM ae JOIN dm e USING (USUBJID)
               WHERE e.SITEID = d.SITEID AND e.RFSTDTC IS NOT NULL AND ae.AESER = 'Y') AS saes
        FROM dm d GROUP BY d.SITEID ORDER BY d.SITEID`)) as number[][];
    expect(expected).toHaveLength(17);
    expect(expected.reduce((s, r) => s + Number(r[1]), 0)).toBe(306);

    const answer = await widget('kri-table');
    const rows = new Map(table(answer).map((r) => [String(r.site), r]));
    expect(rows.size).toBe(17);
    const kris = [
      { id: 'ae', x: 5, n: 2, binary: false },
      { id: 'sae', x: 6, n: 2, binary: false },
      { id: 'discontinuation', x: 4, n: 2, binary: true },
      { id: 'screen_failure', x: 3, n: 1, binary: true },
    ];
    const flags: string[] = [];
    for (const kri of kris) {
      const counts = expected.map((r) => [Number(r[kri.x]), Number(r[kri.n])] as [number, number]);
      const scores = referenceScores(counts, kri.binary);
      expected.forEach((r, i) => {
        const site = String(r[0]);
        const got = rows.get(site);
        const [x, n] = counts[i] ?? [0, 0];
        expect(got?.screened, site).toBe(r[1]);
        expect(got?.enrolled, site).toBe(r[2]);
        const value = kri.binary ? (100 * x) / n : x / n;
        expect(Math.abs(Number(got?.[`${kri.id}_value`]) - value), `${kri.id} value at ${site}`).toBeLessThanOrEqual(
          kri.binary ? 0.05 : 0.005,
        );
        const score = scores[i] ?? Number.NaN;
        expect(Math.abs(Number(got?.[`${kri.id}_score`]) - score), `${kri.id} score at ${site}`).toBeLessThanOrEqual(
          0.0051,
        );
        const flag = n < 3 ? null : Math.abs(score) >= 3 ? 'Red' : Math.abs(score) >= 2 ? 'Amber' : 'Green';
        // Discontinuation flags high only (a site that keeps its subjects is no risk).
        const shownFlag = kri.id === 'discontinuation' && score < 0 && flag !== null ? 'Green' : flag;
        expect(got?.[`${kri.id}_flag`], `${kri.id} flag at ${site}`).toBe(shownFlag);
        if (shownFlag) flags.push(`${site}:${shownFlag}`);
      });
    }
    // The pilot has no DV: the table says so. No query has been raised yet: every site says so in words.
    expect(answer.columns.some((c) => c.name.startsWith('deviation'))).toBe(false);
    expect(answer.notes).toContain(
      'Protocol deviations is not shown: the study has no protocol deviations (DV) mapped.',
    );
    expect(table(answer).every((r) => r.query_value === 'No queries raised yet')).toBe(true);
    expect(answer.columns.some((c) => c.name === 'query_score')).toBe(false);
    expect(answer.notes).toContain(
      'Query rate: no queries raised yet on this study (review queries raised in CDP count).',
    );
    // Worst site first.
    const order = table(answer).map((r) => r.flag);
    const rank = (f: unknown) => (f === 'Red' ? 2 : f === 'Amber' ? 1 : f === 'Green' ? 0 : -1);
    expect([...order].sort((a, b) => rank(b) - rank(a))).toEqual(order);
  });

  it('the chart has a dot per site and KRI, at the table’s score, and drills to the site', async () => {
    const chart = await widget('kri-scores');
    const option = chart.chart as {
      series: Array<{ data: Array<{ value: number[]; point: { site: string } }> }>;
      yAxis: { data: string[] };
    };
    const dots = option.series.flatMap((s) => s.data);
    // AE, serious AE, discontinuation and screen failure (SDTM has no DV); no query raised yet: its row says so.
    expect(dots).toHaveLength(17 * 4);
    expect(option.yAxis.data.at(-1)).toBe('Query rate: no queries raised yet');
    const tableRows = table(await widget('kri-table'));
    const first = dots.find((d) => d.value[1] === 0);
    const row = tableRows.find((r) => r.site === first?.point.site);
    expect(first?.value[0]).toBe(row?.ae_score);
  });

  it("drilling into a site lists that site's subjects", async () => {
    const [[site, subjects] = []] = await sql(
      `SELECT SITEID, count(*) FROM dm GROUP BY SITEID ORDER BY count(*) DESC, SITEID LIMIT 1`,
    );
    const res = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/kri-table/subjects?point=${encodeURIComponent(JSON.stringify({ site }))}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const listing = res.json() as SubjectListing;
    expect(listing.total).toBe(subjects);
  });

  it('the query rate: review queries from PostgreSQL per enrolled subject, by site, against plain SQL', async () => {
    // Subjects to raise queries on: enrolled ones at the three largest sites, and one screen failure.
    const enrolled = (await sql(`
      SELECT USUBJID, SITEID FROM dm WHERE RFSTDTC IS NOT NULL
        AND SITEID IN (SELECT SITEID FROM dm GROUP BY SITEID ORDER BY count(*) DESC, SITEID LIMIT 3)
      ORDER BY SITEID, USUBJID`)) as string[][];
    const [[failure] = []] = (await sql(
      `SELECT USUBJID FROM dm WHERE ARM = 'Screen Failure' ORDER BY USUBJID LIMIT 1`,
    )) as string[][];
    const raise = async (usubjid: string, kind: 'query' | 'note' = 'query') => {
      const res = await t.request(manager, {
        method: 'POST',
        url: `/api/studies/${studyId}/review/threads`,
        payload: { kind, usubjid, title: 'Please check', body: 'Source data verification' },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().data.id as string;
    };
    // The first site's subjects get two queries each, every third subject elsewhere one.
    const firstSite = enrolled[0]?.[1];
    const ids: string[] = [];
    for (const [index, [usubjid, site]] of enrolled.entries()) {
      if (site === firstSite) ids.push(await raise(String(usubjid)), await raise(String(usubjid)));
      else if (index % 3 === 0) ids.push(await raise(String(usubjid)));
    }
    await raise(String(enrolled[1]?.[0]), 'note'); // a note is not a query
    await raise(String(failure)); // a screen failure is not in the denominator, nor its query
    const closed = ids[0];
    const close = await t.request(manager, {
      method: 'PATCH',
      url: `/api/studies/${studyId}/review/threads/${closed}`,
      payload: { status: 'closed' },
    });
    expect(close.statusCode, close.body).toBe(200);

    // Expected: queries per subject from PostgreSQL, each subject's site and enrolment from DuckDB.
    const { rows: perSubject } = await t.admin.query(
      `select usubjid, count(*)::int as raised, (count(*) filter (where status <> 'closed'))::int as outstanding
         from review_threads where study_id = $1 and kind = 'query' group by usubjid`,
      [studyId],
    );
    const dm = (await sql(`SELECT USUBJID, SITEID, RFSTDTC IS NOT NULL FROM dm ORDER BY SITEID`)) as [
      string,
      string,
      boolean,
    ][];
    const siteOf = new Map(dm.map(([u, s, e]) => [u, { site: s, enrolled: e }]));
    const sites = [...new Set(dm.map(([, s]) => s))].sort();
    const expectedFor = (kind: 'raised' | 'outstanding') => {
      const x = new Map(sites.map((s) => [s, 0]));
      for (const row of perSubject) {
        const subject = siteOf.get(row.usubjid);
        if (subject?.enrolled) x.set(subject.site, (x.get(subject.site) ?? 0) + row[kind]);
      }
      const n = new Map(sites.map((s) => [s, dm.filter(([, site, e]) => site === s && e).length]));
      const counts = sites.map((s) => [x.get(s) ?? 0, n.get(s) ?? 0] as [number, number]);
      return { counts, scores: referenceScores(counts, false) };
    };

    const check = (answer: WidgetDataResponse, kind: 'raised' | 'outstanding') => {
      const { counts, scores } = expectedFor(kind);
      const rows = new Map(table(answer).map((r) => [String(r.site), r]));
      sites.forEach((site, i) => {
        const [x, n] = counts[i] ?? [0, 0];
        const got = rows.get(String(site));
        expect(Math.abs(Number(got?.query_value) - x / n), `query rate at ${site}`).toBeLessThanOrEqual(0.005);
        expect(Math.abs(Number(got?.query_score) - (scores[i] ?? Number.NaN)), `score at ${site}`).toBeLessThanOrEqual(
          0.0051,
        );
        const flag = n < 3 ? null : (scores[i] ?? 0) >= 3 ? 'Red' : (scores[i] ?? 0) >= 2 ? 'Amber' : 'Green';
        expect(got?.query_flag, `query flag at ${site}`).toBe(flag);
      });
      return counts;
    };
    // The answer kept for the first test must not be served: the new queries change it.
    const counts = check(await widget('kri-table'), 'raised');
    expect(counts.reduce((s, [x]) => s + x, 0)).toBe(ids.length);
    expect(counts.filter(([x]) => x > 0).length).toBe(3);

    // Only open and answered queries, through the builder's preview of the same widget.
    const definition = dashboard.document.pages
      .flatMap((p) => Object.values(p.widgets))
      .find((w) => w.type === 'kri-site-risk');
    const preview = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: { widget: { ...definition, options: { ...definition?.options, queryStatus: 'outstanding' } } },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const outstanding = check(preview.json().data, 'outstanding');
    expect(outstanding.reduce((s, [x]) => s + x, 0)).toBe(ids.length - 1);
  });
  it("the page's kept answers follow new review queries, as the widget route's do", async () => {
    const pageId = dashboard.document.pages.find((p) => p.widgets['kri-table'])?.id;
    expect(pageId).toBeDefined();
    const pageTable = async () => {
      const res = await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/dashboards/${dashboard.id}/data?page=${pageId}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      const entry = (res.json().data.widgets as Array<{ id: string; data?: WidgetDataResponse }>).find(
        (w) => w.id === 'kri-table',
      );
      expect(entry?.data, 'kri-table on the page').toBeDefined();
      return new Map(table(entry?.data as WidgetDataResponse).map((r) => [String(r.site), Number(r.query_value)]));
    };
    // Twice, so the second answer is the kept one.
    await pageTable();
    const before = await pageTable();
    // One more query on an enrolled subject; its site's rate must rise by 1 / enrolled subjects there.
    const [[usubjid, site] = []] = (await sql(
      `SELECT USUBJID, SITEID FROM dm WHERE RFSTDTC IS NOT NULL ORDER BY USUBJID LIMIT 1`,
    )) as string[][];
    const [[enrolledAtSite] = []] = (await sql(
      `SELECT count(*) FROM dm WHERE RFSTDTC IS NOT NULL AND SITEID = '${site}'`,
    )) as number[][];
    const raised = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/review/threads`,
      payload: { kind: 'query', usubjid, title: 'One more', body: 'Please confirm the visit date' },
    });
    expect(raised.statusCode, raised.body).toBe(201);
    const after = await pageTable();
    const expected = (before.get(String(site)) ?? 0) + 1 / Number(enrolledAtSite);
    expect(Math.abs((after.get(String(site)) ?? 0) - expected), `query rate at ${site}`).toBeLessThanOrEqual(0.01);
  });

  it('a reader who sees USUBJID masked (PHI) is told why the query rate is missing, not shown 0', async () => {
    const admin = await tenant.as('org_admin');
    const classified = await t.request(admin, {
      method: 'PUT',
      url: `/api/studies/${studyId}/phi-columns`,
      payload: { dataset: 'DM', column: 'USUBJID', classification: 'phi' },
    });
    expect(classified.statusCode, classified.body).toBe(200);
    const scientist = await tenant.as('data_scientist');
    const res = await t.request(scientist, {
      method: 'GET',
      url: `/api/studies/${studyId}/dashboards/${dashboard.id}/widgets/kri-table/data`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json() as WidgetDataResponse;
    expect(answer.notes.some((n) => n.startsWith('Query rate is not shown: subject ids (USUBJID) are masked'))).toBe(
      true,
    );
    expect(table(answer).every((r) => r.query_value === 'Not attributable: subject ids masked')).toBe(true);
    // The manager, cleared for PHI, still sees the rates of the queries raised above.
    const clear = table(await widget('kri-table'));
    expect(clear.some((r) => typeof r.query_value === 'number' && r.query_value > 0)).toBe(true);
  });
});
