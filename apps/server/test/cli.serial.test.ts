import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { VersionList } from '@cdp/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CdpProcess, freePort, runCdp } from '../../../scripts/cdp-process.ts';
import { testDatabase } from './test-database.ts';

/**
 * The `cdp` CLI as a newcomer meets it: real processes, a real embedded PostgreSQL under a fresh
 * DATA_DIR, signals, a second start while one runs, and a restart that keeps the data.
 */

const DEMO_PASSWORD = 'Cli-Test-Demo-Pass-2026';
const run = promisify(execFile);
/** Every process a test started: stopped after it, so a test that failed half-way leaves none running. */
const started: CdpProcess[] = [];
const cdp = (mode: string, env: Record<string, string>) => {
  const child = runCdp(mode, { LOG_LEVEL: 'warn', ...env });
  started.push(child);
  return child;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.stop(10_000)));
});

/*
 * Waits and timeouts are sized for a loaded machine: a first `cdp start` (initdb, migrations, the
 * demo seed, all through tsx) takes about 30 s on a quiet 2-core box and several minutes at load 20.
 * This file runs in the `serial` group (vitest.config.ts), alone, so a long wait costs nothing
 * when all is well.
 */

async function until(check: () => boolean | Promise<boolean>, what: string, output: () => string, ms = 300_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
}

async function login(port: number, email: string, password: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return { status: res.status, body: (await res.json()) as { accessToken: string } };
}

interface StudyList {
  data: { id: string; code: string }[];
}

let dataDir: string;
beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-cli-'));
  await chmod(root, 0o755);
  dataDir = path.join(root, 'data');
});
afterAll(async () => {
  await rm(path.dirname(dataDir), { recursive: true, force: true });
});

describe('cdp start', () => {
  it('starts everything, refuses a second start, stops cleanly on SIGTERM, and keeps data across a restart', async () => {
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      CDP_DEMO_PASSWORD: DEMO_PASSWORD,
      WEB_DIST_DIR: path.join(dataDir, 'no-web'),
    };
    // At info, as a person runs it: the banner, then only notes, warnings and errors.
    const first = cdp('start', { ...env, LOG_LEVEL: 'info' });
    await until(() => first.output().includes('Press Ctrl-C to stop'), 'the banner', first.output);
    const banner = first.output();
    expect(banner).toContain(`http://localhost:${port}`);
    expect(banner).toContain(`Sign in with password ${DEMO_PASSWORD}`);
    // The embedded default is for this computer only, and the banner says how to open it up.
    expect(banner).toContain('only this computer (listening on 127.0.0.1)');
    expect(banner).toContain('HOST=0.0.0.0 npm start');
    const lanAddress = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (lanAddress) {
      const reached = await fetch(`http://${lanAddress}:${port}/api/health`).then(
        () => true,
        () => false,
      );
      expect(reached, `reachable on ${lanAddress}`).toBe(false);
    }
    for (const email of [
      'platform@cdp.local',
      'admin@demo.cdp.local',
      'monitor@demo.cdp.local',
      'auditor@demo.cdp.local',
    ]) {
      expect(banner).toContain(email);
    }

    const admin = await login(port, 'admin@demo.cdp.local', DEMO_PASSWORD);
    expect(admin.status).toBe(200);
    const headers = { authorization: `Bearer ${admin.body.accessToken}`, 'content-type': 'application/json' };
    const studies = (await (await fetch(`http://127.0.0.1:${port}/api/studies`, { headers })).json()) as StudyList;
    expect(studies.data.map((s: { code: string }) => s.code)).toEqual(['CDP-301']);
    // The demo study opens with generated SDTM data in it.
    const demoStudy = studies.data[0]?.id;
    const versions = (await (
      await fetch(`http://127.0.0.1:${port}/api/studies/${demoStudy}/versions`, { headers })
    ).json()) as VersionList;
    expect(versions.data).toHaveLength(1);
    expect(versions.data[0]).toMatchObject({ active: true, source: { kind: 'demo' }, createdBy: null });
    expect(versions.data[0]?.datasets.map((d) => d.name)).toEqual(['AE', 'DM', 'DS', 'EX', 'LB', 'SV', 'VS']);
    expect(versions.data[0]?.datasets.find((d) => d.name === 'DM')?.rows).toBe(300);
    const created = await fetch(`http://127.0.0.1:${port}/api/studies`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ code: 'KEEP-1', name: 'Survives a restart', phase: 'I' }),
    });
    expect(created.status).toBe(201);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    // One line per upload, none per request, and no JSON in the terminal.
    const manager = await login(port, 'manager@demo.cdp.local', DEMO_PASSWORD);
    const form = new FormData();
    form.append('file', new Blob(['USUBJID,AGE\nS-1,40\nS-2,51\n']), 'extra.csv');
    const uploaded = await fetch(`http://127.0.0.1:${port}/api/studies/${demoStudy}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${manager.body.accessToken}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    await until(() => first.output().includes('upload extra.csv'), 'the upload note', first.output);
    const afterBanner = first.output().slice(first.output().indexOf('Press Ctrl-C to stop'));
    expect(afterBanner).toMatch(
      /\n\d\d:\d\d:\d\d {2}upload extra\.csv by manager@demo\.cdp\.local: 1 dataset, 2 rows → version \d{8}_\d{6}/,
    );
    expect(first.output()).not.toMatch(/^\{/m);
    expect(first.output()).not.toMatch(/incoming request|request completed|Server listening/);

    const second = cdp('start', { ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/already running .*pid \d+/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'cdp.pid'))).toBe(false);

    const again = cdp('start', env);
    await until(() => again.output().includes('Press Ctrl-C to stop'), 'the banner after restart', again.output);
    const relogin = await login(port, 'admin@demo.cdp.local', DEMO_PASSWORD);
    const after = (await (
      await fetch(`http://127.0.0.1:${port}/api/studies`, {
        headers: { authorization: `Bearer ${relogin.body.accessToken}` },
      })
    ).json()) as StudyList;
    expect(after.data.map((s: { code: string }) => s.code)).toEqual(['CDP-301', 'KEEP-1']);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 900_000);
});

