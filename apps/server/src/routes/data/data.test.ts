import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type DataVersion, type VersionDiff, VersionList } from '@cdp/contracts';
import { buildZip, hasSharedData, sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { studyDir } from '../../lib/study-folders.ts';
import { presentVersion } from '../../presenters/data.ts';
import { listVersions } from '../../repositories/data-versions.repo.ts';

const XPT_FIXTURES = path.resolve(import.meta.dirname, '../../../../../packages/formats/fixtures/xpt');

const DM_V1 = 'USUBJID,ARM,AGE,SEX\nS-001,Placebo,63,F\nS-002,Drug,71,M\nS-003,Drug,55,F\n';
// S-001 unchanged, S-002 older, S-003 gone, S-004 new; a column added.
const DM_V2 = 'USUBJID,ARM,AGE,SEX,RACE\nS-001,Placebo,63,F,WHITE\nS-002,Drug,72,M,ASIAN\nS-004,Placebo,48,M,WHITE\n';

let t: TestApp;
let manager: Session;
let studyId: string;
let orgId: string;

async function upload(session: Session, fileName: string, data: Buffer | string, study = studyId) {
  return t.request(session, {
    method: 'POST',
    url: `/api/studies/${study}/uploads`,
    ...multipartFile(fileName, data),
  });
}

async function versions(session: Session = manager) {
  const res = await t.request(session, { method: 'GET', url: `/api/studies/${studyId}/versions` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { data: DataVersion[]; meta: { activeVersionId: string | null } };
  return { data: body.data, activeVersionId: body.meta.activeVersionId };
}

beforeAll(async () => {
  t = await startTestApp({ uploadMaxBytes: 64 * 1024 * 1024 });
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  orgId = tenant.org.id;
  manager = await tenant.as('study_manager');
});
afterAll(() => t.close());

describe('uploading data', () => {
  let first: DataVersion;
  let second: DataVersion;

  it('turns a CSV into the first version, which becomes active, with its manifest and audit trail', async () => {
    const res = await upload(manager, 'dm.csv', DM_V1);
    expect(res.statusCode, res.body).toBe(201);
    first = res.json().data;
    expect(first).toMatchObject({
      active: true,
      source: { kind: 'upload', fileName: 'dm.csv', bytes: DM_V1.length },
      skipped: [],
    });
    expect(first.label).toMatch(/^\d{8}_\d{6}(_\d+)?$/);
    expect(first.datasets).toEqual([
      expect.objectContaining({
        name: 'dm',
        rows: 3,
        source: 'dm.csv',
        format: 'csv',
        columns: [
          { name: 'USUBJID', label: null, type: 'string', length: null, format: null },
          { name: 'ARM', label: null, type: 'string', length: null, format: null },
          { name: 'AGE', label: null, type: 'integer', length: null, format: null },
          { name: 'SEX', label: null, type: 'string', length: null, format: null },
        ],
      }),
    ]);

    const folder = path.join(studyDir(t.ctx.config.dataDir, orgId, studyId), 'source_data', first.label);
    const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      versionId: first.id,
      label: first.label,
      createdBy: { type: 'user', label: manager.user.email },
      source: { fileName: 'dm.csv', sha256: first.source.sha256 },
      datasets: [{ name: 'dm', file: 'dm.parquet', rows: 3, sha256: first.datasets[0]?.sha256 }],
    });
    expect((await readdir(folder)).sort()).toEqual(['dm.parquet', 'manifest.json']);

    const { rows } = await t.admin.query(
      'select action, reason from audit_events where org_id = $1 and action like $2 order by seq',
      [orgId, 'data_version.%'],
    );
    expect(rows).toEqual([
      { action: 'data_version.created', reason: null },
      { action: 'data_version.activated', reason: 'First data version of the study' },
    ]);
  });

  it('keeps a later upload inactive until someone activates it', async () => {
    const res = await upload(manager, 'dm.csv', DM_V2);
    expect(res.statusCode, res.body).toBe(201);
    second = res.json().data;
    expect(second.active).toBe(false);
    const list = await versions();
    expect(list.activeVersionId).toBe(first.id);
    expect(list.data.map((v) => v.id)).toEqual([second.id, first.id]);
  });

  it('compares two versions by key: columns added, rows added, removed and changed, with samples', async () => {
    const res = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${first.id}/diff/${second.id}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const diff = res.json() as VersionDiff;
    expect(diff.datasetsAdded).toEqual([]);
    expect(diff.datasets).toHaveLength(1);
    expect(diff.datasets[0]).toMatchObject({
      name: 'dm',
      status: 'changed',
      rows: { from: 3, to: 3 },
      columnsAdded: ['RACE'],
      columnsRemoved: [],
      key: ['USUBJID'],
      rowsAdded: 1,
      rowsRemoved: 1,
      rowsChanged: 1,
      samples: {
        added: [{ USUBJID: 'S-004', ARM: 'Placebo', AGE: 48, SEX: 'M', RACE: 'WHITE' }],
        removed: [{ USUBJID: 'S-003', ARM: 'Drug', AGE: 55, SEX: 'F' }],
        changed: [{ key: { USUBJID: 'S-002' }, changes: [{ column: 'AGE', from: 71, to: 72 }] }],
      },
    });
    const byArm = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${first.id}/diff/${second.id}?key=ARM`,
    });
    expect(byArm.json().datasets[0]).toMatchObject({ key: null, keyProblem: expect.stringContaining('not unique') });
  });

  it('activates a version with a reason, and rolls back to the earlier one, both audited', async () => {
    const noReason = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${second.id}/activate`,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    const activate = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${second.id}/activate`,
      payload: { reason: 'Monthly data transfer reviewed' },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    expect(activate.json().data).toMatchObject({ id: second.id, active: true });
    expect((await versions()).activeVersionId).toBe(second.id);

    const again = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${second.id}/activate`,
      payload: { reason: 'Twice' },
    });
    expect(again.statusCode).toBe(409);

    const rollBack = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${first.id}/activate`,
      payload: { reason: 'Transfer had a site mix-up' },
    });
    expect(rollBack.statusCode, rollBack.body).toBe(200);
    expect((await versions()).activeVersionId).toBe(first.id);
    const { rows } = await t.admin.query(
      `select action, reason, old_values->>'activeVersionId' as "from", new_values->>'activeVersionId' as "to"
         from audit_events where org_id = $1 and action in ('data_version.activated', 'data_version.rolled_back') order by seq`,
      [orgId],
    );
    expect(rows.slice(1)).toEqual([
      { action: 'data_version.activated', reason: 'Monthly data transfer reviewed', from: first.id, to: second.id },
      { action: 'data_version.rolled_back', reason: 'Transfer had a site mix-up', from: second.id, to: first.id },
    ]);
  });

  it('lists versions as the drizzle reads present them, with the active flag and the maker as they are now', async () => {
    // The list is served from versions presented once per process (presenters/version-list.ts);
    // the reference is the drizzle read and presenter the route used before, through the schema.
    const reference = async () => {
      const [study] = (
        await t.admin.query('select active_data_version_id as active from studies where id = $1', [studyId])
      ).rows as { active: string }[];
      const rows = await t.ctx.database.tenant(orgId, (tx) => listVersions(tx, orgId, studyId));
      return VersionList.shape.data.parse(rows.map((v) => presentVersion(v, study?.active ?? null)));
    };
    const list = async () => {
      const res = await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/versions` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = VersionList.parse(res.json());
      expect(body.meta.permissions).toEqual(expect.arrayContaining(['data:view:assigned', 'data:upload:assigned']));
      return body;
    };
    expect((await list()).data).toEqual(await reference());
    expect((await list()).data.map((v) => [v.id, v.active])).toEqual([
      [second.id, false],
      [first.id, true],
    ]);
    // The active flag is not kept with the version: activating the other shows at once.
    const activate = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${second.id}/activate`,
      payload: { reason: 'List check' },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    expect((await list()).data.map((v) => v.active)).toEqual([true, false]);
    // A renamed maker shows at once too (the kept version is keyed by the name read now).
    await t.admin.query('update users set name = $2 where id = $1', [manager.user.id, 'Renamed Manager']);
    const renamed = await list();
    expect(renamed.data.map((v) => v.createdBy?.name)).toEqual(['Renamed Manager', 'Renamed Manager']);
    expect(renamed.data).toEqual(await reference());
    const back = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${first.id}/activate`,
      payload: { reason: 'List check done' },
    });
    expect(back.statusCode, back.body).toBe(200);
  });

  it('reads rows paged, sorted and filtered on any column, and says which parameter is wrong', async () => {
    const base = `/api/studies/${studyId}/versions/${second.id}/datasets/DM/rows`;
    const sorted = await t.request(manager, { method: 'GET', url: `${base}?sort=-AGE&limit=2` });
    expect(sorted.statusCode, sorted.body).toBe(200);
    expect(sorted.json()).toMatchObject({
      total: 3,
      rows: [
        ['S-002', 'Drug', 72, 'M', 'ASIAN'],
        ['S-001', 'Placebo', 63, 'F', 'WHITE'],
      ],
    });
    const filter = encodeURIComponent(
      JSON.stringify([
        { column: 'AGE', op: 'lt', value: 70 },
        { column: 'race', op: 'contains', value: 'whi' },
      ]),
    );
    const filtered = await t.request(manager, { method: 'GET', url: `${base}?filter=${filter}&sort=USUBJID` });
    expect(filtered.json()).toMatchObject({
      total: 2,
      rows: [
        ['S-001', 'Placebo', 63, 'F', 'WHITE'],
        ['S-004', 'Placebo', 48, 'M', 'WHITE'],
      ],
    });
    const paged = await t.request(manager, { method: 'GET', url: `${base}?offset=2&limit=5` });
    expect(paged.json()).toMatchObject({ total: 3, rows: [['S-004', 'Placebo', 48, 'M', 'WHITE']] });

    const unknown = await t.request(manager, { method: 'GET', url: `${base}?sort=NOPE` });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({
      code: 'INVALID_QUERY',
      message: 'sort: there is no column NOPE in this dataset',
    });
    const badValue = encodeURIComponent(JSON.stringify([{ column: 'AGE', op: 'gt', value: 'old' }]));
    const wrongType = await t.request(manager, { method: 'GET', url: `${base}?filter=${badValue}` });
    expect(wrongType.json().error.message).toBe('filter[0]: "old" is not a number, which column AGE holds');
    const injection = encodeURIComponent(JSON.stringify([{ column: 'AGE" OR 1=1 --', op: 'eq', value: 1 }]));
    expect((await t.request(manager, { method: 'GET', url: `${base}?filter=${injection}` })).statusCode).toBe(400);
    const notJson = await t.request(manager, { method: 'GET', url: `${base}?filter=nope` });
    expect(notJson.statusCode).toBe(400);
  });

  it('profiles a column', async () => {
    const res = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${second.id}/datasets/dm/profile?column=ARM`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      name: 'ARM',
      label: null,
      type: 'string',
      rows: 3,
      missing: 0,
      distinct: 2,
      min: 'Drug',
      max: 'Placebo',
      mean: null,
      top: [
        { value: 'Placebo', count: 2 },
        { value: 'Drug', count: 1 },
      ],
      filters: 0,
    });
    const age = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${second.id}/datasets/dm/profile?column=AGE`,
    });
    expect(age.json()).toMatchObject({ type: 'integer', min: 48, max: 72, mean: 61 });
  });

  it("profiles a column over the viewer's filters, split by another column", async () => {
    // DM v2: S-001 Placebo 63 WHITE, S-002 Drug 72 ASIAN, S-004 Placebo 48 WHITE.
    const filter = encodeURIComponent(JSON.stringify([{ column: 'RACE', op: 'eq', value: 'WHITE' }]));
    const res = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${second.id}/datasets/dm/profile?column=AGE&filter=${filter}&by=SEX`,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      rows: 2,
      min: 48,
      max: 63,
      mean: 55.5,
      filters: 1,
      split: {
        by: 'SEX',
        totalGroups: 2,
        groups: [
          { value: 'F', rows: 1, missing: 0, distinct: 1, min: 63, max: 63, mean: 63 },
          { value: 'M', rows: 1, missing: 0, distinct: 1, min: 48, max: 48, mean: 48 },
        ],
      },
    });
    const badSplit = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${second.id}/datasets/dm/profile?column=AGE&by=NOPE`,
    });
    expect(badSplit.statusCode).toBe(400);
    expect(badSplit.json().error.message).toBe('by: there is no column NOPE in this dataset');
  });

  it('downloads CSV and Parquet, and records the export in the audit trail', async () => {
    const csv = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${first.id}/datasets/dm/download?format=csv`,
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="dm.csv"');
    expect(csv.body).toBe(DM_V1.replaceAll('\n', '\r\n'));
    const parquet = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${first.id}/datasets/dm/download?format=parquet`,
    });
    expect(parquet.rawPayload.subarray(0, 4).toString()).toBe('PAR1');
    const { rows } = await t.admin.query(
      `select count(*)::int as n from audit_events where org_id = $1 and action = 'dataset.exported'`,
      [orgId],
    );
    expect(rows[0].n).toBe(2);
  });

  it('downloads a CSV as filtered and sorted on screen, audited with the view; other formats are as stored', async () => {
    const base = `/api/studies/${studyId}/versions/${second.id}/datasets/dm/download`;
    const filter = encodeURIComponent(JSON.stringify([{ column: 'ARM', op: 'eq', value: 'Placebo' }]));
    const csv = await t.request(manager, { method: 'GET', url: `${base}?format=csv&filter=${filter}&sort=-AGE` });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body).toBe('USUBJID,ARM,AGE,SEX,RACE\r\nS-001,Placebo,63,F,WHITE\r\nS-004,Placebo,48,M,WHITE\r\n');
    const { rows } = await t.admin.query(
      `select new_values->'view' as view from audit_events
        where org_id = $1 and action = 'dataset.exported' order by seq desc limit 1`,
      [orgId],
    );
    expect(rows[0].view).toEqual({ filters: [{ column: 'ARM', op: 'eq', value: 'Placebo' }], sort: '-AGE' });
    const parquet = await t.request(manager, { method: 'GET', url: `${base}?format=parquet&sort=AGE` });
    expect(parquet.statusCode).toBe(400);
    expect(parquet.json().error.message).toBe('Only CSV downloads follow filters and sort.');
  });

  it('lets a data scientist read but not upload or activate; a monitor cannot read rows', async () => {
    const tenant = { as: (role: 'data_scientist' | 'clinical_monitor') => t.signIn({ orgId, role }) };
    const scientist = await tenant.as('data_scientist');
    expect((await versions(scientist)).data).toHaveLength(2);
    expect((await upload(scientist, 'dm.csv', DM_V1)).statusCode).toBe(403);
    const activate = await t.request(scientist, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${second.id}/activate`,
      payload: { reason: 'not mine to do' },
    });
    expect(activate.statusCode).toBe(403);
    const monitor = await tenant.as('clinical_monitor');
    const rows = await t.request(monitor, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${second.id}/datasets/dm/rows`,
    });
    expect(rows.statusCode).toBe(403);
  });
});

