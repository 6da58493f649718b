import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SubjectEvent, SubjectProfile } from '@cdp/contracts';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { datasetFile } from '../../lib/study-folders.ts';

/*
 * The patient profile on the CDISC pilot, uploaded as a user would: the original SDTM (19 XPT
 * files) in one study, the original ADaM with the TDF's ADLBHY in another. Every figure is checked
 * against plain DuckDB SQL this test runs over the stored Parquet files itself, in the pilot's own
 * spelling; no profile code computes an expected value.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const ADAM = sharedData('cdiscpilot01', 'adam-original');
const TDF = sharedData('cdiscpilot01', 'adam-tdf');
const hasData = existsSync(path.join(SDTM, 'dm.xpt')) && existsSync(path.join(TDF, 'adlbhy.xpt'));
if (!hasData) console.warn('patient profile tests skipped: the pilot data in ../shared/data are absent');

let t: TestApp;
let manager: Session;
let adamManager: Session;
let sdtmTenant: Tenant;
let sdtmStudy: string;
let adamStudy: string;
let instance: DuckDBInstance;
let duck: DuckDBConnection;

type Row = Record<string, unknown>;

async function upload(session: Session, studyId: string, files: Array<{ dir: string; name: string }>) {
  const zip = buildZip(
    await Promise.all(files.map(async (f) => ({ name: f.name, data: await readFile(path.join(f.dir, f.name)) }))),
  );
  const res = await t.request(session, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('data.zip', zip),
  });
  expect(res.statusCode, res.body).toBe(201);
}

/** Views named `<prefix>_<dataset>` over the study's stored Parquet files. */
async function viewsOf(studyId: string, prefix: string): Promise<string[]> {
  const { rows } = await t.admin.query(
    `select d.name, d.file, d.org_id as "orgId", d.study_id as "studyId", v.label
       from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [studyId],
  );
  for (const r of rows) {
    const file = datasetFile(t.ctx.config.dataDir, r, r.label);
    await duck.run(`CREATE VIEW ${prefix}_${r.name.toLowerCase()} AS SELECT * FROM read_parquet('${file}')`);
  }
  return rows.map((r) => r.name as string);
}

/** Rows as objects; integer columns as numbers, blank text as null (as the profile reads it). */
async function sql(query: string): Promise<Row[]> {
  const reader = await duck.runAndReadAll(query);
  const names = reader.columnNames();
  const integer = reader.columnTypes().map((type) => /INT/.test(String(type)));
  return (reader.getRowsJson() as unknown[][]).map((row) =>
    Object.fromEntries(
      row.map((cell, i) => [
        names[i],
        integer[i] && cell !== null ? Number(cell) : typeof cell === 'string' && cell.trim() === '' ? null : cell,
      ]),
    ),
  );
}

async function profile(session: Session, studyId: string, subjectId: string): Promise<SubjectProfile> {
  const res = await t.request(session, {
    method: 'GET',
    url: `/api/studies/${studyId}/subjects/${encodeURIComponent(subjectId)}/profile`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

function eventsOf(p: SubjectProfile, kind: SubjectEvent['kind']) {
  return p.events.filter((e) => e.kind === kind).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

beforeAll(async () => {
  if (!hasData) return;
  t = await startTestApp({}, { reuseConversions: true });
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
  const first = await t.tenant();
  sdtmTenant = first;
  manager = await first.as('study_manager');
  sdtmStudy = first.study.id;
  const sdtmFiles = (await readdir(SDTM)).filter((f) => f.endsWith('.xpt')).map((name) => ({ dir: SDTM, name }));
  await upload(manager, sdtmStudy, sdtmFiles);
  await viewsOf(sdtmStudy, 's');

  // The ADaM study lives in an organization of its own (a manager cannot create studies).
  const second = await t.tenant();
  adamManager = await second.as('study_manager');
  adamStudy = second.study.id;
  const adamFiles = ['adsl.xpt', 'adae.xpt', 'adtte.xpt'].map((name) => ({ dir: ADAM, name }));
  await upload(adamManager, adamStudy, [...adamFiles, { dir: TDF, name: 'adlbhy.xpt' }]);
  await viewsOf(adamStudy, 'a');
}, 240_000);
afterAll(async () => {
  duck?.closeSync();
  instance?.closeSync();
  await t?.close();
});

describe.skipIf(!hasData)('the patient profile on the pilot SDTM', () => {
  /** The subject with the most AEs, one with a serious AE, and a screen failure: each a different story. */
  async function subjects(): Promise<string[]> {
    const most = await sql(`SELECT USUBJID FROM s_ae GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`);
    const serious = await sql(`SELECT min(USUBJID) AS USUBJID FROM s_ae WHERE AESER = 'Y'`);
    const failure = await sql(`SELECT min(USUBJID) AS USUBJID FROM s_dm WHERE ARM = 'Screen Failure'`);
    return [...new Set([most, serious, failure].map((r) => String(r[0]?.USUBJID)))];
  }

  it('demographics and the header come from the DM row', async () => {
    for (const id of await subjects()) {
      const p = await profile(manager, sdtmStudy, id);
      const [dm] = await sql(`SELECT * FROM s_dm WHERE USUBJID = '${id}'`);
      expect(p.summary).toMatchObject({
        subjectId: id,
        site: dm?.SITEID,
        arm: dm?.ARM,
        actualArm: dm?.ACTARM,
        sex: dm?.SEX,
        age: dm?.AGE,
        race: dm?.RACE,
        country: dm?.COUNTRY,
        firstDose: dm?.RFXSTDTC ?? dm?.RFSTDTC ?? null,
      });
      expect(p.demographics?.dataset).toBe('DM');
      expect(p.demographics?.fields.find((f) => f.name === 'ARMCD')).toMatchObject({
        label: 'Planned Arm Code',
        value: dm?.ARMCD,
      });
    }
  });

  it('adverse events: every AE row, with severity, seriousness, relatedness, outcome and dates', async () => {
    for (const id of await subjects()) {
      const p = await profile(manager, sdtmStudy, id);
      const expected = await sql(
        `SELECT AESEQ, AETERM, AEDECOD, AEBODSYS, AESEV, AESER, AEREL, AEOUT, AEACN, AESTDTC, AEENDTC, AESTDY, AEENDY
           FROM s_ae WHERE USUBJID = '${id}' ORDER BY AESEQ`,
      );
      const got = eventsOf(p, 'adverse_event');
      expect(got).toHaveLength(expected.length);
      expect(
        got.map((e) => [e.seq, e.term, e.decod, e.category, e.severity, e.serious, e.related, e.outcome, e.action]),
      ).toEqual(
        expected.map((r) => [
          r.AESEQ,
          r.AETERM,
          r.AEDECOD,
          r.AEBODSYS,
          r.AESEV,
          r.AESER === 'Y' ? true : r.AESER === 'N' ? false : null,
          r.AEREL,
          r.AEOUT,
          r.AEACN,
        ]),
      );
      expect(got.map((e) => [e.start, e.end, e.startDay, e.endDay])).toEqual(
        expected.map((r) => [r.AESTDTC, r.AEENDTC, r.AESTDY, r.AEENDY]),
      );
    }
    // The pilot's busiest subject really is busy, so the comparison above compared something.
    const [busiest] = await subjects();
    expect(eventsOf(await profile(manager, sdtmStudy, String(busiest)), 'adverse_event').length).toBeGreaterThan(10);
  });

  it('medications, medical history, exposure, visits and disposition, row for row', async () => {
    for (const id of await subjects()) {
      const p = await profile(manager, sdtmStudy, id);
      const cm = await sql(
        `SELECT CMSEQ, CMTRT, CMDECOD, CMINDC, CMDOSE, CMROUTE, CMSTDTC, CMENDTC FROM s_cm WHERE USUBJID = '${id}' ORDER BY CMSEQ`,
      );
      expect(
        eventsOf(p, 'medication').map((e) => [e.seq, e.term, e.decod, e.indication, e.dose, e.route, e.start, e.end]),
      ).toEqual(cm.map((r) => [r.CMSEQ, r.CMTRT, r.CMDECOD, r.CMINDC, r.CMDOSE, r.CMROUTE, r.CMSTDTC, r.CMENDTC]));
      const mh = await sql(
        `SELECT MHSEQ, MHTERM, MHDECOD, coalesce(nullif(trim(MHBODSYS), ''), MHCAT) AS MHBODSYS, MHSTDTC FROM s_mh WHERE USUBJID = '${id}' ORDER BY MHSEQ`,
      );
      expect(eventsOf(p, 'medical_history').map((e) => [e.seq, e.term, e.decod, e.category, e.start])).toEqual(
        mh.map((r) => [r.MHSEQ, r.MHTERM, r.MHDECOD, r.MHBODSYS, r.MHSTDTC]),
      );
      const ex = await sql(
        `SELECT EXSEQ, EXTRT, EXDOSE, EXDOSU, EXSTDTC, EXENDTC, EXSTDY, EXENDY FROM s_ex WHERE USUBJID = '${id}' ORDER BY EXSEQ`,
      );
      expect(
        eventsOf(p, 'exposure').map((e) => [e.seq, e.term, e.dose, e.doseUnit, e.start, e.end, e.startDay, e.endDay]),
      ).toEqual(ex.map((r) => [r.EXSEQ, r.EXTRT, r.EXDOSE, r.EXDOSU, r.EXSTDTC, r.EXENDTC, r.EXSTDY, r.EXENDY]));
      const ds = await sql(
        `SELECT DSSEQ, DSTERM, DSDECOD, DSCAT, DSSTDTC FROM s_ds WHERE USUBJID = '${id}' ORDER BY DSSEQ`,
      );
      expect(eventsOf(p, 'disposition').map((e) => [e.seq, e.term, e.decod, e.category, e.start])).toEqual(
        ds.map((r) => [r.DSSEQ, r.DSTERM, r.DSDECOD, r.DSCAT, r.DSSTDTC]),
      );
      const [end] = await sql(
        `SELECT DSDECOD FROM s_ds WHERE USUBJID = '${id}' AND DSCAT = 'DISPOSITION EVENT' ORDER BY DSSTDTC DESC, DSSEQ DESC LIMIT 1`,
      );
      expect(p.summary.status).toBe(end?.DSDECOD ?? null);
      const [visits] = await sql(`SELECT count(*) AS n FROM s_sv WHERE USUBJID = '${id}'`);
      expect(eventsOf(p, 'visit')).toHaveLength(Number(visits?.n));
    }
  });

  it('lists every dataset holding the subject’s rows, with its count', async () => {
    const [id] = await subjects();
    const p = await profile(manager, sdtmStudy, String(id));
    const expected: Array<[string, number]> = [];
    const withSubjects = await sql(
      `SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'USUBJID' AND table_name LIKE 's\\_%' ESCAPE '\\'`,
    );
    expect(withSubjects.length).toBeGreaterThan(10);
    for (const { table_name: view } of withSubjects) {
      const [row] = await sql(`SELECT count(*) AS n FROM ${view} WHERE USUBJID = '${id}'`);
      if (Number(row?.n) > 0) expected.push([String(view).slice(2).toUpperCase(), Number(row?.n)]);
    }
    expect(p.datasets.map((d) => [d.name, d.rows])).toEqual(expected.sort((a, b) => a[0].localeCompare(b[0])));
    // Trial design datasets name no subject.
    expect(p.datasets.map((d) => d.name)).not.toContain('TS');
    expect(p.versionId).toBeTruthy();
    // The dataset rows API reads any of them for the subject, under the profile's version.
    const filter = encodeURIComponent(JSON.stringify([{ column: 'USUBJID', op: 'eq', value: id }]));
    const rows = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${sdtmStudy}/versions/${p.versionId}/datasets/SUPPAE/rows?filter=${filter}&limit=500`,
    });
    expect(rows.statusCode, rows.body).toBe(200);
    expect(rows.json().total).toBe(p.datasets.find((d) => d.name === 'SUPPAE')?.rows ?? 0);
  });

  it('is a 404 for an unknown subject and for another organization, and 403 without data:view or review:perform', async () => {
    const unknown = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${sdtmStudy}/subjects/NOT-A-SUBJECT/profile`,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('NOT-A-SUBJECT');

    const [id] = await subjects();
    const other = await (await t.tenant()).as('org_admin');
    const foreign = await t.request(other, {
      method: 'GET',
      url: `/api/studies/${sdtmStudy}/subjects/${id}/profile`,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain(String(id));

    // An auditor sees the study but neither views data nor reviews it.
    const auditor = await sdtmTenant.as('auditor');
    const refused = await t.request(auditor, {
      method: 'GET',
      url: `/api/studies/${sdtmStudy}/subjects/${id}/profile`,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.details.missingPermission).toBe('data:view:assigned');
  });

  it('masks PHI exactly as the dataset viewer does, and shows it to a cleared reader', async () => {
    const [id] = await subjects();
    const classify = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${sdtmStudy}/phi-columns`,
      payload: { dataset: 'DM', column: 'ETHNIC', classification: 'phi' },
    });
    expect(classify.statusCode, classify.body).toBe(200);
    const [dm] = await sql(`SELECT ETHNIC FROM s_dm WHERE USUBJID = '${id}'`);
    const ethnic = String(dm?.ETHNIC);
    expect(ethnic).toMatch(/HISPANIC/);

    // A data scientist views data without data:view_phi: the header and the demographics both read
    // the masked column, as the dataset viewer shows it.
    const scientist = await sdtmTenant.as('data_scientist');
    const masked = await profile(scientist, sdtmStudy, String(id));
    expect(masked.demographics?.fields.find((f) => f.name === 'ETHNIC')).toMatchObject({
      value: '[PHI]',
      masked: true,
    });
    expect(masked.summary.ethnicity).toBe('[PHI]');
    expect(JSON.stringify(masked)).not.toContain(ethnic);

    // A clinical monitor reviews without data:view (nor data:view_phi): the same profile, masked alike.
    const monitor = await profile(await sdtmTenant.as('clinical_monitor'), sdtmStudy, String(id));
    expect(monitor.summary.ethnicity).toBe('[PHI]');
    expect(JSON.stringify(monitor)).not.toContain(ethnic);
    expect(monitor.events.length).toBe(masked.events.length);

    // The study manager holds every data permission of the study, PHI included.
    const clear = await profile(manager, sdtmStudy, String(id));
    expect(clear.demographics?.fields.find((f) => f.name === 'ETHNIC')).toMatchObject({ value: ethnic });
    expect(clear.summary.ethnicity).toBe(ethnic);
  });
});

