import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  type RaveSimulator,
  type SftpTestServer,
  startRaveSimulator,
  startSftpTestServer,
} from '@cdp/connectors/testing';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { rotateDataSourceSecrets } from '../../cli/secrets-rotate.ts';
import { runPull } from '../../data-sources/run-pull.ts';
import { recoverInterruptedPulls } from '../../data-sources/tick.ts';
import { createLogger } from '../../lib/logger.ts';
import { studyDir } from '../../lib/study-folders.ts';

/**
 * Data sources end to end (issue 13): a real SFTP server (ssh2, in process) serving the CDISC pilot
 * SDTM as a ZIP, a watched folder under IMPORT_ROOT, real PostgreSQL, the upload conversion path.
 * Pulls are run by calling the job's handler right after queuing, as the worker would.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const PASSWORD = 'sftp-Password-7f3a91';

/**
 * Rows of a SAS XPT v5 file, counted from its bytes (an independent reference for the converter):
 * the observation length is the sum of the variables' lengths in the NAMESTR records; the data run
 * from the OBS header to the end, padded with blanks to 80 bytes.
 */
async function xptRows(file: string): Promise<number> {
  const bytes = await readFile(file);
  const text = bytes.toString('latin1');
  const namestrAt = text.indexOf('HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!');
  const count = Number(text.slice(namestrAt + 54, namestrAt + 58));
  const first = namestrAt + 80;
  let obsLength = 0;
  for (let i = 0; i < count; i++) obsLength += bytes.readUInt16BE(first + i * 140 + 4);
  const obsAt = text.indexOf('HEADER RECORD*******OBS     HEADER RECORD!!!!!!!') + 80;
  let end = bytes.length;
  while (end > obsAt && bytes[end - 1] === 0x20 && (end - obsAt) % obsLength !== 0) end -= 1;
  return Math.floor((end - obsAt) / obsLength);
}

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let viewer: Session;
let scratch: string;
let importRoot: string;
let sftpRoot: string;
let server: SftpTestServer;
const logged: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'data-sources-'));
  importRoot = path.join(scratch, 'import');
  sftpRoot = path.join(scratch, 'sftp');
  await mkdir(path.join(importRoot, 'incoming'), { recursive: true });
  await mkdir(path.join(sftpRoot, 'outgoing'), { recursive: true });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged.push(String(chunk));
      done();
    },
  });
  t = await startTestApp({ importRoot }, { log: createLogger('trace', 'json', sink) });
  tenant = await t.tenant();
  manager = await tenant.as('study_manager');
  viewer = await tenant.as('data_scientist');
  server = await startSftpTestServer({ root: sftpRoot, password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await t?.close();
  await rm(scratch, { recursive: true, force: true });
});

const base = () => `/api/studies/${tenant.study.id}/data-sources`;

async function writeZip(name: string, files: string[], extra: { name: string; data: Buffer }[] = []) {
  const entries = await Promise.all(files.map(async (f) => ({ name: f, data: await readFile(path.join(SDTM, f)) })));
  await writeFile(path.join(sftpRoot, 'outgoing', name), buildZip([...entries, ...extra]));
}

async function pullNow(sourceId: string) {
  const queued = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/pulls` });
  expect(queued.statusCode, queued.body).toBe(202);
  const pullId = queued.json().data.id as string;
  await runPull(t.ctx, { orgId: tenant.org.id, pullId });
  for (let i = 0; i < 200; i++) {
    const res = await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}/pulls/${pullId}` });
    const pull = res.json().data;
    if (!['QUEUED', 'RUNNING'].includes(pull.status)) return pull;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('pull did not end');
}

async function versions(): Promise<{ id: string; label: string }[]> {
  const { rows } = await t.admin.query(`select id, label from data_versions where study_id = $1 order by created_at`, [
    tenant.study.id,
  ]);
  return rows;
}

async function activeVersion(): Promise<string | null> {
  const { rows } = await t.admin.query(`select active_data_version_id from studies where id = $1`, [tenant.study.id]);
  return rows[0].active_data_version_id;
}

async function datasetRows(versionId: string): Promise<Record<string, number>> {
  const { rows } = await t.admin.query(`select name, rows from datasets where version_id = $1`, [versionId]);
  return Object.fromEntries(rows.map((r: { name: string; rows: string }) => [r.name, Number(r.rows)]));
}