describe('the cdp binary', () => {
  it('is installed as `npx cdp` and prints its modes', async () => {
    const bin = path.join(import.meta.dirname, '../../../node_modules/.bin/cdp');
    const { stdout } = await run(bin, ['--help'], { env: { ...process.env, UV_THREADPOOL_SIZE: '' } });
    for (const mode of ['start', 'api', 'worker', 'migrate', 'seed', 'demo generate']) {
      expect(stdout).toMatch(new RegExp(`^  ${mode} `, 'm'));
    }
  }, 300_000);
});

describe('cdp against an external PostgreSQL (DATABASE_URL)', () => {
  it('migrate, seed, api and worker run against it; api refuses to start without credentials', async () => {
    const env = {
      DATABASE_URL: testDatabase().adminUrl,
      DATABASE_APP_PASSWORD: 'test-app-password-0123456789',
      DATA_DIR: path.join(path.dirname(dataDir), 'external'),
    };
    const migrate = cdp('migrate', env);
    expect(await migrate.exited, migrate.output()).toBe(0);
    const seeded = cdp('seed', env);
    expect(await seeded.exited, seeded.output()).toBe(0);

    const port = await freePort();
    const api = cdp('api', { ...env, PORT: String(port), LOG_LEVEL: 'info' });
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => null))?.status === 200,
      'api readiness',
      api.output,
    );
    // Production roles keep one JSON line per request.
    await until(() => api.output().includes('"msg":"request completed"'), 'a JSON request log line', api.output);
    expect(api.output()).toMatch(/^\{"level":30,.*"msg":"request completed"/m);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);

    const worker = cdp('worker', { ...env, LOG_LEVEL: 'info' });
    await until(() => worker.output().includes('"mode":"worker"'), 'the worker', worker.output);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const noCredentials = cdp('api', {
      DATABASE_URL: testDatabase().adminUrl,
      DATA_DIR: env.DATA_DIR,
      PORT: String(port),
    });
    expect(await noCredentials.exited).toBe(1);
    expect(noCredentials.output()).toMatch(/DATABASE_APP_URL, or DATABASE_APP_PASSWORD/);

    const noDatabase = cdp('api', { DATA_DIR: env.DATA_DIR, DATABASE_URL: '' });
    expect(await noDatabase.exited).toBe(1);
    expect(noDatabase.output()).toMatch(/runs against an external database: set DATABASE_URL/);
  }, 600_000);
});
