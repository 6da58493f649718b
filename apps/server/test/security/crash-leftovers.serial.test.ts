import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildZip } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdpProcess, freePort, runCdp, waitUntilReady } from '../../../../scripts/cdp-process.ts';
import { holdRunLock, RUN_ID, runTempName } from '../../src/lib/process-run.ts';
import { studyDir } from '../../src/lib/study-folders.ts';
import { multipartFile, startTestApp, TEST_PASSWORD, type Tenant, type TestApp } from '../harness.ts';
import { testDatabase } from '../test-database.ts';

/**
 * kill -9 during a conversion, then a restart: a real `cdp api` process, killed while it converts
 * an upload, must leave nothing of it behind once a process starts again (the raw upload, the
 * unzipped files, partial Parquet), must move version folders that no row names (the crash window
 * between rename and commit) to quarantine and report them, and must keep what live work owns.
 */

let t: TestApp;
let tenant: Tenant;
let base: string;
let server: CdpProcess | null = null;
let releaseOurRun: () => Promise<void>;

function env(port: number): Record<string, string> {
  return {
    DATABASE_URL: testDatabase().adminUrl,
    DATABASE_APP_URL: testDatabase().appUrl,
    DATA_DIR: t.ctx.config.dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    JWT_SECRET: 'crash-leftovers-test-secret-0123456789abcdef',
    WEB_DIST_DIR: path.join(t.ctx.config.dataDir, 'no-web'),
    CONVERSION_CONCURRENCY: '1',
  };
}

async function start(): Promise<{ url: string; cdp: CdpProcess }> {
  const port = await freePort();
  const cdp = runCdp('api', env(port));
  server = cdp;
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, cdp);
  return { url, cdp };
}

async function until(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}; output:\n${server?.output()}`);
}

/** A ZIP of one CSV large enough that converting it takes a while (about 40 MB of text). */
function bigUpload(): Buffer {
  const lines = ['USUBJID,LBTESTCD,LBORRES,LBSTRESN,VISITNUM,LBDTC,NOTE'];
  for (let i = 0; i < 500_000; i++) {
    lines.push(
      `S-${i % 3000},ALT,${(i % 97) + 0.5},${(i % 97) + 0.5},${i % 12},2024-01-${String((i % 28) + 1).padStart(2, '0')},note ${i}`,
    );
  }
  return buildZip([{ name: 'lb.csv', data: `${lines.join('\n')}\n` }]);
}

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant();
  base = studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id);
  releaseOurRun = await holdRunLock(testDatabase().appUrl);
}, 60_000);
afterAll(async () => {
  await server?.stop(5_000);
  await releaseOurRun?.();
  await t.close();
});

describe('kill -9 during a conversion, then a restart', () => {
  it('removes the killed run’s temp files at once, quarantines and reports orphan version folders, keeps live work', async () => {
    const manager = await tenant.as('study_manager');
    const first = await start();
    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: manager.user.email, password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const { payload, headers } = multipartFile('lab.zip', bigUpload());
    const uploading = fetch(`${first.url}/api/studies/${tenant.study.id}/uploads`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${accessToken}` },
      body: new Uint8Array(payload),
    }).catch((error: unknown) => error);

    // Mid-conversion: the upload is on disk and the ZIP is being unpacked and converted.
    const temp = path.join(base, 'temp');
    await until(async () => {
      const entries = await readdir(temp).catch(() => [] as string[]);
      const work = entries.find((e) => /^run-.*--version-[^.]+$/.test(e));
      return work !== undefined && (await readdir(path.join(temp, work)).catch(() => [])).length > 0;
    }, 'the conversion to start');
    first.cdp.child.kill('SIGKILL');
    await first.cdp.exited;
    await uploading;
    const left = await readdir(temp);
    expect(left.some((e) => e.includes('--upload-'))).toBe(true);
    expect(left.some((e) => e.includes('--version-'))).toBe(true);

    // What else a crash may leave, set up by hand: a version folder renamed into place whose row
    // was never committed, an empty reserved one; and what must survive: a live run's upload (this
    // test process holds its run lock) and a fresh entry of unknown origin.
    const orphan = path.join(base, 'source_data', '20250101_000000');
    await mkdir(orphan, { recursive: true });
    await writeFile(path.join(orphan, 'DM.parquet'), 'PAR1 converted data PAR1');
    await writeFile(path.join(orphan, 'manifest.json'), '{"manifestVersion":1}');
    await mkdir(path.join(base, 'source_data', '20250101_000001'));
    const live = runTempName('upload-still-running');
    await writeFile(path.join(temp, live), 'a live upload');
    await writeFile(path.join(temp, 'upload-legacy'), 'unknown origin, fresh');
    const pendingOfLiveRun = path.join(base, 'source_data', '20250101_000002');
    await mkdir(pendingOfLiveRun);
    await writeFile(path.join(pendingOfLiveRun, 'AE.parquet'), 'being committed');
    await writeFile(path.join(temp, runTempName('pending-20250101_000002')), '');

    const second = await start();
    expect((await readdir(temp)).sort()).toEqual(
      [live, 'upload-legacy', runTempName('pending-20250101_000002')].sort(),
    );
    expect(live.startsWith(`run-${RUN_ID}--`)).toBe(true);
    expect((await readdir(path.join(base, 'source_data'))).sort()).toEqual(['20250101_000002']);
    const quarantined = await readdir(path.join(base, 'quarantine'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatch(/^20250101_000000-found-\d{8}T\d{6}$/);
    expect((await readdir(path.join(base, 'quarantine', quarantined[0] as string))).sort()).toEqual([
      'DM.parquet',
      'manifest.json',
    ]);

    // Reported: in the log and in the organization's audit trail, which an org admin reads.
    expect(second.cdp.output()).toContain('moved to quarantine');
    const admin = await tenant.as('org_admin');
    const trail = await t.request(admin, { method: 'GET', url: '/api/audit?action=data_version.orphan_quarantined' });
    expect(trail.statusCode).toBe(200);
    const events = trail.json().data as {
      actor: { type: string };
      newValues: { folder: string; movedTo: string | null };
    }[];
    expect(events.map((e) => e.newValues.folder).sort()).toEqual([
      'source_data/20250101_000000',
      'source_data/20250101_000001',
    ]);
    expect(events.every((e) => e.actor.type === 'system')).toBe(true);
    expect(events.find((e) => e.newValues.folder.endsWith('000001'))?.newValues.movedTo).toBeNull();

    // Nothing of the killed upload became a version.
    const { rows } = await t.admin.query('SELECT count(*)::int AS n FROM data_versions WHERE study_id = $1', [
      tenant.study.id,
    ]);
    expect(rows[0].n).toBe(0);
    expect(existsSync(path.join(base, 'source_data', '20250101_000000'))).toBe(false);
    await second.cdp.stop(10_000);
    server = null;
  }, 240_000);
});
