import pg from 'pg';

/** Advisory lock key of the whole start-up migration step ("CDPM"); runMigrations takes its own inside. */
const MIGRATION_STEP_LOCK = 0x4344504d;

/**
 * Runs the start-up migration step (SQL migrations, the application role's password, the job
 * queue's schema and queues) in one process at a time, cluster-wide: N processes starting at once
 * (`cdp start` replicas, a migration Job beside rolling pods) would otherwise race on the same DDL
 * and grants, and PostgreSQL answers such races with "deadlock detected". The lock is a session
 * lock on a connection of its own, so a process that dies releases it.
 */
export async function withMigrationLock<T>(adminUrl: string, step: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'cdp-migrate-lock' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_STEP_LOCK]);
    return await step();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_STEP_LOCK]).catch(() => {});
    await client.end();
  }
}