describe('sFTP data source', () => {
  let sourceId: string;

  it('tests a connection before saving and shows the host key to confirm', async () => {
    await writeZip('sdtm_20260101.zip', ['dm.xpt', 'ae.xpt']);
    const res = await t.request(manager, {
      method: 'POST',
      url: `${base()}/test`,
      payload: {
        type: 'sftp',
        config: {
          host: '127.0.0.1',
          port: server.port,
          username: server.username,
          remoteDir: '/outgoing',
          pattern: '*.zip',
        },
        secret: PASSWORD,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ ok: true, hostKeyFingerprint: server.fingerprint });
    expect(res.json().data.message).toContain('1 file in /outgoing match *.zip');
  });

  it('saves the source with the confirmed key; the secret is encrypted and never shown', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: {
        type: 'sftp',
        name: 'Vendor sFTP',
        config: {
          host: '127.0.0.1',
          port: server.port,
          username: server.username,
          remoteDir: '/outgoing',
          pattern: '*.zip',
          hostKeyFingerprint: server.fingerprint,
        },
        secret: PASSWORD,
        schedule: { cron: '0 6 * * *', timeZone: 'Europe/Berlin' },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(PASSWORD);
    const source = res.json().data;
    sourceId = source.id;
    expect(source.secret).toMatchObject({ set: true });
    expect(source.secret.masked).toMatch(/^•••• set on \d{4}-\d{2}-\d{2}$/);
    // The next 06:00 in Berlin: 05:00 UTC in winter, 04:00 UTC in summer.
    expect(new Date(source.nextRunAt).getUTCHours()).toBeGreaterThanOrEqual(4);
    expect(new Date(source.nextRunAt).getUTCHours()).toBeLessThanOrEqual(5);
    const { rows } = await t.admin.query(`select secret_ciphertext, config::text from data_sources where id = $1`, [
      sourceId,
    ]);
    expect(rows[0].secret_ciphertext).toMatch(/^v1\./);
    expect(rows[0].secret_ciphertext).not.toContain(PASSWORD);
    expect(rows[0].secret_ciphertext).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
    expect(rows[0].config).not.toContain(PASSWORD);

    const list = await t.request(viewer, { method: 'GET', url: base() });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(PASSWORD);
    expect(list.json().data.map((s: { name: string }) => s.name)).toEqual(['Vendor sFTP']);
    expect(list.json().meta.permissions).toEqual(['data:view:assigned']);
    const overview = await t.request(viewer, { method: 'GET', url: '/api/data-sources' });
    expect(overview.json().data.map((s: { studyCode: string }) => s.studyCode)).toEqual([tenant.study.code]);
  });

  it('a viewer may see but not manage or pull', async () => {
    const res = await t.request(viewer, { method: 'POST', url: `${base()}/${sourceId}/pulls` });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('pulls the pilot SDTM ZIP into the first version, with the right rows', async () => {
    const pull = await pullNow(sourceId);
    expect(pull.status, pull.message).toBe('SUCCEEDED');
    expect(pull.versionId).toBeTruthy();
    expect(pull.activated).toBe(true);
    expect(pull.durationMs).toBeGreaterThanOrEqual(0);
    expect(pull.log.map((l: { message: string }) => l.message).join('\n')).toContain('Fetched sdtm_20260101.zip');
    const rows = await datasetRows(pull.versionId);
    expect(rows.DM).toBe(await xptRows(path.join(SDTM, 'dm.xpt')));
    expect(rows.AE).toBe(await xptRows(path.join(SDTM, 'ae.xpt')));
    expect(rows.DM).toBe(306);
    expect(await activeVersion()).toBe(pull.versionId);
    const { rows: version } = await t.admin.query(`select source_file_name from data_versions where id = $1`, [
      pull.versionId,
    ]);
    expect(version[0].source_file_name).toBe('Vendor sFTP: sdtm_20260101.zip');
  });

  it('a second pull with nothing new makes no version', async () => {
    const before = await versions();
    const pull = await pullNow(sourceId);
    expect(pull.status).toBe('UNCHANGED');
    expect(pull.message).toMatch(/^No changes since \d{4}-/);
    expect(await versions()).toEqual(before);
    const source = (await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}` })).json().data;
    expect(source.lastPull).toMatchObject({ status: 'UNCHANGED' });
  });

  it('a pull left RUNNING by a worker that stopped is failed by the minute job, naming the worker', async () => {
    const queued = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/pulls` });
    expect(queued.statusCode, queued.body).toBe(202);
    const pullId = queued.json().data.id as string;
    // What a worker that died mid-pull leaves: RUNNING under a run id whose lock nobody holds.
    const deadWorker = randomUUID();
    await t.admin.query(
      `update data_source_pulls set status = 'RUNNING', worker_id = $2, started_at = now() where id = $1`,
      [pullId, deadWorker],
    );
    // The minute job's half that finds them (data_sources.tick).
    expect(await recoverInterruptedPulls(t.ctx)).toBe(1);
    const pull = (await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}/pulls/${pullId}` })).json()
      .data;
    expect(pull.status).toBe('FAILED');
    expect(pull.message).toBe(
      `Vendor sFTP: interrupted, the worker running it (${deadWorker.slice(0, 8)}) stopped; pull again`,
    );
    const { rows } = await t.admin.query(`select action from audit_events where resource_id = $1`, [pullId]);
    expect(rows.map((r: { action: string }) => r.action)).toContain('data_source.pull.failed');
  });

  it('a new file makes a new version, activated when the source says so', async () => {
    const patched = await t.request(manager, {
      method: 'PATCH',
      url: `${base()}/${sourceId}`,
      payload: { autoActivate: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    await writeZip('sdtm_20260102.zip', ['dm.xpt', 'ae.xpt', 'ex.xpt']);
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(sftpRoot, 'outgoing', 'sdtm_20260102.zip'), later, later);
    const pull = await pullNow(sourceId);
    expect(pull.status, pull.message).toBe('SUCCEEDED');
    expect(await activeVersion()).toBe(pull.versionId);
    expect(Object.keys(await datasetRows(pull.versionId)).sort()).toEqual(['AE', 'DM', 'EX']);
    expect(pull.log.map((l: { message: string }) => l.message).join('\n')).not.toContain('sdtm_20260101.zip');
  });

  it('a file failing conversion fails the pull naming it; the active version stays, nothing half-written', async () => {
    const before = await versions();
    const active = await activeVersion();
    await writeFile(
      path.join(sftpRoot, 'outgoing', 'broken.zip'),
      Buffer.from('PK\u0003\u0004 this is not a zip at all'),
    );
    const pull = await pullNow(sourceId);
    expect(pull.status).toBe('FAILED');
    expect(pull.message).toContain('Vendor sFTP');
    // Named once, and read as sentences: the converter's message already starts with the file.
    expect(pull.message).toMatch(
      /^Vendor sFTP: broken\.zip: not a readable ZIP archive \(.*\); truncated or corrupt upload\? Nothing was saved\.$/,
    );
    expect(await versions()).toEqual(before);
    expect(await activeVersion()).toBe(active);
    const dir = studyDir(t.ctx.config.dataDir, tenant.org.id, tenant.study.id);
    expect((await readdir(path.join(dir, 'source_data'))).sort()).toEqual(before.map((v) => v.label).sort());
    expect((await readdir(path.join(dir, 'temp'))).filter((n) => !n.includes('.lock'))).toEqual([]);
    const { rows } = await t.admin.query(
      `select action, new_values::text as v from audit_events where resource_id = $1 order by seq`,
      [pull.id],
    );
    expect(rows.map((r: { action: string }) => r.action)).toEqual([
      'data_source.pull.started',
      'data_source.pull.failed',
    ]);
    await rm(path.join(sftpRoot, 'outgoing', 'broken.zip'));
  });

  it('a wrong password fails clearly, naming the source; the replaced secret is not in the trail', async () => {
    const wrong = 'Wrong-Password-0042';
    const replaced = await t.request(manager, {
      method: 'PUT',
      url: `${base()}/${sourceId}/secret`,
      payload: { secret: wrong },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.body).not.toContain(wrong);
    const pull = await pullNow(sourceId);
    expect(pull.status).toBe('FAILED');
    expect(pull.message).toContain('Vendor sFTP');
    expect(pull.message).toMatch(/refused the username and credential/);
    expect(JSON.stringify(pull)).not.toContain(wrong);
    const source = (await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}` })).json().data;
    expect(source.lastPull.status).toBe('FAILED');
    expect(source.lastPull.message).toContain('refused');
    await t.request(manager, { method: 'PUT', url: `${base()}/${sourceId}/secret`, payload: { secret: PASSWORD } });
  });

  it('a changed host key fails loudly and sends nothing', async () => {
    const impostor = await startSftpTestServer({ root: sftpRoot, password: PASSWORD });
    try {
      const config = (await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}` })).json().data.config;
      const patched = await t.request(manager, {
        method: 'PATCH',
        url: `${base()}/${sourceId}`,
        payload: { config: { ...config, port: impostor.port } },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      const test = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/test` });
      expect(test.json().data.ok).toBe(false);
      expect(test.json().data.message).toContain('HOST KEY HAS CHANGED');
      const pull = await pullNow(sourceId);
      expect(pull.status).toBe('FAILED');
      expect(pull.message).toContain('HOST KEY HAS CHANGED');
      expect(pull.message).toContain(impostor.fingerprint);
      await t.request(manager, {
        method: 'PATCH',
        url: `${base()}/${sourceId}`,
        payload: { config: { ...config, port: server.port } },
      });
    } finally {
      await impostor.close();
    }
  });

  it('edited settings are tested with the saved secret; a re-keyed server shows its new key to confirm', async () => {
    const rekeyed = await startSftpTestServer({ root: sftpRoot, password: PASSWORD });
    try {
      const config = (await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}` })).json().data.config;
      // The edit dialog tests its changes before saving them: no secret in the request, the saved one is used.
      const edited = await t.request(manager, {
        method: 'POST',
        url: `${base()}/test`,
        payload: { type: 'sftp', sourceId, config: { ...config, port: rekeyed.port } },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().data).toMatchObject({ ok: false, hostKeyFingerprint: rekeyed.fingerprint });
      expect(edited.json().data.message).toContain('HOST KEY HAS CHANGED');
      // Confirming the new key (what the dialog saves) makes the same settings work with the saved password.
      const confirmed = { ...config, port: rekeyed.port, hostKeyFingerprint: rekeyed.fingerprint };
      const retest = await t.request(manager, {
        method: 'POST',
        url: `${base()}/test`,
        payload: { type: 'sftp', sourceId, config: confirmed },
      });
      expect(retest.json().data, retest.body).toMatchObject({ ok: true, hostKeyFingerprint: rekeyed.fingerprint });
      expect(retest.json().data.message).toContain('Host key matches the pinned one');
      // Without sourceId nothing is borrowed: no secret, no sign-in.
      const bare = await t.request(manager, {
        method: 'POST',
        url: `${base()}/test`,
        payload: { type: 'sftp', config: confirmed },
      });
      expect(bare.json().data.ok).toBe(false);
      expect(bare.json().data.message).toContain('no password is stored');
      // Another source's id from another organization is not found (no secret leaks across tenants).
      const other = await t.tenant();
      const stranger = await other.as('study_manager');
      const foreign = await t.request(stranger, {
        method: 'POST',
        url: `/api/studies/${other.study.id}/data-sources/test`,
        payload: { type: 'sftp', sourceId, config: confirmed },
      });
      expect(foreign.statusCode, foreign.body).toBe(404);
    } finally {
      await rekeyed.close();
    }
  });

  it('cdp secrets rotate re-encrypts every secret; pulls still work', async () => {
    const before = (await t.admin.query(`select secret_ciphertext from data_sources where id = $1`, [sourceId])).rows[0]
      .secret_ciphertext as string;
    // Only this tenant: other test files share the database, with sources under their own keys.
    const rotated = await rotateDataSourceSecrets(t.ctx, { orgId: tenant.org.id });
    expect(rotated.reencrypted).toBeGreaterThanOrEqual(1);
    const after = (await t.admin.query(`select secret_ciphertext from data_sources where id = $1`, [sourceId])).rows[0]
      .secret_ciphertext as string;
    expect(after.split('.')[1]).toBe(rotated.keyId);
    expect(after.split('.')[1]).not.toBe(before.split('.')[1]);
    const secrets = JSON.parse(await readFile(path.join(t.ctx.config.dataDir, 'secrets.json'), 'utf8'));
    expect(secrets.previousDataSourceKeys).toBeUndefined();
    const test = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/test` });
    expect(test.json().data, test.body).toMatchObject({ ok: true });
    expect((await pullNow(sourceId)).status).toBe('UNCHANGED');
  });

  it('records its audit events without any secret, and logs none', async () => {
    const { rows } = await t.admin.query(
      `select action, coalesce(old_values::text, '') || coalesce(new_values::text, '') as v from audit_events where org_id = $1`,
      [tenant.org.id],
    );
    const actions = new Set(rows.map((r: { action: string }) => r.action));
    for (const action of [
      'data_source.created',
      'data_source.updated',
      'data_source.secret_replaced',
      'data_source.pull.started',
      'data_source.pull.succeeded',
      'data_source.pull.failed',
      'data_source.secrets_rotated',
    ]) {
      expect(actions, action).toContain(action);
    }
    const all = rows.map((r: { v: string }) => r.v).join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('Wrong-Password-0042');
    expect(all).not.toContain('v1.');
    const log = logged.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain('Wrong-Password-0042');
  });

  it('refuses bad input naming the field', async () => {
    const noSecret = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: { type: 'sftp', name: 'X', config: { host: 'h', username: 'u', remoteDir: '/' } },
    });
    expect(noSecret.statusCode).toBe(400);
    expect(noSecret.json().error.message).toContain('body.secret');
    const badCron = await t.request(manager, {
      method: 'PATCH',
      url: `${base()}/${sourceId}`,
      payload: { schedule: { cron: '99 * * * *', timeZone: 'UTC' } },
    });
    expect(badCron.statusCode).toBe(400);
    const badConfig = await t.request(manager, {
      method: 'PATCH',
      url: `${base()}/${sourceId}`,
      payload: { config: { host: 'h', username: 'u', remoteDir: '/', port: 70000 } },
    });
    expect(badConfig.statusCode).toBe(400);
    expect(badConfig.json().error.message).toContain('body.config.port');
    const duplicate = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: { type: 'folder', name: 'Vendor sFTP', config: { path: 'incoming' } },
    });
    expect(duplicate.statusCode).toBe(409);
  });
});

