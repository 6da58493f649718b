import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCdp, waitUntilReady } from '../../../scripts/cdp-process.ts';
import { loadConfig } from '../src/config.ts';
import { enqueueJob } from '../src/jobs/enqueue.ts';
import { decryptSecret, encryptSecret, loadKeyring } from '../src/lib/secret-box.ts';
import { backup, restore } from '../src/ops/backup.ts';
import { heldKeyIds, installKeys } from '../src/ops/backup-keys.ts';
import { loadMasterKeyring, unwrapDataKey } from '../src/phi/master-key.ts';
import { studyDataKey } from '../src/phi/study-keys.ts';
import { seed } from '../src/seed/seed.ts';
import { type ScratchDatabases, scratchDatabases, studyToBackUp } from './backup-fixtures.ts';
import { startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from './harness.ts';
import { testDatabase } from './test-database.ts';

/**
 * The real `cdp backup` and `cdp restore` commands, as child processes against their own
 * databases: an installation with a version, a signed dashboard, an encrypted data-source
 * credential, a PHI study key and a queued job is backed up, restored into an empty installation,
 * and the restored `cdp api` answers with all of it; a backup without its keys is refused by a
 * restore that could not decrypt it, before anything is loaded.
 */

const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
const CREDENTIAL = 'rave-password-for-backup-1';
let databases: ScratchDatabases;
let source: TestApp;
let tenant: Tenant;
let root: string;

async function cdp(mode: string, args: string[], env: Record<string, string>) {
  const child = runCdp(mode, { LOG_LEVEL: 'warn', ...env }, [], args);
  const code = await child.exited;
  return { code, output: child.output() };
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

let sourceDb: Awaited<ReturnType<ScratchDatabases['create']>>;

beforeAll(async () => {
  databases = scratchDatabases();
  await mkdir(testDatabase().dataDir, { recursive: true });
  root = await mkdtemp(path.join(testDatabase().dataDir, 'backup-cli-'));
  sourceDb = await databases.create('bk_source', { migrated: true });
  source = await startTestApp({}, { appUrl: sourceDb.appUrl });
  // The system roles and the platform administrator, as `cdp seed` makes them.
  await seed(source.ctx, { password: TEST_PASSWORD, demo: false });
  tenant = await source.tenant();
}, 120_000);

afterAll(async () => {
  await source?.close();
  await databases?.dropAll();
});

describe('cdp backup and cdp restore, run as commands', () => {
  it('carry versions, signatures, queued jobs and (when asked) the keys into an empty installation that serves them', async () => {
    const { admin, version, dashboardId } = await studyToBackUp(source, tenant, {
      subjects: 12,
      sites: 1,
      seed: 181,
      dashboard: 'Signed before the backup',
    });
    const signed = await source.request(admin, {
      method: 'POST',
      url: '/api/signatures',
      payload: {
        resourceType: 'dashboard_version',
        resourceId: `${dashboardId}:1`,
        meaning: 'Approval',
        email: admin.user.email,
        password: TEST_PASSWORD,
      },
    });
    expect(signed.statusCode, signed.body).toBe(201);
    const signatureId = signed.json().data.id as string;

    // What only the installation's keys open: a data-source credential and the study's PHI key.
    const ring = await loadKeyring(source.ctx.config);
    const [sourceRow] = await query<{ id: string }>(
      sourceDb.adminUrl,
      `insert into data_sources (org_id, study_id, name, type, config, secret_ciphertext, secret_set_at)
       values ($1, $2, 'Rave', 'rave', '{}'::jsonb, $3, now()) returning id`,
      [tenant.org.id, tenant.study.id, encryptSecret(ring, CREDENTIAL)],
    );
    await studyDataKey(source.ctx, tenant.org.id, tenant.study.id, { create: true });
    const [wrapped] = await query<{ wrapped: string }>(sourceDb.adminUrl, 'select wrapped from study_data_keys');
    const studyKey = unwrapDataKey(await loadMasterKeyring(source.ctx.config), tenant.study.id, wrapped?.wrapped ?? '');
    // A job waiting in the queue (an hour ahead, so nothing runs it before the backup).
    await source.database.system((tx) => enqueueJob(tx, 'data.sweep-temp', {}, { startAfterSeconds: 3600 }));

    const sourceEnv = {
      DATABASE_URL: sourceDb.adminUrl,
      DATABASE_APP_URL: sourceDb.appUrl,
      DATA_DIR: source.ctx.config.dataDir,
      JWT_SECRET,
    };
    const withKeys = path.join(root, 'with-keys');
    const backedUp = await cdp('backup', ['--out', withKeys, '--include-keys'], sourceEnv);
    expect(backedUp.code, backedUp.output).toBe(0);
    expect(backedUp.output).toContain('keys.json holds the keys that decrypt data-source credentials');
    expect((await stat(path.join(withKeys, 'keys.json'))).mode & 0o777).toBe(0o600);
    const meta = JSON.parse(await readFile(path.join(withKeys, 'backup.json'), 'utf8'));
    expect(meta.jobs).toBe(1);
    expect(meta.keys.needed.dataSource).toEqual([ring.current.id]);
    expect(meta.keys.needed.master).toHaveLength(1);

    // Without its keys (made in-process: the command's own path is the one above), a restore into an
    // installation that could decrypt nothing is refused, naming the keys, and nothing is loaded.
    const withoutKeys = path.join(root, 'without-keys');
    const plain = await backup(sourceDb.adminUrl, source.ctx.config.dataDir, withoutKeys);
    expect(plain.keysIncluded).toBe(false);
    const refusedDb = await databases.create('bk_refused', { migrated: true });
    const refusedConfig = loadConfig({ DATA_DIR: await mkdtemp(path.join(root, 'refused-')), LOG_LEVEL: 'silent' });
    const refused = restore(refusedDb.adminUrl, refusedConfig.dataDir, withoutKeys, {
      keys: { install: (keys) => installKeys(refusedConfig, keys), held: () => heldKeyIds(refusedConfig) },
    });
    await expect(refused).rejects.toThrow(`data-source credentials are encrypted under key ${ring.current.id}`);
    await expect(refused).rejects.toThrow(
      /study PHI keys are wrapped under master key \S+: restore with the keys\.json/,
    );
    const [left] = await query<{ n: number }>(refusedDb.adminUrl, 'select count(*)::int as n from organizations');
    expect(left?.n).toBe(0);

    const target = await databases.create('bk_target');
    const targetDir = await mkdtemp(path.join(root, 'restored-'));
    const targetEnv = { DATABASE_URL: target.adminUrl, DATABASE_APP_URL: target.appUrl, DATA_DIR: targetDir };
    const restored = await cdp('restore', [withKeys], targetEnv);
    expect(restored.code, restored.output).toBe(0);

    const port = await freePort();
    const api = runCdp('api', { ...targetEnv, PORT: String(port), LOG_LEVEL: 'warn' });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitUntilReady(url, api, 120_000);
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: admin.user.email, password: TEST_PASSWORD }),
      });
      expect(login.status).toBe(200);
      const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
      const get = async (route: string) => {
        const res = await fetch(`${url}${route}`, { headers });
        expect(res.status, `${route}: ${api.output()}`).toBe(200);
        return (await res.json()) as { data: unknown; ok?: boolean };
      };
      expect(await get(`/api/signatures/${signatureId}/verify`)).toMatchObject({
        data: { status: 'valid', message: 'valid' },
      });
      expect(await get('/api/audit/verify')).toMatchObject({ ok: true });
      const versions = (await get(`/api/studies/${tenant.study.id}/versions`)).data as { id: string }[];
      expect(versions.map((v) => v.id)).toEqual([version.version.id]);
      const dm = await get(`/api/studies/${tenant.study.id}/versions/${version.version.id}/datasets/DM/rows?limit=5`);
      expect(JSON.stringify(dm)).toContain(`${tenant.study.code}-`);
    } finally {
      await api.stop();
    }

    // The restored installation's own keys open what the old one encrypted.
    const restoredConfig = loadConfig({ DATA_DIR: targetDir, LOG_LEVEL: 'silent' });
    const [credential] = await query<{ secret_ciphertext: string }>(
      target.adminUrl,
      'select secret_ciphertext from data_sources where id = $1',
      [sourceRow?.id],
    );
    expect(decryptSecret(await loadKeyring(restoredConfig), credential?.secret_ciphertext ?? '')).toBe(CREDENTIAL);
    expect(
      unwrapDataKey(await loadMasterKeyring(restoredConfig), tenant.study.id, wrapped?.wrapped ?? '').equals(studyKey),
    ).toBe(true);
    // And the queued job waits in the restored queue.
    const jobs = await query<{ state: string }>(
      target.adminUrl,
      `select state::text from pgboss.job where name = 'data.sweep-temp' and start_after > now()`,
    );
    expect(jobs.map((j) => j.state)).toEqual(['created']);
  }, 600_000);
});
