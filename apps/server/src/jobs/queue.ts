import pg from 'pg';
import PgBoss from 'pg-boss';
import { recoverInterruptedWork } from '../ingest/recover-interrupted-work.ts';
import type { AppContext } from '../lib/context.ts';
import { isShuttingDown } from '../lib/shutdown.ts';
import { purgeSessions } from './handlers/purge-sessions.ts';
import { JOB_NAMES, JOBS } from './names.ts';

const SCHEMA = 'pgboss';

/**
 * Installs (or upgrades) the job queue's schema and queues as the database owner, then lets the
 * application role use them. Runs with the migrations.
 */
export async function installJobQueue(adminUrl: string): Promise<void> {
  const boss = new PgBoss({ connectionString: adminUrl, schema: SCHEMA, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  try {
    for (const name of JOB_NAMES) {
      if (!(await boss.getQueue(name)))
        await boss.createQueue(name, { name, policy: 'standard', retryLimit: 3, retryBackoff: true });
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

/** Starts the worker: handlers for every job, and the schedules. */
export async function startWorker(ctx: AppContext, connectionString: string): Promise<Worker> {
  const boss = new PgBoss({
    connectionString,
    schema: SCHEMA,
    migrate: false,
    application_name: 'cdp-worker',
    max: 4,
  });
  boss.on('error', (error) => {
    if (isShuttingDown()) ctx.log.debug({ err: error }, 'job queue error while stopping');
    else ctx.log.error({ err: error }, 'job queue error');
  });
  await boss.start();

  await boss.work(JOBS.purgeSessions.name, async ([job]) => {
    if (!job) return;
    JOBS.purgeSessions.payload.parse(job.data ?? {});
    const result = await purgeSessions(ctx);
    ctx.log.info({ job: job.name, id: job.id, ...result }, 'purged ended sessions');
  });
  await boss.schedule(JOBS.purgeSessions.name, JOBS.purgeSessions.cron, {});

  await boss.work(JOBS.sweepTemp.name, async ([job]) => {
    if (!job) return;
    JOBS.sweepTemp.payload.parse(job.data ?? {});
    const result = await recoverInterruptedWork(ctx);
    ctx.log.info({ job: job.name, id: job.id, ...result }, 'swept study temp folders');
  });
  await boss.schedule(JOBS.sweepTemp.name, JOBS.sweepTemp.cron, {});

  return {
    stop: () => boss.stop({ graceful: true, timeout: 10_000, wait: true }),
  };
}