describe('bad uploads leave nothing behind', () => {
  let study: string;
  let session: Session;
  let org: string;

  beforeAll(async () => {
    const tenant = await t.tenant();
    study = tenant.study.id;
    org = tenant.org.id;
    session = await tenant.as('study_manager');
  });

  async function nothingSaved() {
    const { rows } = await t.admin.query('select count(*)::int as n from data_versions where study_id = $1', [study]);
    expect(rows[0].n).toBe(0);
    const base = studyDir(t.ctx.config.dataDir, org, study);
    for (const sub of ['source_data', 'temp']) {
      const dir = path.join(base, sub);
      expect(existsSync(dir) ? await readdir(dir) : [], sub).toEqual([]);
    }
  }

  it('a ragged CSV inside a ZIP fails the whole upload naming the file and line', async () => {
    const zip = buildZip([
      { name: 'dm.csv', data: DM_V1 },
      { name: 'ae.csv', data: 'USUBJID,AETERM\nS-001,Headache\nS-002,Nausea,extra\n' },
    ]);
    const res = await upload(session, 'transfer.zip', zip, study);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_FILE',
      message: 'transfer.zip/ae.csv, row 3: expected 2 fields, found 3. Nothing was saved.',
      details: { file: 'transfer.zip/ae.csv', row: 3 },
    });
    await nothingSaved();
  });

  it('an empty file, a file of unknown type, a missing field and a non-multipart body are refused', async () => {
    expect((await upload(session, 'dm.csv', '', study)).json().error.message).toBe(
      'dm.csv is empty. Nothing was saved.',
    );
    const unknown = await upload(session, 'notes.docx', 'not data', study);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.message).toMatch(
      /^notes\.docx: no datasets found \(notes\.docx: not a supported data file/,
    );
    const wrongField = await t.request(session, {
      method: 'POST',
      url: `/api/studies/${study}/uploads`,
      ...multipartFile('dm.csv', DM_V1, 'upload'),
    });
    expect(wrongField.statusCode).toBe(400);
    const json = await t.request(session, {
      method: 'POST',
      url: `/api/studies/${study}/uploads`,
      payload: { file: 'dm.csv' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.message).toBe('Send the file as multipart/form-data in a field named "file".');
    await nothingSaved();
  });

  it('refuses an upload over the size limit', async () => {
    const big = Buffer.alloc(65 * 1024 * 1024, 'a');
    const res = await upload(session, 'big.csv', big, study);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toBe('big.csv is larger than the upload limit of 64 MB. Nothing was saved.');
    await nothingSaved();
  });

  it('lists files that are not data as skipped, beside the datasets', async () => {
    const zip = buildZip([
      { name: 'README.txt', data: 'Transfer notes' },
      { name: 'sdtm/dm.csv', data: DM_V1 },
      {
        name: 'define.xml',
        data: '<?xml version="1.0"?><ODM xmlns:def="http://www.cdisc.org/ns/def/v2.0"><Study/></ODM>',
      },
    ]);
    const res = await upload(session, 'transfer.zip', zip, study);
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json().data as DataVersion;
    expect(version.datasets.map((d) => [d.name, d.source])).toEqual([['dm', 'transfer.zip/sdtm/dm.csv']]);
    expect(version.skipped).toEqual([
      { file: 'transfer.zip/README.txt', reason: 'text file without delimited columns (not a dataset)' },
      { file: 'transfer.zip/define.xml', reason: 'define.xml is study metadata, not data' },
    ]);
  });

  it('two uploads at once both land, each in its own folder, and only one becomes active', async () => {
    const tenant = await t.tenant();
    const manager2 = await tenant.as('study_manager');
    const [a, b] = await Promise.all([
      upload(manager2, 'a.csv', DM_V1, tenant.study.id),
      upload(manager2, 'b.csv', DM_V2, tenant.study.id),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    const [va, vb] = [a.json().data as DataVersion, b.json().data as DataVersion];
    expect(va.label).not.toBe(vb.label);
    expect([va.active, vb.active].filter(Boolean)).toHaveLength(1);
    expect(va.datasets[0]?.rows).toBe(3);
    expect(vb.datasets[0]?.columns).toHaveLength(5);
  });
});

describe('with one conversion at a time', () => {
  it('queues uploads instead of refusing or losing them', async () => {
    const queued = await startTestApp({ conversionConcurrency: 1 });
    try {
      const tenant = await queued.tenant();
      const session = await tenant.as('study_manager');
      const send = (name: string, csv: string) =>
        queued.request(session, {
          method: 'POST',
          url: `/api/studies/${tenant.study.id}/uploads`,
          ...multipartFile(name, csv),
        });
      const results = await Promise.all([send('a.csv', DM_V1), send('b.csv', DM_V2), send('c.csv', DM_V1)]);
      expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201]);
      expect(new Set(results.map((r) => r.json().data.label)).size).toBe(3);
    } finally {
      await queued.close();
    }
  });
});

