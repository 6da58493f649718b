import { randomUUID } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { testDatabase } from '../../test/test-database.ts';
import { purgeSessions } from './handlers/purge-sessions.ts';
import { sweepTemp, TEMP_MAX_AGE_HOURS } from './handlers/sweep-temp.ts';
import { startWorker } from './queue.ts';
import { JOBS, jobNamed } from './registry.ts';
import { runJob } from './run-job.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('auth.purge-sessions', () => {
  it('drops refresh tokens of ended sessions and old ended sessions, keeping open ones', async () => {
    const tenant = await t.tenant();
    const open = await tenant.as('auditor');
    const ended = await tenant.as('auditor');
    await t.request(null, { method: 'POST', url: '/api/auth/logout', headers: { cookie: ended.cookie } });
    const old = await tenant.as('auditor');
    await t.admin.query(
      `update sessions set revoked_at = now() - interval '40 days', revoked_reason = 'logout' where user_id = $1`,
      [old.user.id],
    );

    const result = await purgeSessions(t.ctx);
    expect(result.tokens).toBeGreaterThanOrEqual(2);
    expect(result.sessions).toBeGreaterThanOrEqual(1);
    const { rows } = await t.admin.query<{ user_id: string; tokens: number }>(
      `select s.user_id, (select count(*)::int from refresh_tokens rt where rt.session_id = s.id) as tokens
       from sessions s where s.user_id = any($1)`,
      [[open.user.id, ended.user.id, old.user.id]],
    );
    expect(rows.find((r) => r.user_id === open.user.id)?.tokens).toBe(1);
    expect(rows.find((r) => r.user_id === ended.user.id)?.tokens).toBe(0);
    expect(rows.find((r) => r.user_id === old.user.id)).toBeUndefined();
    // The open session still refreshes.
    const refresh = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: open.cookie },
    });
    expect(refresh.statusCode).toBe(200);
  });

  it('runs through the queue in the worker, and is scheduled hourly', async () => {
    const worker = await startWorker(t.ctx, testDatabase().appUrl);
    const sender = new PgBoss({
      connectionString: testDatabase().appUrl,
      migrate: false,
      supervise: false,
      schedule: false,
    });
    sender.on('error', () => {});
    await sender.start();
    try {
      const purge = jobNamed('auth.purge-sessions');
      const sweep = jobNamed('data.sweep-temp');
      const id = await sender.send(purge.name, {});
      expect(id).toBeTruthy();
      let state = '';
      for (let i = 0; i < 100 && state !== 'completed'; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        state = (await sender.getJobById(purge.name, id as string))?.state ?? '';
      }
      expect(state).toBe('completed');
      const schedules = await sender.getSchedules();
      expect(schedules.find((s) => s.name === purge.name)?.cron).toBe(purge.schedule?.cron);
      expect(schedules.find((s) => s.name === sweep.name)?.cron).toBe(sweep.schedule?.cron);
    } finally {
      await sender.stop({ graceful: false });
      await worker.stop();
    }
  }, 60_000);
});

describe('data.sweep-temp', () => {
  it('removes what a crashed upload left in study temp folders after a day, and nothing else', async () => {
    const study = path.join(t.ctx.config.dataDir, 'studies', randomUUID(), randomUUID());
    const temp = path.join(study, 'temp');
    await mkdir(path.join(temp, 'version-old', 'nested'), { recursive: true });
    await writeFile(path.join(temp, 'version-old', 'nested', 'AE.parquet'), 'x');
    await writeFile(path.join(temp, 'upload-old'), 'partial upload');
    await writeFile(path.join(temp, 'upload-running'), 'in progress');
    await mkdir(path.join(study, 'source_data', '20260101_000000'), { recursive: true });
    const old = new Date(Date.now() - (TEMP_MAX_AGE_HOURS + 1) * 3_600_000);
    for (const entry of ['version-old', 'upload-old']) await utimes(path.join(temp, entry), old, old);
    await utimes(path.join(study, 'source_data', '20260101_000000'), old, old);

    const result = await sweepTemp(t.ctx);
    expect(result.removed).toBeGreaterThanOrEqual(2);
    expect((await readdir(temp)).sort()).toEqual(['upload-running']);
    expect(await readdir(path.join(study, 'source_data'))).toEqual(['20260101_000000']);
  });
});

describe('the job registry', () => {
  it('names every job "<domain>.<action>" once, with a retry policy', () => {
    const names = JOBS.map((job) => job.name);
    expect(new Set(names).size).toBe(names.length);
    for (const job of JOBS) {
      expect(job.name).toMatch(/^[a-z_]+\.[a-z-]+$/);
      expect(job.retry.limit).toBeGreaterThanOrEqual(0);
    }
  });

  it("gives each queue its job's retry policy", async () => {
    const { rows } = await t.admin.query<{
      name: string;
      retry_limit: number;
      retry_delay: number;
      retry_backoff: boolean;
    }>('select name, retry_limit, retry_delay, retry_backoff from pgboss.queue where name = any($1)', [
      JOBS.map((job) => job.name),
    ]);
    expect(rows).toHaveLength(JOBS.length);
    for (const job of JOBS) {
      expect(rows.find((r) => r.name === job.name)).toMatchObject({
        retry_limit: job.retry.limit,
        retry_delay: job.retry.delaySeconds,
        retry_backoff: job.retry.backoff,
      });
    }
  });

  it('logs an unknown job name and answers it once instead of failing it into retries', async () => {
    const outcome = await runJob(t.ctx, 'reports.send-weekly', {});
    expect(outcome).toEqual({ status: 'rejected', reason: 'unknown job "reports.send-weekly": not run, not retried' });
  });

  it('refuses a payload that does not parse, naming the field, without running the handler', async () => {
    const outcome = await runJob(t.ctx, 'data.sweep-temp', { studyId: 42 });
    expect(outcome.status).toBe('rejected');
    expect(outcome.status === 'rejected' && outcome.reason).toContain('data.sweep-temp has an invalid payload');
  });

  it('runs a known job and returns its one-line note', async () => {
    const outcome = await runJob(t.ctx, 'data.sweep-temp', {});
    expect(outcome).toMatchObject({ status: 'done' });
    expect(outcome.status === 'done' && outcome.note).toMatch(
      /^swept study temp folders: \d+ left-overs removed \(\d+ of stopped runs\), \d+ orphan version folders quarantined, \d+ retired PHI sidecars removed$/,
    );
  });
});
