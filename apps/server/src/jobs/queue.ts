import pg from 'pg';
import PgBoss from 'pg-boss';
import type { AppContext } from '../lib/context.ts';
import { isShuttingDown } from '../lib/shutdown.ts';
import { recoverInterruptedRuns } from '../pipelines/recover-runs.ts';
import type { JobDefinition } from './define-job.ts';
import { listenForJobs } from './job-wakeup.ts';
import { JOBS } from './registry.ts';
import { runJob } from './run-job.ts';

const SCHEMA = 'pgboss';
const jobs = JOBS as readonly JobDefinition[];

function queueOptions(job: JobDefinition): PgBoss.Queue {
  return {
    name: job.name,
    policy: 'standard',
    retryLimit: job.retry.limit,
    retryDelay: job.retry.delaySeconds,
    retryBackoff: job.retry.backoff,
  };
}

/**
 * Installs (or upgrades) the job queue's schema and one queue per registered job, with the job's
 * retry policy, as the database owner; then lets the application role use them. Runs with the
 * migrations.
 */
export async function installJobQueue(adminUrl: string): Promise<void> {
  const boss = new PgBoss({ connectionString: adminUrl, schema: SCHEMA, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  try {
    for (const job of jobs) {
      if (await boss.getQueue(job.name)) await boss.updateQueue(job.name, queueOptions(job));
      else await boss.createQueue(job.name, queueOptions(job));
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`
      grant usage on schema ${SCHEMA} to cdp_app;
      grant select, insert, update, delete on all tables in schema ${SCHEMA} to cdp_app;
      grant usage, select on all sequences in schema ${SCHEMA} to cdp_app;
      grant execute on all functions in schema ${SCHEMA} to cdp_app;`);
  } finally {
    await client.end();
  }
}

export interface Worker {
  stop(): Promise<void>;
}

/** How often each worker looks for runs of dead workers (between the minute-wise `pipelines.tick`). */
const RECOVERY_INTERVAL_MS = 5_000;

export interface WorkerOptions {
  /** On stop, how long running jobs may take to finish before they are failed back to the queue (retried by their policy). */
  graceMs?: number;
  /** How often one-at-a-time jobs are looked for when no wake-up arrives (pg-boss' default: 2 s). */
  pollingIntervalSeconds?: number;
}

/** Starts the worker: a handler for every registered job, and their schedules. */
export async function startWorker(
  ctx: AppContext,
  connectionString: string,
  options: WorkerOptions = {},
): Promise<Worker> {
  const settings: PgBoss.ConstructorOptions & { options: string } = {
    connectionString,
    schema: SCHEMA,
    migrate: false,
    application_name: 'cdp-worker',
    max: 4,
    // The queue's own bookkeeping (a job taken, completed, failed, retried) commits without waiting
    // for its WAL to reach the disk: a fetch's commit was an fsync (1–6 ms here) between a job's
    // queueing and its start. WAL stays in order, so a crash of the machine loses at most the last
    // few hundred milliseconds of these states, never half of one: a job taken is handed out again
    // and a job completed runs again, as after a worker that died (pg-boss delivers at least once;
    // handlers re-check their rows, e.g. a pipeline run's claim wants it QUEUED). Jobs are queued
    // inside the callers' own transactions (enqueue.ts), which keep their durable commits.
    options: '-c synchronous_commit=off',
  };
  const boss = new PgBoss(settings);
  boss.on('error', (error) => {
    if (isShuttingDown()) ctx.log.debug({ err: error }, 'job queue error while stopping');
    else ctx.log.error({ err: error }, 'job queue error');
  });
  await boss.start();
  // Runs a dead worker left RUNNING are failed before this worker takes new ones.
  await recoverInterruptedRuns(ctx).catch((error: unknown) =>
    ctx.log.error({ err: error }, 'recovering interrupted pipeline runs failed'),
  );

  const workerIds = new Map<string, string>();
  for (const job of jobs) {
    if (job.worker) {
      workerIds.set(job.name, await workInBatches(ctx, boss, job, job.worker));
      if (job.schedule) await boss.schedule(job.name, job.schedule.cron, {}, { tz: job.schedule.tz ?? 'UTC' });
      else await boss.unschedule(job.name);
      continue;
    }
    const polling = options.pollingIntervalSeconds ? { pollingIntervalSeconds: options.pollingIntervalSeconds } : {};
    const workerId = await boss.work(job.name, polling, async ([queued]) => {
      if (!queued) return;
      try {
        return await runJob(ctx, queued.name, queued.data, queued.id);
      } catch (error) {
        ctx.log.warn(
          { job: queued.name, id: queued.id, err: error },
          `job ${queued.name} failed (retried by its policy)`,
        );
        throw error;
      }
    });
    workerIds.set(job.name, workerId);
    if (job.schedule) await boss.schedule(job.name, job.schedule.cron, {}, { tz: job.schedule.tz ?? 'UTC' });
    else await boss.unschedule(job.name);
  }
  await warnAboutUnknownQueues(ctx, boss);
  const wakeup = listenForJobs(ctx, connectionString, (name) => {
    const id = workerIds.get(name);
    if (id) boss.notifyWorker(id);
  });

  // A run whose worker was killed is taken over within seconds, not at the next minute's tick.
  let recovering = false;
  const recovery = setInterval(() => {
    if (recovering || isShuttingDown()) return;
    recovering = true;
    recoverInterruptedRuns(ctx)
      .catch((error: unknown) => ctx.log.warn({ err: error }, 'recovering interrupted pipeline runs failed'))
      .finally(() => {
        recovering = false;
      });
  }, RECOVERY_INTERVAL_MS);
  recovery.unref();

  return {
    stop: async () => {
      clearInterval(recovery);
      await wakeup.stop();
      await boss.stop({ graceful: true, timeout: options.graceMs ?? 10_000, wait: true });
    },
  };
}

/**
 * Runs a batch side by side. A job that throws is failed by itself (pg-boss then retries it by its
 * policy); completing the batch afterwards leaves it alone, since only active jobs are completed.
 */
async function workInBatches(
  ctx: AppContext,
  boss: PgBoss,
  job: JobDefinition,
  options: NonNullable<JobDefinition['worker']>,
): Promise<string> {
  return boss.work(job.name, options, async (batch) => {
    await Promise.all(
      batch.map(async (queued) => {
        try {
          await runJob(ctx, queued.name, queued.data, queued.id);
        } catch (error) {
          ctx.log.warn(
            { job: queued.name, id: queued.id, err: error },
            `job ${queued.name} failed (retried by its policy)`,
          );
          await boss.fail(queued.name, queued.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  });
}

/** Jobs queued under a name this version does not know (a newer or older build sent them) wait untouched: say so. */
async function warnAboutUnknownQueues(ctx: AppContext, boss: PgBoss): Promise<void> {
  const known = new Set<string>(jobs.map((job) => job.name));
  for (const queue of await boss.getQueues()) {
    if (known.has(queue.name)) continue;
    const waiting = await boss.getQueueSize(queue.name);
    if (waiting > 0) {
      ctx.log.warn(
        { job: queue.name, waiting },
        `unknown job "${queue.name}": ${waiting} queued, not run by this worker`,
      );
    }
  }
}
