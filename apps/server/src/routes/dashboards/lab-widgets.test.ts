import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WidgetDataResponse } from '@cdp/contracts';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { datasetFile } from '../../lib/study-folders.ts';
import { loadGeneratedVersion } from '../../seed/load-demo-data.ts';

/** The parts of an eDISH chart option the tests read. */
interface Item {
  name: string;
  value: unknown;
  point?: Record<string, unknown>;
  symbol?: string;
}
interface Series {
  name: string;
  silent?: boolean;
  data: Item[];
  markLine?: { data: Array<{ xAxis?: number; yAxis?: number; label: { formatter: string } }> };
}
interface Chart {
  xAxis: Record<string, unknown>;
  yAxis: Record<string, unknown>;
  legend: { data: string[] };
  series: Series[];
}

/*
 * The lab widgets (eDISH, Hy's-law cases, shift table, trends, outliers) on two real studies: the
 * demo generator's SDTM study (LB with planted Hy's-law, transaminase-only and cholestatic cases,
 * ULNs that differ by sex) and the CDISC pilot's ADaM ADLBHY (adam-tdf). Every expected number is
 * computed here with plain DuckDB SQL over the stored Parquet files, never with widget or query
 * engine code, and where the data carry their own answer (ADLBHY's R2A1HI = AVAL / A1HI) that
 * answer is used.
 */

const ADAM = sharedData('cdiscpilot01', 'adam-tdf');
const hasPilot = hasSharedData('the lab widget tests on ADLBHY', 'cdiscpilot01', 'adam-tdf', 'adlbhy.xpt');

interface Study {
  id: string;
  session: Session;
  sql: (query: string) => Promise<unknown[][]>;
  close: () => void;
}

let t: TestApp;
let demo: Study;
let pilot: Study | undefined;

const NOT_TREATED = `('Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT')`;

