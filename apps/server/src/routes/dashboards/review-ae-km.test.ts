import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WidgetDataResponse, WidgetDefinition } from '@cdp/contracts';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { renderPdf } from '@cdp/reports';
import { PILOT_ADAE_EXPLORER_DATA } from '@cdp/widgets/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { referenceCurve, referenceLogRank3, referenceMedian, type Subject } from '../../../test/reference-survival.ts';
import { datasetFile } from '../../lib/study-folders.ts';

/*
 * The AE explorer and Kaplan–Meier widgets on the CDISC pilot, uploaded as a user would:
 * - study 1: the pilot ADaM of adam-tdf (ADSL, ADAE, ADTTE);
 * - study 2: the pilot's original SDTM AE and DM, with adam-original's ADTTE beside them.
 * Expected numbers come from plain DuckDB SQL over the stored Parquet files and from the test's own
 * formulas (test/reference-survival.ts and the RD/RR formulas below): no widget, query-engine or
 * mapping code. Definitions as the pilot's own analyses use them: the safety population (SAFFL = Y)
 * with arms from ADSL.TRT01A, treatment-emergent events (TRTEMFL = Y); in SDTM, treated subjects
 * (RFXSTDTC present) by DM.ACTARM, every AE; ADTTE's TTDE parameter, CNSR 0 = event, by TRTA.
 */

const ADAM_TDF = sharedData('cdiscpilot01', 'adam-tdf');
const ADAM_ORIGINAL = sharedData('cdiscpilot01', 'adam-original');
const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const hasData = hasSharedData('the AE explorer and Kaplan–Meier tests', 'cdiscpilot01', 'adam-tdf', 'adtte.xpt');

interface Study {
  id: string;
  sql: (query: string) => Promise<unknown[][]>;
}

let t: TestApp;
let manager: Session;
const studies: Record<'adam' | 'sdtm', Study> = {} as never;
const closers: Array<() => void> = [];

async function upload(files: Array<[string, string]>): Promise<Study> {
  const tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  const zip = buildZip(
    await Promise.all(files.map(async ([dir, name]) => ({ name, data: await readFile(path.join(dir, name)) }))),
  );
  const res = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${tenant.study.id}/uploads`,
    ...multipartFile('pilot.zip', zip),
  });
  expect(res.statusCode, res.body).toBe(201);
  const { rows } = await t.admin.query(
    `select d.name, d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [tenant.study.id],
  );
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const r of rows)
    await connection.run(
      `CREATE VIEW ${r.name.toLowerCase()} AS SELECT * FROM read_parquet('${datasetFile(t.ctx.config.dataDir, r, r.label)}')`,
    );
  closers.push(() => {
    connection.closeSync();
    instance.closeSync();
  });
  return {
    id: tenant.study.id,
    sql: async (query) =>
      ((await connection.runAndReadAll(query)).getRowsJson() as unknown[][]).map((row) =>
        row.map((cell) => (typeof cell === 'string' && /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell)),
      ),
  };
}

