import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup, restore } from '../src/ops/backup.ts';
import { loadGeneratedVersion } from '../src/seed/load-demo-data.ts';
import { type ScratchDatabases, scratchDatabases, studyToBackUp } from './backup-fixtures.ts';
import { startTestApp, type Tenant, type TestApp } from './harness.ts';
import { testDatabase } from './test-database.ts';

/**
 * `cdp backup` and `cdp restore` (src/ops/backup.ts): a tenant with a data version, a dashboard and
 * its audit trail is backed up from the run's database and restored into a new, empty, migrated
 * database and data folder; the restored installation serves all of it and its audit chain verifies.
 */

let t: TestApp;
let restored: TestApp | undefined;
let tenant: Tenant;
let databases: ScratchDatabases;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  databases = scratchDatabases();
});

afterAll(async () => {
  await restored?.close();
  await databases.dropAll();
  await t.close();
});

describe('cdp backup and cdp restore', () => {
  it('bring back studies, versions with their files, dashboards and a verifiable audit trail into an empty installation', async () => {
    const { admin, version } = await studyToBackUp(t, tenant, {
      subjects: 24,
      sites: 2,
      seed: 18,
      dashboard: 'Backed up',
    });
    const before = (await t.request(admin, { method: 'GET', url: '/api/audit/verify' })).json();
    expect(before).toMatchObject({ ok: true });
    expect(before.checked).toBeGreaterThan(2);

    const out = await mkdtemp(path.join(testDatabase().dataDir, 'backup-'));
    const summary = await backup(testDatabase().adminUrl, t.ctx.config.dataDir, out);
    expect(summary.versions).toBe(1);
    expect(summary.files).toBeGreaterThanOrEqual(version.datasets.length + 1);

    // An empty installation of the same release: a new database, migrated, and a new data folder.
    const target = await databases.create('restore', { migrated: true });
    const restoreAdminUrl = target.adminUrl;
    const dataDir = await mkdtemp(path.join(testDatabase().dataDir, 'restored-'));
    const back = await restore(restoreAdminUrl, dataDir, out);
    expect(back.rows).toBeGreaterThan(0);
    // A second restore finds the installation in use and changes nothing.
    await expect(restore(restoreAdminUrl, dataDir, out)).rejects.toThrow(/already has organizations/);

    restored = await startTestApp({ dataDir }, { appUrl: target.appUrl });
    const session = await restored.login(admin.user.email);
    expect(session.response.statusCode).toBe(200);
    const get = async (url: string) => {
      const res = await restored?.request(session, { method: 'GET', url });
      expect(res?.statusCode, `${url}: ${res?.body}`).toBe(200);
      return res?.json();
    };
    expect((await get('/api/studies')).data.map((s: { id: string }) => s.id)).toEqual([tenant.study.id]);
    const versions = (await get(`/api/studies/${tenant.study.id}/versions`)).data;
    expect(versions.map((v: { id: string }) => v.id)).toEqual([version.version.id]);
    const dm = await get(`/api/studies/${tenant.study.id}/versions/${version.version.id}/datasets/DM/rows?limit=100`);
    // The Parquet files came back with the rows: the viewer reads them.
    expect(JSON.stringify(dm)).toContain('USUBJID');
    expect(JSON.stringify(dm)).toContain(`${tenant.study.code}-`);
    const dashboards = (await get(`/api/studies/${tenant.study.id}/dashboards`)).data;
    expect(dashboards.map((d: { name: string }) => d.name)).toEqual(['Backed up']);
    const after = await get('/api/audit/verify');
    expect(after.ok).toBe(true);
    // The sign-in just now appended to the restored chain: everything before it came back intact.
    expect(after.checked).toBeGreaterThanOrEqual(before.checked);
  });

  it('refuses a backup whose data file no longer matches its manifest, naming the file, before touching the database', async () => {
    const out = await mkdtemp(path.join(testDatabase().dataDir, 'backup-damaged-'));
    await loadGeneratedVersion(
      t.ctx,
      { id: tenant.study.id, orgId: tenant.org.id },
      { subjects: 12, sites: 1, seed: 19, studyId: tenant.study.code },
    );
    await backup(testDatabase().adminUrl, t.ctx.config.dataDir, out);
    const meta = JSON.parse(await readFile(path.join(out, 'backup.json'), 'utf8'));
    const folder = meta.versions[0] as string;
    const manifest = JSON.parse(await readFile(path.join(out, 'data', folder, 'manifest.json'), 'utf8'));
    const file = path.join(out, 'data', folder, manifest.datasets[0].file);
    const bytes = await readFile(file);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await expect(restore('postgres://nobody@127.0.0.1:1/none', t.ctx.config.dataDir, out)).rejects.toThrow(
      `${folder}/${manifest.datasets[0].file}: sha256 does not match its manifest`,
    );
    // And a backup never goes into a folder that holds something already.
    await expect(backup(testDatabase().adminUrl, t.ctx.config.dataDir, out)).rejects.toThrow(/not empty/);
  });
});