/** The stored Parquet files of a study as DuckDB views of the test's own. */
async function openStudy(studyId: string, session: Session): Promise<Study> {
  const { rows } = await t.admin.query(
    `select d.name, d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [studyId],
  );
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const r of rows) {
    await connection.run(
      `CREATE VIEW ${r.name} AS SELECT * FROM read_parquet('${datasetFile(t.ctx.config.dataDir, r, r.label)}')`,
    );
  }
  const sql = async (query: string) =>
    ((await connection.runAndReadAll(query)).getRowsJson() as unknown[][]).map((row) =>
      row.map((cell) => (typeof cell === 'string' && /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell)),
    );
  return {
    id: studyId,
    session,
    sql,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

interface Widget {
  type: string;
  dataset: string;
  population: string;
  mapping: Record<string, string>;
  options?: Record<string, unknown>;
}

/** A widget drawn through the builder's preview, as the builder does before it is saved. */
async function draw(study: Study, widget: Widget): Promise<WidgetDataResponse> {
  const res = await t.request(study.session, {
    method: 'POST',
    url: `/api/studies/${study.id}/widgets/preview`,
    payload: {
      widget: {
        type: widget.type,
        title: widget.type,
        optionsVersion: 1,
        options: widget.options ?? {},
        data: { dataset: widget.dataset, population: widget.population, mapping: widget.mapping },
      },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.error, JSON.stringify(body.report)).toBeNull();
  return body.data;
}

function rowsOf(data: WidgetDataResponse): Record<string, unknown>[] {
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));
}

const DEMO_LB = {
  dataset: 'LB',
  population: 'DM',
  mapping: {
    subject_id: 'USUBJID',
    arm: 'DM.ACTARM',
    lab_test_code: 'LBTESTCD',
    lab_test: 'LBTEST',
    lab_value: 'LBSTRESN',
    lab_uln: 'LBSTNRHI',
    lab_lln: 'LBSTNRLO',
    lab_indicator: 'LBNRIND',
    baseline_flag: 'LBBLFL',
    lab_date: 'LBDTC',
    visit: 'VISIT',
    visit_order: 'VISITNUM',
    treatment_start: 'DM.RFXSTDTC',
  },
};

const PILOT_LB = {
  dataset: 'ADLBHY',
  population: 'ADSL',
  mapping: {
    subject_id: 'USUBJID',
    arm: 'ADSL.TRT01A',
    population_flag: 'ADSL.SAFFL',
    lab_test_code: 'PARAMCD',
    lab_test: 'PARAM',
    lab_value: 'AVAL',
    lab_uln: 'A1HI',
    lab_lln: 'A1LO',
    baseline_flag: 'ABLFL',
    lab_date: 'ADT',
    visit: 'AVISIT',
    visit_order: 'AVISITN',
    treatment_start: 'ADSL.TRTSDT',
  },
};

beforeAll(async () => {
  t = await startTestApp();
  const first = await t.tenant();
  const manager = await first.as('study_manager');
  await loadGeneratedVersion(
    t.ctx,
    { id: first.study.id, orgId: first.org.id },
    { subjects: 400, sites: 8, seed: 19, studyId: 'T-LAB' },
  );
  demo = await openStudy(first.study.id, manager);

  if (!hasPilot) return;
  const second = await t.tenant();
  const pilotManager = await second.as('study_manager');
  const zip = buildZip([
    { name: 'adsl.xpt', data: await readFile(path.join(ADAM, 'adsl.xpt')) },
    { name: 'adlbhy.xpt', data: await readFile(path.join(ADAM, 'adlbhy.xpt')) },
  ]);
  const upload = await t.request(pilotManager, {
    method: 'POST',
    url: `/api/studies/${second.study.id}/uploads`,
    ...multipartFile('adam.zip', zip),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  pilot = await openStudy(second.study.id, pilotManager);
});

afterAll(async () => {
  demo?.close();
  pilot?.close();
  await t?.close();
});

/** `subject → [x, y]` from a widget's rows, rounded as the widget rounds (3 decimals). */
function points(data: WidgetDataResponse): Map<string, [number, number, string]> {
  return new Map(rowsOf(data).map((r) => [String(r.subject_id), [Number(r.x), Number(r.y), String(r.quadrant)]]));
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

describe("eDISH and Hy's-law cases on the demo study (SDTM LB)", () => {
  /**
   * Peak × ULN per subject and test, as the brief defines it: group by subject, test and ULN, take
   * max(value) / ULN per group, then the largest per subject.
   */
  const peaksSql = (where = '') => `
    WITH g AS (
      SELECT l.USUBJID, d.ACTARM AS arm, l.LBTESTCD AS test, max(l.LBSTRESN) / l.LBSTNRHI AS x
        FROM LB l JOIN DM d USING (USUBJID)
       WHERE l.LBTESTCD IN ('ALT', 'BILI') AND l.LBSTRESN IS NOT NULL AND l.LBSTNRHI > 0
         AND d.ACTARM NOT IN ${NOT_TREATED} ${where}
       GROUP BY 1, 2, 3, l.LBSTNRHI)
    SELECT USUBJID, arm, max(x) FILTER (WHERE test = 'ALT'), max(x) FILTER (WHERE test = 'BILI')
      FROM g GROUP BY 1, 2 HAVING count(*) FILTER (WHERE test = 'ALT') > 0 AND count(*) FILTER (WHERE test = 'BILI') > 0
     ORDER BY 1`;

  it('plots every treated subject at peak ALT × ULN against peak bilirubin × ULN, as plain SQL computes them', async () => {
    const expected = (await demo.sql(peaksSql())) as [string, string, number, number][];
    expect(expected.length).toBeGreaterThan(200);
    const data = await draw(demo, { type: 'edish', ...DEMO_LB });
    const got = points(data);
    expect(got.size).toBe(expected.length);
    for (const [subject, arm, x, y] of expected) {
      expect(got.get(subject)?.slice(0, 2), subject).toEqual([r3(x), r3(y)]);
      expect(rowsOf(data).find((r) => r.subject_id === subject)?.arm).toBe(arm);
    }
    const hysLaw = expected.filter(([, , x, y]) => x >= 3 && y >= 2).map(([s]) => s);
    expect(hysLaw.length).toBeGreaterThan(0);
    expect(
      [...got]
        .filter(([, p]) => p[2] === "Hy's law range")
        .map(([s]) => s)
        .sort(),
    ).toEqual(hysLaw.sort());
    // Chart: log axes and one series per arm, each point carrying its subject for the profile link.
    const chart = data.chart as unknown as Chart;
    expect(chart.xAxis.type).toBe('log');
    const plotted = chart.series.filter((s) => s.name !== 'Quadrants').flatMap((s) => s.data);
    expect(plotted.length).toBe(expected.length);
    expect(plotted[0]?.point?.subject_id).toEqual(plotted[0]?.name);
  });

  it("lists the Hy's-law subjects: every planted drug-induced liver injury, and they match plain SQL", async () => {
    const expected = ((await demo.sql(peaksSql())) as [string, string, number, number][])
      .filter(([, , x, y]) => x >= 3 && y >= 2)
      .map(([s]) => s)
      .sort();
    const planted = (
      (await demo.sql(`SELECT DISTINCT USUBJID FROM AE WHERE AEDECOD ILIKE '%liver injury%' ORDER BY 1`)) as [string][]
    ).map(([s]) => s);
    expect(planted.length).toBeGreaterThan(0);
    const data = await draw(demo, { type: 'hys-law-cases', ...DEMO_LB });
    const listed = rowsOf(data).map((r) => String(r.subject_id));
    expect([...listed].sort()).toEqual(expected);
    for (const subject of planted) expect(listed, `planted case ${subject}`).toContain(subject);
  });

  it('on treatment: values on or after the first dose only (RFXSTDTC), as plain SQL', async () => {
    const expected = (await demo.sql(
      peaksSql(`AND CAST(left(l.LBDTC, 10) AS DATE) >= CAST(left(d.RFXSTDTC, 10) AS DATE)`),
    )) as [string, string, number, number][];
    const data = await draw(demo, { type: 'edish', ...DEMO_LB, options: { onTreatmentOnly: true } });
    const got = points(data);
    expect(got.size).toBe(expected.length);
    for (const [subject, , x, y] of expected) expect(got.get(subject)?.slice(0, 2), subject).toEqual([r3(x), r3(y)]);
    expect(data.notes).toContain('On-treatment values only');
  });
});

describe.skipIf(!hasPilot)('eDISH on the CDISC pilot ADLBHY (ADaM)', () => {
  it("peaks match the dataset's own ratio to the upper limit (R2A1HI), safety population by TRT01A", async () => {
    const study = pilot as Study;
    const expected = (await study.sql(`
      SELECT l.USUBJID, s.TRT01A,
             max(l.R2A1HI) FILTER (WHERE l.PARAMCD = 'ALT'),
             max(l.R2A1HI) FILTER (WHERE l.PARAMCD = 'AST'),
             max(l.R2A1HI) FILTER (WHERE l.PARAMCD = 'BILI')
        FROM ADLBHY l JOIN ADSL s USING (USUBJID)
       WHERE s.SAFFL = 'Y' AND l.PARAMCD IN ('ALT', 'AST', 'BILI')
       GROUP BY 1, 2 ORDER BY 1`)) as [string, string, number | null, number | null, number | null][];
    const complete = expected.filter(([, , alt, ast, bili]) => bili !== null && bili > 0 && (alt ?? ast) !== null);
    expect(complete.length).toBeGreaterThan(200);
    const data = await draw(pilot as Study, { type: 'edish', ...PILOT_LB, options: { transaminase: 'max' } });
    const got = points(data);
    expect(got.size).toBe(complete.length);
    for (const [subject, , alt, ast, bili] of complete) {
      const x = Math.max(alt ?? 0, ast ?? 0);
      const [gx, gy] = got.get(subject) ?? [Number.NaN, Number.NaN];
      // R2A1HI is stored rounded to 6 decimals; the widget rounds to 3.
      expect(gx, subject).toBeCloseTo(x, 2);
      expect(gy, subject).toBeCloseTo(bili as number, 2);
    }
  });
});

/**
 * Shift counts by plain SQL: categories ranked LOW 1 < NORMAL 2 < HIGH 3; baseline is the flagged
 * record (highest if several), worst high the highest post-baseline rank, worst low the lowest.
 * `rank` is an SQL expression over `l` (the lab row); `post` says which rows are post-baseline.
 */
function shiftSql(opts: {
  lab: string;
  pop: string;
  test: string;
  arm: string;
  rank: string;
  post: string;
  base: string;
  where: string;
}) {
  return `
    WITH r AS (
      SELECT ${opts.test} AS test, ${opts.arm} AS arm, l.USUBJID AS subject, ${opts.rank} AS rank,
             ${opts.base} AS is_base, (${opts.post}) AS is_post
        FROM ${opts.lab} l JOIN ${opts.pop} p USING (USUBJID) WHERE ${opts.where}),
    s AS (
      SELECT test, arm, subject, max(rank) FILTER (WHERE is_base) AS base,
             max(rank) FILTER (WHERE is_post) AS hi, min(rank) FILTER (WHERE is_post) AS lo
        FROM r GROUP BY 1, 2, 3)
    SELECT test, arm, base, hi, lo, count(*) FROM s WHERE base IS NOT NULL AND hi IS NOT NULL GROUP BY 1, 2, 3, 4, 5`;
}

const RANK_NAME = ['', 'LOW', 'NORMAL', 'HIGH'];

/** Expected `test|direction|arm|baseline|post → n`, and N per `test|direction|arm`. */
function expectedShifts(rows: unknown[][]) {
  const cells = new Map<string, number>();
  const n = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  for (const [test, arm, base, hi, lo, count] of rows as [string, string, number, number, number, number][]) {
    for (const [direction, post] of [
      ['Worst high', hi],
      ['Worst low', lo],
    ] as const) {
      add(cells, [test, direction, arm, RANK_NAME[base], RANK_NAME[post]].join('|'), count);
      add(n, [test, direction, arm].join('|'), count);
    }
  }
  return { cells, n };
}

function shiftCells(data: WidgetDataResponse) {
  const cells = new Map<string, number>();
  const n = new Map<string, number>();
  for (const r of rowsOf(data)) {
    n.set([r.test, r.direction, r.arm].join('|'), Number(r.n));
    let sum = 0;
    for (const post of ['LOW', 'NORMAL', 'HIGH']) {
      const count = Number(r[`${post.toLowerCase()}_n`]);
      sum += count;
      if (count > 0) cells.set([r.test, r.direction, r.arm, r.baseline, post].join('|'), count);
    }
    expect(Number(r.total_n)).toBe(sum);
  }
  return { cells, n };
}

describe('lab shift table', () => {
  it('demo study (LBNRIND): counts per arm, test and direction match plain SQL, and sum to N', async () => {
    const expected = expectedShifts(
      await demo.sql(
        shiftSql({
          lab: 'LB',
          pop: 'DM',
          test: 'l.LBTESTCD',
          arm: 'p.ACTARM',
          rank: `CASE l.LBNRIND WHEN 'LOW' THEN 1 WHEN 'NORMAL' THEN 2 WHEN 'HIGH' THEN 3 END`,
          base: `l.LBBLFL = 'Y'`,
          post: `CAST(left(l.LBDTC, 10) AS DATE) > CAST(left(p.RFXSTDTC, 10) AS DATE) AND coalesce(l.LBBLFL, '') <> 'Y'`,
          where: `p.ACTARM NOT IN ${NOT_TREATED} AND l.LBTESTCD IN ('ALT', 'K', 'BILI')`,
        }),
      ),
    );
    const data = await draw(demo, { type: 'lab-shift', ...DEMO_LB, options: { tests: ['ALT', 'K', 'BILI'] } });
    const got = shiftCells(data);
    expect(got.cells).toEqual(expected.cells);
    expect(got.n).toEqual(expected.n);
    // Every arm's cells add up to its N: the subjects with a baseline and a post-baseline value.
    const sums = new Map<string, number>();
    for (const [key, count] of got.cells) {
      const group = key.split('|').slice(0, 3).join('|');
      sums.set(group, (sums.get(group) ?? 0) + count);
    }
    expect(sums).toEqual(got.n);
    expect([...got.cells.keys()].some((k) => k.endsWith('|HIGH'))).toBe(true);
  });

  it.skipIf(!hasPilot)('pilot ADLBHY (no indicator: AVAL against A1LO/A1HI) matches plain SQL', async () => {
    const study = pilot as Study;
    const expected = expectedShifts(
      await study.sql(
        shiftSql({
          lab: 'ADLBHY',
          pop: 'ADSL',
          test: 'l.PARAMCD',
          arm: 'p.TRT01A',
          rank: `CASE WHEN l.AVAL IS NULL THEN NULL WHEN l.AVAL < l.A1LO THEN 1 WHEN l.AVAL > l.A1HI THEN 3 ELSE 2 END`,
          base: `l.ABLFL = 'Y'`,
          post: `CAST(l.ADT AS DATE) > CAST(p.TRTSDT AS DATE) AND coalesce(l.ABLFL, '') <> 'Y'`,
          where: `p.SAFFL = 'Y' AND l.PARAMCD IN ('ALT', 'AST', 'BILI')`,
        }),
      ),
    );
    expect(expected.n.size).toBe(3 * 2 * 3);
    const data = await draw(study, { type: 'lab-shift', ...PILOT_LB, options: { tests: ['ALT', 'AST', 'BILI'] } });
    const got = shiftCells(data);
    expect(got.cells).toEqual(expected.cells);
    expect(got.n).toEqual(expected.n);
  });
});

describe('lab values over time', () => {
  /** n, mean, SD, median, Q1, Q3 per visit and arm by plain SQL, keyed `visit_order|arm`. */
  async function expectedStats(study: Study, sql: string) {
    const rows = (await study.sql(sql)) as [number, string, number, number, number | null, number, number, number][];
    return new Map(rows.map(([order, arm, ...stats]) => [`${order}|${arm}`, stats]));
  }

  function gotStats(data: WidgetDataResponse, test: string) {
    return new Map(
      rowsOf(data)
        .filter((r) => r.test === test)
        .map((r) => [
          `${r.visit_order}|${r.arm}`,
          [r.n, r.mean, r.sd, r.median, r.q1, r.q3].map((v) => (v === null ? null : Number(v))),
        ]),
    );
  }

  function compare(got: Map<string, (number | null)[]>, expected: Map<string, (number | null)[]>) {
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, stats] of expected) {
      const mine = got.get(key) ?? [];
      stats.forEach((value, i) => {
        if (value === null) expect(mine[i], `${key} #${i}`).toBeNull();
        else expect(mine[i], `${key} #${i}`).toBeCloseTo(value, 3);
      });
    }
  }

  it('demo ALT by visit number and arm matches plain SQL; visits are drawn in VISITNUM order', async () => {
    const expected = await expectedStats(
      demo,
      `SELECT l.VISITNUM, p.ACTARM, count(l.LBSTRESN), avg(l.LBSTRESN), stddev_samp(l.LBSTRESN), median(l.LBSTRESN),
              quantile_cont(l.LBSTRESN, 0.25), quantile_cont(l.LBSTRESN, 0.75)
         FROM LB l JOIN DM p USING (USUBJID)
        WHERE l.LBTESTCD = 'ALT' AND l.LBSTRESN IS NOT NULL AND p.ACTARM NOT IN ${NOT_TREATED}
        GROUP BY 1, 2`,
    );
    const data = await draw(demo, { type: 'lab-trend', ...DEMO_LB, options: { test: 'ALT' } });
    compare(gotStats(data, 'ALT'), expected);
    const order = (await demo.sql(
      `SELECT DISTINCT l.VISITNUM, l.VISIT FROM LB l JOIN DM p USING (USUBJID)
        WHERE l.LBTESTCD = 'ALT' AND l.LBSTRESN IS NOT NULL AND p.ACTARM NOT IN ${NOT_TREATED} ORDER BY 1`,
    )) as [number, string][];
    const chart = data.chart as unknown as { xAxis: { data: string[] }; series: Series[] };
    expect(chart.xAxis.data).toEqual(order.map(([, visit]) => visit));
    const [uln] = (await demo.sql(`SELECT median(LBSTNRHI) FROM LB l JOIN DM p USING (USUBJID)
        WHERE l.LBTESTCD = 'ALT' AND l.LBSTRESN IS NOT NULL AND p.ACTARM NOT IN ${NOT_TREATED}`)) as [[number]];
    expect(chart.series[0]?.markLine?.data.map((d) => d.yAxis)).toContain(uln[0]);
  });

  it.skipIf(!hasPilot)('pilot ADLBHY bilirubin by AVISITN and arm matches plain SQL', async () => {
    const study = pilot as Study;
    const expected = await expectedStats(
      study,
      `SELECT l.AVISITN, p.TRT01A, count(l.AVAL), avg(l.AVAL), stddev_samp(l.AVAL), median(l.AVAL),
              quantile_cont(l.AVAL, 0.25), quantile_cont(l.AVAL, 0.75)
         FROM ADLBHY l JOIN ADSL p USING (USUBJID)
        WHERE l.PARAMCD = 'BILI' AND l.AVAL IS NOT NULL AND l.AVISITN IS NOT NULL AND p.SAFFL = 'Y'
        GROUP BY 1, 2`,
    );
    expect(expected.size).toBe(9 * 3);
    const data = await draw(study, { type: 'lab-trend', ...PILOT_LB, options: { test: 'BILI', statistic: 'median' } });
    compare(gotStats(data, 'BILI'), expected);
  });
});