describe('watched folder', () => {
  let sourceId: string;
  const incoming = () => path.join(importRoot, 'incoming');

  it('refuses a folder outside the import root', async () => {
    for (const bad of ['../elsewhere', '/etc']) {
      const res = await t.request(manager, {
        method: 'POST',
        url: base(),
        payload: { type: 'folder', name: `Outside ${bad}`, config: { path: bad } },
      });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.message).toContain('body.config.path');
    }
  });

  it('takes a stable file, makes a version and moves the file to processed/', async () => {
    const created = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: {
        type: 'folder',
        name: 'Drop folder',
        config: { path: 'incoming', pattern: '*.csv', stableSeconds: 30 },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    sourceId = created.json().data.id;
    const test = await t.request(manager, { method: 'POST', url: `${base()}/${sourceId}/test` });
    expect(test.json().data).toMatchObject({ ok: true });

    // Still being written (just changed): waits.
    await writeFile(path.join(incoming(), 'lb.csv'), 'USUBJID,LBTESTCD,LBSTRESN\nS-1,ALT,30\nS-2,ALT,45\n');
    const waiting = await pullNow(sourceId);
    expect(waiting.status).toBe('UNCHANGED');
    expect(waiting.message).toContain('1 still being written');

    const old = new Date(Date.now() - 120_000);
    await utimes(path.join(incoming(), 'lb.csv'), old, old);
    const pull = await pullNow(sourceId);
    expect(pull.status, pull.message).toBe('SUCCEEDED');
    expect(await datasetRows(pull.versionId)).toEqual({ lb: 2 });
    expect(await readdir(path.join(incoming(), 'processed'))).toEqual(['lb.csv']);
    expect((await readdir(incoming())).sort()).toEqual(['processed']);
  });

  it('a file that fails goes to failed/ with a reason file', async () => {
    const bad = path.join(incoming(), 'bad.csv');
    await writeFile(bad, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00, 0x13]));
    const old = new Date(Date.now() - 120_000);
    await utimes(bad, old, old);
    const before = await versions();
    const pull = await pullNow(sourceId);
    expect(pull.status).toBe('FAILED');
    expect(pull.message).toContain('Drop folder');
    expect(pull.message).toContain('bad.csv');
    expect(await versions()).toEqual(before);
    expect((await readdir(path.join(incoming(), 'failed'))).sort()).toEqual(['bad.csv', 'bad.csv.reason.txt']);
    expect(await readFile(path.join(incoming(), 'failed', 'bad.csv.reason.txt'), 'utf8')).toContain('bad.csv');
  });

  it('a deleted source disappears from the list and cannot be pulled', async () => {
    const res = await t.request(manager, { method: 'DELETE', url: `${base()}/${sourceId}` });
    expect(res.statusCode).toBe(204);
    expect((await t.request(manager, { method: 'GET', url: `${base()}/${sourceId}` })).statusCode).toBe(404);
    const { rows } = await t.admin.query(`select action from audit_events where resource_id = $1 order by seq`, [
      sourceId,
    ]);
    expect(rows.map((r: { action: string }) => r.action)).toContain('data_source.deleted');
  });
});