describe.runIf(hasSharedData('the CDISC pilot upload tests', 'cdiscpilot01'))('real data: the CDISC pilot SDTM', () => {
  it('loads a ZIP of the pilot XPTs with the row counts and labels the study has', async () => {
    const dir = sharedData('cdiscpilot01', 'sdtm-original');
    const files = ['dm.xpt', 'ae.xpt', 'ex.xpt'];
    const zip = buildZip(
      await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(dir, name)) }))),
    );
    const res = await upload(manager, 'cdiscpilot01.zip', zip);
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json().data as DataVersion;
    const dm = version.datasets.find((d) => d.name === 'DM');
    // The pilot's transport files carry no dataset labels (define.xml has them); the columns do.
    expect(dm).toMatchObject({ rows: 306, format: 'xpt' });
    expect(dm?.columns.find((c) => c.name === 'USUBJID')).toMatchObject({
      label: 'Unique Subject Identifier',
      type: 'string',
    });
    expect(version.datasets.map((d) => d.name).sort()).toEqual(['AE', 'DM', 'EX']);
  });
});

describe('CSV read options on upload', () => {
  it('reads a semicolon, Latin-1, headerless file as told, keeps the options in the manifest, and refuses bad ones', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('study_manager');
    const latin = Buffer.from('001;Jos\xe9;63\n002;Ren\xe9e;71\n', 'latin1');
    const url = `/api/studies/${tenant.study.id}/uploads?csvDelimiter=%3B&csvEncoding=latin-1&csvHeader=false&csvTypes=column3:number`;
    const res = await t.request(session, { method: 'POST', url, ...multipartFile('dm.csv', latin) });
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json().data as DataVersion;
    expect(version.datasets[0]?.columns.map((c) => [c.name, c.type])).toEqual([
      ['column1', 'string'],
      ['column2', 'string'],
      ['column3', 'number'],
    ]);
    const rows = await t.request(session, {
      method: 'GET',
      url: `/api/studies/${tenant.study.id}/versions/${version.id}/datasets/dm/rows`,
    });
    expect(rows.json().rows).toEqual([
      ['001', 'José', 63],
      ['002', 'Renée', 71],
    ]);
    const folder = path.join(
      studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id),
      'source_data',
      version.label,
    );
    const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.source.csvOptions).toEqual({
      delimiter: ';',
      encoding: 'latin-1',
      header: false,
      columnTypes: { column3: 'number' },
    });

    const bad = await t.request(session, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads?csvTypes=AGE:decimal`,
      ...multipartFile('dm.csv', 'AGE\n1\n'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('querystring.csvTypes');
  });
});

describe('a Rave ODM snapshot', () => {
  it('becomes one dataset per form, with Japanese text intact, and spills nothing outside the study', async () => {
    const tenant = await t.tenant();
    const session = await tenant.as('study_manager');
    const odm = await readFile(path.resolve(XPT_FIXTURES, '../odm/rwslib/test_double_byte_chars.xml'));
    const res = await upload(session, 'rave.xml', odm, tenant.study.id);
    expect(res.statusCode, res.body).toBe(201);
    const version = res.json().data as DataVersion;
    expect(version.datasets.length).toBeGreaterThan(0);
    expect(version.datasets.every((d) => d.format === 'odm' && d.source === 'rave.xml')).toBe(true);
    const dataset = version.datasets[0];
    const rows = await t.request(session, {
      method: 'GET',
      url: `/api/studies/${tenant.study.id}/versions/${version.id}/datasets/${dataset?.name}/rows`,
    });
    expect(rows.body).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    const base = studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id);
    expect(await readdir(path.join(base, 'temp'))).toEqual([]);
    expect(
      (await readdir(path.join(base, 'source_data', version.label))).filter((f) => !f.endsWith('.parquet')),
    ).toEqual(['manifest.json']);
  });
});

describe.skipIf(!existsSync(XPT_FIXTURES))('XPT download', () => {
  it('writes a dataset as SAS XPT v5 that reads back with its labels', async () => {
    const list = await versions();
    const version = list.data.find((v) => v.datasets.some((d) => d.format === 'xpt')) ?? list.data[0];
    const dataset = version?.datasets[0];
    const res = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${version?.id}/datasets/${dataset?.name}/download?format=xpt`,
    });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    expect(res.rawPayload.subarray(0, 80).toString('latin1')).toMatch(
      /^HEADER RECORD\*{7}LIBRARY HEADER RECORD!{7}0{30}/,
    );
  });
});