describe.skipIf(!hasData)('the patient profile on the pilot ADaM (ADSL, ADAE, ADLBHY)', () => {
  async function subject(): Promise<string> {
    const [row] = await sql(
      `SELECT USUBJID FROM a_adae WHERE USUBJID IN (SELECT USUBJID FROM a_adlbhy) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
    );
    return String(row?.USUBJID);
  }

  it('reads demographics and the end of study from ADSL', async () => {
    const id = await subject();
    const p = await profile(adamManager, adamStudy, id);
    const [adsl] = await sql(`SELECT * FROM a_adsl WHERE USUBJID = '${id}'`);
    expect(p.demographics?.dataset).toBe('ADSL');
    expect(p.summary).toMatchObject({
      site: adsl?.SITEID,
      arm: adsl?.ARM,
      actualArm: adsl?.TRT01A,
      age: adsl?.AGE,
      sex: adsl?.SEX,
      firstDose: adsl?.TRTSDT,
      lastDose: adsl?.TRTEDT,
      status: adsl?.DCDECOD,
    });
    expect(p.sources).toMatchObject({ demographics: ['ADSL'], adverse_event: ['ADAE'], labs: ['ADLBHY'] });
  });

  it('adverse events from ADAE, with analysis dates and days', async () => {
    const id = await subject();
    const p = await profile(adamManager, adamStudy, id);
    const expected = await sql(
      `SELECT AETERM, AESEV, AESER, AEREL, AEOUT, CAST(ASTDT AS VARCHAR) AS ASTDT, ASTDY, TRTEMFL
         FROM a_adae WHERE USUBJID = '${id}' ORDER BY ASTDT NULLS LAST, AETERM, AESEV`,
    );
    const got = p.events
      .filter((e) => e.kind === 'adverse_event')
      .map((e) => [e.term, e.severity, e.serious, e.related, e.outcome, e.start, e.startDay, e.treatmentEmergent]);
    const want = expected.map((r) => [
      r.AETERM,
      r.AESEV,
      r.AESER === 'Y',
      r.AEREL,
      r.AEOUT,
      r.ASTDT,
      r.ASTDY,
      r.TRTEMFL === 'Y' ? true : r.TRTEMFL === 'N' ? false : null,
    ]);
    const order = (rows: unknown[][]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(order(got)).toEqual(order(want));
    expect(got.length).toBeGreaterThan(3);
  });

  it('labs from ADLBHY: every result with its limits and a flag from them', async () => {
    const id = await subject();
    const p = await profile(adamManager, adamStudy, id);
    const expected = await sql(
      `SELECT PARAMCD, AVISITN, AVAL, A1LO, A1HI,
              CASE WHEN AVAL IS NULL OR (A1LO IS NULL AND A1HI IS NULL) THEN NULL
                   WHEN AVAL < A1LO THEN 'LOW' WHEN AVAL > A1HI THEN 'HIGH' ELSE 'NORMAL' END AS FLAG
         FROM a_adlbhy WHERE USUBJID = '${id}'`,
    );
    expect(p.labs).toHaveLength(expected.length);
    const key = (r: unknown[]) => JSON.stringify(r);
    expect(p.labs.map((l) => key([l.testCode, l.visitNum, l.value, l.low, l.high, l.flag])).sort()).toEqual(
      expected.map((r) => key([r.PARAMCD, r.AVISITN, r.AVAL, r.A1LO, r.A1HI, r.FLAG])).sort(),
    );
    const [datasets] = await sql(`SELECT count(*) AS n FROM a_adlbhy WHERE USUBJID = '${id}'`);
    expect(p.datasets.find((d) => d.name === 'ADLBHY')?.rows).toBe(Number(datasets?.n));
  });
});
