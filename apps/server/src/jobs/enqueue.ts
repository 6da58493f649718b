import type { Tx } from '@cdp/db';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import { type JobName, jobNamed } from './registry.ts';

let sender: PgBoss | undefined;

/**
 * Queues a job inside the caller's transaction (ARCHITECTURE.md, "Jobs": enqueue in the same
 * transaction as the row it concerns): the job exists exactly when the row does. The payload is
 * parsed by the job's own schema first, so a bad payload fails here, not in the worker.
 */
export async function enqueueInTransaction(
  tx: Tx,
  name: JobName,
  payload: unknown,
  options: { singletonKey?: string; startAfterSeconds?: number } = {},
): Promise<string | null> {
  const job = jobNamed(name);
  const data = job.payload.parse(payload) as object;
  // Never started and never connected: it only writes the queue's rows through the transaction.
  sender ??= new PgBoss({
    schema: 'pgboss',
    db: { executeSql: () => Promise.reject(new Error('jobs are queued through a transaction')) },
  });
  const client = (tx as unknown as { $client: pg.PoolClient }).$client;
  return sender.send(name, data, {
    ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
    db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
  });
}