describe('Rave data source end to end (the Rave simulator on 127.0.0.1)', () => {
  let sim: RaveSimulator;
  let raveId: string;
  const config = () => ({
    baseUrl: sim.url,
    username: sim.options.username,
    project: sim.options.project,
    environment: sim.options.environment,
  });

  beforeAll(async () => {
    sim = await startRaveSimulator({ subjects: 5, forms: 3, visits: 2, itemsPerForm: 4 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  /** Rows of a version's dataset, from the datasets table (what the viewer and widgets read). */
  async function rowsOf(versionId: string): Promise<Record<string, number>> {
    return datasetRows(versionId);
  }

  it('tests the connection, lists the studies, refuses a bad configuration and a wrong password cleanly', async () => {
    const invalid = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: {
        type: 'rave',
        name: 'Rave',
        config: { baseUrl: 'not a url', project: 'P', environment: 'Prod' },
        secret: 'x',
      },
    });
    expect(invalid.statusCode).toBe(400);

    const test = await t.request(manager, {
      method: 'POST',
      url: `${base()}/test`,
      payload: { type: 'rave', config: config(), secret: sim.options.password },
    });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json().data.ok, test.body).toBe(true);

    const studies = await t.request(manager, {
      method: 'POST',
      url: `${base()}/rave-studies`,
      payload: { config: config(), secret: sim.options.password },
    });
    expect(studies.statusCode, studies.body).toBe(200);
    expect(JSON.stringify(studies.json().data)).toContain(sim.study);

    const wrong = await t.request(manager, {
      method: 'POST',
      url: `${base()}/test`,
      payload: { type: 'rave', config: config(), secret: 'not-the-Password-1' },
    });
    expect(wrong.statusCode, wrong.body).toBe(200);
    expect(wrong.json().data.ok).toBe(false);
    expect(wrong.body).not.toContain('not-the-Password-1');
  });

  it('the wizard tests the account before a study is picked, then lists the studies to pick from', async () => {
    const { project: _p, environment: _e, ...account } = config();
    const test = await t.request(manager, {
      method: 'POST',
      url: `${base()}/test`,
      payload: { type: 'rave', config: account, secret: sim.options.password },
    });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json().data).toEqual({
      ok: true,
      message: 'Rave 1.15.0, 2 studies visible to this account; pick the study and environment next.',
    });
    const studies = await t.request(manager, {
      method: 'POST',
      url: `${base()}/rave-studies`,
      payload: { config: account, secret: sim.options.password },
    });
    expect(studies.statusCode, studies.body).toBe(200);
    expect(studies.json().data.map((s: { oid: string }) => s.oid)).toContain(sim.study);
    const wrong = await t.request(manager, {
      method: 'POST',
      url: `${base()}/test`,
      payload: { type: 'rave', config: account, secret: 'not-the-Password-2' },
    });
    expect(wrong.json().data.ok).toBe(false);
    expect(wrong.json().data.message).toContain('HTTP 401');
  });

  it('a first pull makes a version with one dataset per form and SUBJECTS; the row counts are the simulator’s', async () => {
    const created = await t.request(manager, {
      method: 'POST',
      url: base(),
      payload: { type: 'rave', name: 'Rave CDP01', config: config(), secret: sim.options.password },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain(sim.options.password);
    raveId = created.json().data.id;
    const before = await versions();
    const pull = await pullNow(raveId);
    expect(pull.status, pull.message).toBe('SUCCEEDED');
    const after = await versions();
    expect(after).toHaveLength(before.length + 1);
    const version = after[after.length - 1] as { id: string };
    const rows = await rowsOf(version.id);
    for (let f = 0; f < 3; f++)
      expect(rows[sim.formOid(f).toUpperCase()], sim.formOid(f)).toBe(sim.expectedRows(f).length);
    expect(rows.SUBJECTS).toBe(5);
  });

  it('a pull with nothing new makes no version; a change on the Rave side makes a new, complete one', async () => {
    // `start=` has a precision of seconds: let one pass so the change is after the last pull.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = await versions();
    const unchanged = await pullNow(raveId);
    expect(unchanged.status, unchanged.message).toBe('UNCHANGED');
    expect(await versions()).toEqual(before);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    sim.mutate({ inactivateSubject: [0], removeRecord: [{ subject: 1, visit: 0, form: 1, repeat: 0 }] });
    const pull = await pullNow(raveId);
    expect(pull.status, pull.message).toBe('SUCCEEDED');
    const after = await versions();
    expect(after).toHaveLength(before.length + 1);
    const rows = await rowsOf((after[after.length - 1] as { id: string }).id);
    // Complete, not a delta: every form is there, with the simulator's current truth.
    for (let f = 0; f < 3; f++)
      expect(rows[sim.formOid(f).toUpperCase()], sim.formOid(f)).toBe(sim.expectedRows(f).length);
    expect(sim.requests.some((r) => r.includes('start='))).toBe(true);
  });

  it('Cancel stops a running pull (Rave not answering): nothing kept, the source says Cancelled', async () => {
    sim.fault('timeout', { match: /datasets\/regular/, times: 1 });
    try {
      const before = await versions();
      sim.mutate({ set: [{ cell: { subject: 1, visit: 0, form: 0, repeat: 0, item: 1 }, value: 'cancelled edit' }] });
      const queued = await t.request(manager, { method: 'POST', url: `${base()}/${raveId}/pulls` });
      const pullId = queued.json().data.id as string;
      const running = runPull(t.ctx, { orgId: tenant.org.id, pullId });
      const url = `${base()}/${raveId}/pulls/${pullId}`;
      for (let i = 0; i < 100; i++) {
        if ((await t.request(manager, { method: 'GET', url })).json().data.status === 'RUNNING') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const cancel = await t.request(viewer, { method: 'POST', url: `${url}/cancel` });
      expect(cancel.statusCode).toBe(403);
      const cancelled = await t.request(manager, { method: 'POST', url: `${url}/cancel` });
      expect(cancelled.statusCode, cancelled.body).toBe(202);
      await running;
      const pull = (await t.request(manager, { method: 'GET', url })).json().data;
      expect(pull.status).toBe('CANCELLED');
      expect(pull.log.map((l: { message: string }) => l.message)).toContain(
        'Cancelled: the transfer was stopped and nothing was kept',
      );
      expect(await versions()).toEqual(before);
      const source = (await t.request(manager, { method: 'GET', url: `${base()}/${raveId}` })).json().data;
      expect(source).toMatchObject({ activePullId: null, lastPull: { status: 'CANCELLED' } });
    } finally {
      sim.clearFaults();
    }
  });

  it('a failing Rave fails the pull naming the source and keeps the versions as they were', async () => {
    sim.fault('malformed', { match: /datasets\/regular/, times: 10 });
    try {
      const before = await versions();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      sim.mutate({ inactivateSubject: [2] });
      const pull = await pullNow(raveId);
      expect(pull.status).toBe('FAILED');
      expect(pull.message).toMatch(/^Rave CDP01: /);
      expect(JSON.stringify(pull)).not.toContain(sim.options.password);
      expect(await versions()).toEqual(before);
    } finally {
      sim.clearFaults();
    }
  });
});