/** A widget drawn through the builder's preview, as the study's manager. */
async function preview(
  study: Study,
  widget: Omit<WidgetDefinition, 'title' | 'optionsVersion'>,
): Promise<WidgetDataResponse> {
  const res = await t.request(sessions.get(study.id) as Session, {
    method: 'POST',
    url: `/api/studies/${study.id}/widgets/preview`,
    payload: { widget: { title: widget.type, optionsVersion: 1, ...widget } },
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  expect(body.error).toBeNull();
  return body.data;
}

const sessions = new Map<string, Session>();

beforeAll(async () => {
  if (!hasData) return;
  t = await startTestApp({}, { reuseConversions: true });
  studies.adam = await upload([
    [ADAM_TDF, 'adsl.xpt'],
    [ADAM_TDF, 'adae.xpt'],
    [ADAM_TDF, 'adtte.xpt'],
  ]);
  sessions.set(studies.adam.id, manager);
  studies.sdtm = await upload([
    [SDTM, 'dm.xpt'],
    [SDTM, 'ae.xpt'],
    [ADAM_ORIGINAL, 'adtte.xpt'],
  ]);
  sessions.set(studies.sdtm.id, manager);
});

afterAll(async () => {
  for (const close of closers) close();
  await t?.close();
});

type Row = Record<string, unknown>;
function table(data: WidgetDataResponse): Row[] {
  return data.rows.map((row) => Object.fromEntries(data.columns.map((c, i) => [c.name, row[i]])));
}

/** The test's own RD (Wald) and RR (log scale, Haldane 0.5 for a zero cell), as the table rounds them. */
const Z = 1.959963984540054;
function expectedEstimates(a: number, n1: number, c: number, n2: number) {
  const p1 = a / n1;
  const p2 = c / n2;
  const half = Z * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const zero = [a, n1 - a, c, n2 - c].some((x) => x === 0);
  const k = zero ? 0.5 : 0;
  const rr = (a + k) / (n1 + 2 * k) / ((c + k) / (n2 + 2 * k));
  const se = Math.sqrt(1 / (a + k) - 1 / (n1 + 2 * k) + 1 / (c + k) - 1 / (n2 + 2 * k));
  return {
    rd_pct: 100 * (p1 - p2),
    rd_low_pct: 100 * (p1 - p2 - half),
    rd_high_pct: 100 * (p1 - p2 + half),
    rr: a === 0 && c === 0 ? null : rr,
    rr_low: a === 0 && c === 0 ? null : rr * Math.exp(-Z * se),
    rr_high: a === 0 && c === 0 ? null : rr * Math.exp(Z * se),
  };
}

const EXCLUDED = `('Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN', 'Not Treated', 'NOTTRT')`;

interface Incidence {
  arms: Map<string, number>;
  /** `arm | soc | term` (term '' for the SOC line, both '' for any AE) → subjects. */
  cells: Map<string, number>;
}

/** Denominators and subjects with an event per arm, SOC and PT, from the test's own SQL. */
async function incidence(study: Study, sql: { population: string; events: string }): Promise<Incidence> {
  const arms = new Map((await study.sql(sql.population)).map((r) => [String(r[0]), Number(r[1])]));
  const cells = new Map<string, number>();
  for (const r of await study.sql(`WITH e AS (${sql.events})
      SELECT arm, soc, term, count(DISTINCT usubjid) FROM e GROUP BY arm, soc, term
      UNION ALL SELECT arm, soc, '', count(DISTINCT usubjid) FROM e GROUP BY arm, soc
      UNION ALL SELECT arm, '', '', count(DISTINCT usubjid) FROM e GROUP BY arm`))
    cells.set(`${r[0]} | ${r[1]} | ${r[2]}`, Number(r[3]));
  return { arms, cells };
}

/** Every line of the widget against the SQL: n and % per arm, then RD/RR of `comparison` against `reference`. */
function checkExplorer(data: WidgetDataResponse, want: Incidence, comparison: string, reference: string) {
  const armColumns = data.columns
    .filter((c) => /^arm\d+_n$/.test(c.name))
    .map((c) => ({ key: c.name.replace(/_n$/, ''), arm: c.label.replace(/ \(N=\d+\): n$/, ''), label: c.label }));
  expect(armColumns.map((c) => c.arm).sort()).toEqual([...want.arms.keys()].sort());
  for (const c of armColumns) expect(c.label).toBe(`${c.arm} (N=${want.arms.get(c.arm)}): n`);
  const rows = table(data);
  // Every SQL line is in the widget and vice versa (no term is lost or invented).
  const lines = new Set([...want.cells.keys()].map((k) => k.split(' | ').slice(1).join(' | ')));
  expect(rows.length).toBe(lines.size);
  for (const row of rows) {
    const where = `${row.ae_body_system ?? ''} | ${row.ae_term ?? ''}`;
    for (const c of armColumns) {
      const n = want.cells.get(`${c.arm} | ${where}`) ?? 0;
      expect(row[`${c.key}_n`], `${c.arm} ${where}`).toBe(n);
      expect(row[`${c.key}_pct`], `${c.arm} ${where}`).toBeCloseTo((100 * n) / (want.arms.get(c.arm) as number), 1);
    }
    const e = expectedEstimates(
      want.cells.get(`${comparison} | ${where}`) ?? 0,
      want.arms.get(comparison) as number,
      want.cells.get(`${reference} | ${where}`) ?? 0,
      want.arms.get(reference) as number,
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

const ADAM_EXPLORER = { type: 'ae-explorer', data: { ...PILOT_ADAE_EXPLORER_DATA, filters: [] } };
const ADAM_POPULATION = `SELECT TRT01A, count(DISTINCT USUBJID) FROM adsl
  WHERE SAFFL = 'Y' AND TRTSDT IS NOT NULL AND TRT01A NOT IN ${EXCLUDED} GROUP BY 1`;
const adamEvents = (extra = '') => `SELECT s.TRT01A AS arm, e.AEBODSYS AS soc, e.AEDECOD AS term, e.USUBJID AS usubjid
  FROM adae e JOIN adsl s ON s.USUBJID = e.USUBJID
  WHERE s.SAFFL = 'Y' AND s.TRTSDT IS NOT NULL AND s.TRT01A NOT IN ${EXCLUDED} AND e.TRTEMFL = 'Y' ${extra}`;

describe.skipIf(!hasData)('AE explorer on the CDISC pilot', () => {
  it('is in the builder catalogue with its filters and arm options', async () => {
    const res = await t.request(sessions.get(studies.adam.id) as Session, { method: 'GET', url: '/api/widget-types' });
    expect(res.statusCode).toBe(200);
    const types = res.json().data as Array<{ type: string; optionsSchema: { properties: Record<string, unknown> } }>;
    const explorer = types.find((w) => w.type === 'ae-explorer');
    expect(Object.keys(explorer?.optionsSchema.properties ?? {})).toEqual(
      expect.arrayContaining([
        'comparisonArm',
        'referenceArm',
        'serious',
        'severity',
        'relatedness',
        'outcome',
        'sortBy',
      ]),
    );
    expect(types.some((w) => w.type === 'kaplan-meier')).toBe(true);
  });

  it('ADaM (ADAE + ADSL): incidence per arm, RD and RR of High Dose against Placebo, as plain SQL and the formulas say', async () => {
    const options = { comparisonArm: 'Xanomeline High Dose', referenceArm: 'Placebo' };
    const data = await preview(studies.adam, { ...ADAM_EXPLORER, options });
    const want = await incidence(studies.adam, { population: ADAM_POPULATION, events: adamEvents() });
    expect([...want.arms.values()].reduce((a, b) => a + b, 0)).toBe(254);
    checkExplorer(data, want, 'Xanomeline High Dose', 'Placebo');
    expect(table(data)[0]).toMatchObject({ label: 'Any adverse event' });
  });

  it.each([
    {
      name: 'severe or moderate, probably or possibly related',
      options: { severity: ['SEVERE', 'MODERATE'], relatedness: ['PROBABLE', 'POSSIBLE'] },
      sql: `AND e.AESEV IN ('SEVERE', 'MODERATE') AND e.AEREL IN ('PROBABLE', 'POSSIBLE')`,
    },
    { name: 'serious', options: { serious: 'serious' }, sql: `AND e.AESER = 'Y'` },
    {
      name: 'non-serious, recovered',
      options: { serious: 'non-serious', outcome: ['RECOVERED/RESOLVED'] },
      sql: `AND e.AESER = 'N' AND e.AEOUT = 'RECOVERED/RESOLVED'`,
    },
  ])('ADaM filtered ($name): events narrow, denominators stay', async ({ options, sql }) => {
    const data = await preview(studies.adam, {
      ...ADAM_EXPLORER,
      options: { ...options, comparisonArm: 'Xanomeline Low Dose', referenceArm: 'Placebo' },
    });
    const want = await incidence(studies.adam, { population: ADAM_POPULATION, events: adamEvents(sql) });
    checkExplorer(data, want, 'Xanomeline Low Dose', 'Placebo');
  });

  it('SDTM (AE + DM): treated subjects by ACTARM, every AE, as plain SQL says', async () => {
    const data = await preview(studies.sdtm, {
      type: 'ae-explorer',
      options: { severity: ['MILD'] },
      data: {
        dataset: 'AE',
        population: 'DM',
        mapping: {
          subject_id: 'USUBJID',
          arm: 'DM.ACTARM',
          ae_body_system: 'AEBODSYS',
          ae_term: 'AEDECOD',
          ae_severity: 'AESEV',
          treatment_start: 'DM.RFXSTDTC',
        },
        filters: [],
      },
    });
    const treated = `NULLIF(trim(RFXSTDTC), '') IS NOT NULL`;
    const want = await incidence(studies.sdtm, {
      population: `SELECT ACTARM, count(DISTINCT USUBJID) FROM dm WHERE ${treated} AND ACTARM NOT IN ${EXCLUDED} GROUP BY 1`,
      events: `SELECT d.ACTARM AS arm, a.AEBODSYS AS soc, a.AEDECOD AS term, a.USUBJID AS usubjid
        FROM ae a JOIN dm d ON d.USUBJID = a.USUBJID
        WHERE ${treated.replace('RFXSTDTC', 'd.RFXSTDTC')} AND d.ACTARM NOT IN ${EXCLUDED} AND a.AESEV = 'MILD'`,
    });
    expect([...want.arms.values()].reduce((a, b) => a + b, 0)).toBe(254);
    // Default arms: the reference is the one named like Placebo, the comparison the first other arm.
    checkExplorer(data, want, 'Xanomeline High Dose', 'Placebo');
  });

  it('an arm cell drills to that arm’s subjects with the event: as many as the cell, the ones SQL finds', async () => {
    const created = await t.request(sessions.get(studies.adam.id) as Session, {
      method: 'POST',
      url: `/api/studies/${studies.adam.id}/dashboards`,
      payload: { name: 'Safety', templateId: 'safety-review' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const dashboard = created.json().data as { id: string };
    const base = `/api/studies/${studies.adam.id}/dashboards/${dashboard.id}/widgets/ae-explorer`;
    const res = await t.request(sessions.get(studies.adam.id) as Session, { method: 'GET', url: `${base}/data` });
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json() as WidgetDataResponse;
    const placebo = data.columns.find((c) => c.drill?.arm === 'Placebo');
    expect(placebo?.name).toMatch(/^arm\d_n$/);
    // The most frequent preferred term of Placebo, and the "any adverse event" line.
    const rows = table(data);
    const term = rows
      .filter((r) => r.ae_term !== null)
      .sort((a, b) => Number(b[placebo?.name ?? '']) - Number(a[placebo?.name ?? '']))[0];
    for (const row of [term, rows[0]]) {
      const point = {
        ...(row?.ae_body_system !== null ? { ae_body_system: row?.ae_body_system } : {}),
        ...(row?.ae_term !== null ? { ae_term: row?.ae_term } : {}),
        ...placebo?.drill,
      };
      const drill = await t.request(sessions.get(studies.adam.id) as Session, {
        method: 'GET',
        url: `${base}/subjects?point=${encodeURIComponent(JSON.stringify(point))}&limit=1000`,
      });
      expect(drill.statusCode, drill.body).toBe(200);
      const listing = drill.json() as { total: number; columns: { field?: string }[]; rows: unknown[][] };
      const id = listing.columns.findIndex((c) => c.field === 'subject_id');
      const subjects = listing.rows.map((r) => String(r[id])).sort();
      const where = row?.ae_term !== null ? `AND e.AEDECOD = '${String(row?.ae_term).replaceAll("'", "''")}'` : '';
      const expected = (
        await studies.adam.sql(`SELECT DISTINCT usubjid FROM (${adamEvents(where)}) WHERE arm = 'Placebo' ORDER BY 1`)
      ).map((r) => String(r[0]));
      expect(listing.total, JSON.stringify(point)).toBe(row?.[placebo?.name ?? '']);
      expect(subjects).toEqual(expected);
    }
  });
});

const KM = (dataset = 'ADTTE') => ({
  type: 'kaplan-meier',
  data: {
    dataset,
    mapping: {
      subject_id: 'USUBJID',
      tte_time: 'AVAL',
      tte_censor: 'CNSR',
      arm: 'TRTA',
      tte_parameter: 'PARAMCD',
      population_flag: 'SAFFL',
    },
    filters: [],
  },
});

describe.skipIf(!hasData)('Kaplan–Meier on the CDISC pilot ADTTE (time to first dermatological event)', () => {
  it.each([
    ['adam-tdf', 'adam'],
    ['adam-original', 'sdtm'],
  ] as const)(
    '%s: curves, bands, medians, numbers at risk and log-rank against the test’s own implementation',
    async (_, which) => {
      const study = studies[which];
      const data = await preview(study, { ...KM(), options: { parameter: 'TTDE', riskTableStep: 25 } });
      const raw = await study.sql(
        `SELECT TRTA, AVAL, CNSR FROM adtte WHERE PARAMCD = 'TTDE' AND SAFFL = 'Y' ORDER BY 1`,
      );
      const byArm = new Map<string, Subject[]>();
      for (const [arm, time, cnsr] of raw) {
        const list = byArm.get(String(arm)) ?? [];
        list.push({ time: Number(time), event: Number(cnsr) === 0 });
        byArm.set(String(arm), list);
      }
      expect([...byArm.keys()]).toEqual(['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose']);
      expect(raw.length).toBe(254);

      const rows = table(data);
      for (const [arm, subjects] of byArm) {
        const curve = referenceCurve(subjects);
        const shown = rows.filter((r) => r.section === 'Survival estimate' && r.arm === arm);
        expect(shown[0]).toMatchObject({ time: 0, at_risk: subjects.length, estimate: 1 });
        expect(shown.slice(1).map((r) => r.time)).toEqual(curve.map((s) => s.time));
        curve.forEach((s, i) => {
          const r = shown[i + 1] as Row;
          expect(r.at_risk, `${arm} t=${s.time}`).toBe(s.atRisk);
          expect(Math.abs((r.estimate as number) - s.survival)).toBeLessThan(6e-5);
          if (s.low === null) expect(r.ci_low).toBeNull();
          else expect(Math.abs((r.ci_low as number) - s.low), `${arm} t=${s.time} low`).toBeLessThan(6e-5);
          if (s.high === null) expect(r.ci_high).toBeNull();
          else expect(Math.abs((r.ci_high as number) - s.high), `${arm} t=${s.time} high`).toBeLessThan(6e-5);
        });
        const median = referenceMedian(curve, subjects);
        const row = rows.find((r) => r.section === 'Median (95% CI)' && r.arm === arm);
        expect(row, arm).toMatchObject({
          at_risk: subjects.length,
          events: subjects.filter((s) => s.event).length,
          estimate: median.estimate,
          ci_low: median.low,
          ci_high: median.high,
        });
        // Number at risk every 25 days, counted straight from the records.
        const atRisk = rows.filter((r) => r.section === 'Number at risk' && r.arm === arm);
        expect(atRisk.map((r) => r.time)).toEqual([0, 25, 50, 75, 100, 125, 150, 175]);
        for (const r of atRisk) expect(r.at_risk).toBe(subjects.filter((s) => s.time >= (r.time as number)).length);
      }
      const test = referenceLogRank3([...byArm.values()] as [Subject[], Subject[], Subject[]]);
      const note = data.notes.find((n) => n.startsWith('Log-rank test:')) as string;
      expect(note).toBe(
        `Log-rank test: χ² = ${test.chiSquare.toFixed(2)} on 2 df, ${test.p < 0.001 ? 'p < 0.001' : `p = ${test.p.toFixed(test.p < 0.01 ? 4 : 3)}`}.`,
      );
      // The figures the report gives (the pilot's own published tables are not in the shared data).
      console.info(
        `pilot TTDE (${which}): ${data.notes.join(' | ')} (reference χ² ${test.chiSquare.toFixed(4)}, p ${test.p.toExponential(3)})`,
      );

      // The chart carries the curves and the risk table for exports, JSON only.
      expect(JSON.parse(JSON.stringify(data.chart))).toEqual(data.chart);
      expect(data.chart?.grid).toHaveLength(2);
    },
  );

  it('an unknown parameter draws nothing and says so; an arm filter of the dashboard narrows the curves', async () => {
    const none = await preview(studies.adam, { ...KM(), options: { parameter: 'OS' } });
    expect(none.rows.filter((r) => r[0] === 'Survival estimate')).toEqual([]);
    const res = await t.request(sessions.get(studies.adam.id) as Session, {
      method: 'POST',
      url: `/api/studies/${studies.adam.id}/widgets/preview`,
      payload: {
        widget: { title: 'KM', optionsVersion: 1, ...KM(), options: { parameter: 'TTDE' } },
        filters: [{ field: 'arm', op: 'in', value: ['Placebo'] }],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const arms = new Set((res.json().data as WidgetDataResponse).rows.map((r) => r[1]));
    expect([...arms]).toEqual(['Placebo']);
  });

  it('exports to PDF with the curves and the number-at-risk table under them', async () => {
    const km = await preview(studies.adam, { ...KM(), options: { parameter: 'TTDE' } });
    const dots = await preview(studies.adam, {
      ...ADAM_EXPLORER,
      options: { display: 'dot-plot', maxTerms: 10, comparisonArm: 'Xanomeline High Dose', referenceArm: 'Placebo' },
    });
    const pdf = await renderPdf({
      study: { code: 'CDISCPILOT01', name: 'CDISC pilot' },
      dashboard: { name: 'Safety review' },
      dataVersion: { label: 'pilot', activatedAt: null },
      filters: [],
      generatedBy: 'test',
      generatedAt: new Date('2026-01-01T00:00:00Z'),
      options: { paperSize: 'A4', orientation: 'landscape' },
      pages: [
        {
          id: 'safety',
          title: 'Safety',
          widgets: [
            {
              id: 'km',
              title: 'Time to first dermatological event',
              type: 'kaplan-meier',
              layout: { x: 0, y: 0, w: 6, h: 12 },
              data: km,
            },
            { id: 'dots', title: 'AE dot plot', type: 'ae-explorer', layout: { x: 6, y: 0, w: 6, h: 12 }, data: dots },
          ],
        },
      ],
    });
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'cdp-km-')), 'km.pdf');
    await writeFile(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Number at risk');
    // The chart writes the p-value on the risk table's heading line.
    expect(text).toContain('Log-rank p < 0.001');
    expect(text).toContain('Survival probability');
    expect(text).toContain('Risk difference');
    // The risk table's first column: every arm's subjects at time 0 (86 + 84 + 84 = 254).
    const atZero = km.rows.filter((r) => r[0] === 'Number at risk' && r[2] === 0).map((r) => String(r[3]));
    expect(atZero.sort()).toEqual(['84', '84', '86']);
    for (const n of atZero) expect(text).toContain(n);
    console.info(`KM PDF written to ${file}`);
  });
});
