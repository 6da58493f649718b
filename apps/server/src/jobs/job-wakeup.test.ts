import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { testDatabase } from '../../test/test-database.ts';
import { enqueueJob } from './enqueue.ts';
import { startWorker } from './queue.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function until<T>(what: string, check: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job wake-up', () => {
  it('a job queued in a transaction starts at its commit, not at the next poll', async () => {
    // Polling every 60 s: without the wake-up a job queued after the first look waits up to a minute.
    const worker = await startWorker(t.ctx, testDatabase().appUrl, { pollingIntervalSeconds: 60 });
    try {
      await until(
        'the wake-up connection',
        async () =>
          (
            await t.admin.query(
              `select 1 from pg_stat_activity where application_name = 'cdp-worker-wakeup' and query ilike 'listen%'`,
            )
          ).rowCount,
        20_000,
      );
      // Let the worker's first look find nothing, so only a wake-up can start the next job.
      await new Promise((r) => setTimeout(r, 1_000));
      const queuedAt = Date.now();
      const key = `wakeup-${queuedAt}`;
      await t.ctx.database.system((tx) => enqueueJob(tx, 'auth.purge-sessions', {}, { key }));
      const started = await until(
        'the job to start',
        async () =>
          (
            await t.admin.query<{ started_on: Date | null }>(
              `select started_on from pgboss.job where name = 'auth.purge-sessions' and id = (
                 select id from pgboss.job where name = 'auth.purge-sessions' order by created_on desc limit 1)`,
            )
          ).rows[0]?.started_on,
        30_000,
      );
      expect(started.getTime() - queuedAt).toBeLessThan(15_000);
    } finally {
      await worker.stop();
    }
  }, 90_000);

  it('a rolled-back transaction wakes nobody and leaves no job', async () => {
    const { rows: before } = await t.admin.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'data.sweep-temp'`,
    );
    await t.ctx.database
      .system(async (tx) => {
        await enqueueJob(tx, 'data.sweep-temp', {});
        throw new Error('roll back');
      })
      .catch(() => {});
    const { rows: after } = await t.admin.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'data.sweep-temp'`,
    );
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});