describe('lab outliers', () => {
  it('demo study: the records outside their own range, counted and first page as plain SQL lists them', async () => {
    const where = `p.ACTARM NOT IN ${NOT_TREATED} AND (l.LBSTRESN < l.LBSTNRLO OR l.LBSTRESN > l.LBSTNRHI)`;
    const [[total]] = (await demo.sql(`SELECT count(*) FROM LB l JOIN DM p USING (USUBJID) WHERE ${where}`)) as [
      [number],
    ];
    const first = (await demo.sql(`
      SELECT l.USUBJID, l.LBTESTCD, l.LBDTC, l.LBSTRESN, CASE WHEN l.LBSTRESN > l.LBSTNRHI THEN 'HIGH' ELSE 'LOW' END
        FROM LB l JOIN DM p USING (USUBJID) WHERE ${where}
       ORDER BY l.USUBJID, l.LBTESTCD, l.LBDTC, l.LBSTRESN LIMIT 50`)) as unknown[][];
    expect(total).toBeGreaterThan(100);
    const data = await draw(demo, { type: 'lab-outliers', ...DEMO_LB });
    expect(data.total).toBe(total);
    expect(rowsOf(data).map((r) => [r.subject_id, r.test, r.lab_date, r.value, r.flag])).toEqual(first);
  });

  it("demo study: above 3 × ULN, every planted Hy's-law ALT peak is listed", async () => {
    const expected = (await demo.sql(`
      SELECT count(*), count(*) FILTER (WHERE l.LBTESTCD = 'ALT') FROM LB l JOIN DM p USING (USUBJID)
       WHERE p.ACTARM NOT IN ${NOT_TREATED} AND l.LBSTRESN > 3 * l.LBSTNRHI`)) as [[number, number]];
    const data = await draw(demo, {
      type: 'lab-outliers',
      ...DEMO_LB,
      options: { rule: 'above-uln-multiple', times: 3, pageSize: 1000 },
    });
    expect(data.total).toBe(expected[0]?.[0]);
    expect(rowsOf(data).filter((r) => r.test === 'ALT').length).toBe(expected[0]?.[1]);
    for (const r of rowsOf(data)) expect(Number(r.x_uln)).toBeGreaterThan(2.99);
  });

  it.skipIf(!hasPilot)('pilot ADLBHY: AVAL outside A1LO–A1HI, as plain SQL counts it', async () => {
    const study = pilot as Study;
    const [[total]] = (await study.sql(`
      SELECT count(*) FROM ADLBHY l JOIN ADSL p USING (USUBJID)
       WHERE p.SAFFL = 'Y' AND l.PARAMCD IN ('ALT', 'AST', 'BILI') AND (l.AVAL < l.A1LO OR l.AVAL > l.A1HI)`)) as [
      [number],
    ];
    const data = await draw(study, { type: 'lab-outliers', ...PILOT_LB, options: { tests: ['ALT', 'AST', 'BILI'] } });
    expect(total).toBeGreaterThan(0);
    expect(data.total).toBe(total);
  });
});
