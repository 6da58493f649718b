import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Which process wrote a file in a study's `temp/`, and whether that process still runs.
 *
 * Every process (API, worker, `cdp start`) has a run id, and names what it writes in `temp/`
 * `run-<id>--<what>`. While it runs it holds a PostgreSQL advisory lock derived from that id on a
 * connection of its own; PostgreSQL drops the lock the moment the process dies (kill -9 included),
 * on whichever machine it ran. So another process, or this one after a restart, can tell at once
 * that a temp entry belongs to work that is no longer running, without waiting for it to age.
 */
export const RUN_ID = randomUUID();

/** The advisory lock namespace of run ids ("CDPR"); the second key is derived from the id. */
const LOCK_CLASS = 0x43445052;
const PREFIX = /^run-([0-9a-f-]{36})--/;

/** The name this process gives a temp entry, e.g. `run-<id>--upload-<uuid>`. */
export function runTempName(what: string): string {
  return `run-${RUN_ID}--${what}`;
}

/** The run that wrote a temp entry, or `null` for a name without one (written by an older version). */
export function runOfTempName(name: string): string | null {
  return PREFIX.exec(name)?.[1] ?? null;
}

function lockKey(runId: string): number {
  return createHash('sha256').update(runId).digest().readInt32BE(0);
}

/**
 * Takes this process's run lock on a dedicated connection and keeps it until the returned function
 * is called. Without it, other processes would take this process's temp files for leftovers.
 */
export async function holdRunLock(connectionString: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString, application_name: 'cdp-run-lock' });
  // A dropped connection loses the lock; the process keeps working, and a sweep elsewhere may then
  // remove its temp files, failing that upload with an error rather than corrupting anything.
  client.on('error', () => {});
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, lockKey(RUN_ID)]);
  return async () => {
    await client.end().catch(() => {});
  };
}

/** Whether the process of `runId` still runs: its lock is held. Our own run always does. */
export async function isRunAlive(pool: pg.Pool, runId: string): Promise<boolean> {
  if (runId === RUN_ID) return true;
  // A transaction-level try-lock is released by the end of its own statement: it only looks.
  const { rows } = await pool.query<{ free: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS free', [
    LOCK_CLASS,
    lockKey(runId),
  ]);
  return rows[0]?.free === false;
}
