import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dashboard, WidgetDataResponse } from '@cdp/contracts';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { datasetFile } from '../../lib/study-folders.ts';

/*
 * The Demographics and AE-incidence widgets on the CDISC pilot's ADaM (adam-tdf ADSL and ADAE),
 * uploaded as a user would, checked against counts this test computes itself with plain DuckDB SQL
 * over the stored Parquet files: no widget, query-engine or mapping code is used for the expected
 * numbers. The definitions are the usual ones for these tables: the safety population (SAFFL = Y),
 * arms from ADSL.TRT01A, treatment-emergent events (TRTEMFL = Y).
 */

const ADAM = sharedData('cdiscpilot01', 'adam-tdf');
const hasData = existsSync(path.join(ADAM, 'adsl.xpt'));
if (!hasData) console.warn(`real-data dashboard tests skipped: ${ADAM} is absent (see the shared data README)`);

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
  dashboard = created.json().dashboard;

  // The stored Parquet files, read by a DuckDB of the test's own.
  const { rows } = await t.admin.query(
    `select d.name, d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [studyId],
  );
  const files = Object.fromEntries(rows.map((r) => [r.name, datasetFile(t.ctx.config.dataDir, r, r.label)]));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE VIEW adsl AS SELECT * FROM read_parquet('${files.ADSL}')`);
  await connection.run(`CREATE VIEW adae AS SELECT * FROM read_parquet('${files.ADAE}')`);
  // Counts come back as BIGINT (JSON strings): numbers here, so they compare with the API's.
  sql = async (query) =>
    ((await connection.runAndReadAll(query)).getRowsJson() as unknown[][]).map((row) =>
      row.map((cell) => (typeof cell === 'string' && /^\d+$/.test(cell) ? Number(cell) : cell)),
    );
  closeDuck = () => {
    connection.closeSync();
    instance.closeSync();
  };
});
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
});
