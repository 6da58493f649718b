import { createHash } from 'node:crypto';
import type { Tx } from '@cdp/db';
import PgBoss from 'pg-boss';
import type { JobName } from './registry.ts';

/**
 * Queues a job inside the caller's transaction, so the job exists exactly when the rows it
 * concerns do (a rolled-back change leaves no job behind, a committed one always has its job).
 * pg-boss writes through the transaction's own connection (its `db` option); this instance is
 * never started and opens no connection of its own.
 */
const sender = new PgBoss({
  schema: 'pgboss',
  db: {
    executeSql: () => {
      throw new Error('jobs are queued inside a transaction: pass it to enqueueJob');
    },
  },
});

export interface EnqueueOptions {
  /** Makes queuing twice harmless: the same key gives the same job id, and the second insert does nothing. */
  key?: string;
  /** Run no earlier than this many seconds from now. */
  startAfterSeconds?: number;
}

/** An RFC 4122-shaped id derived from a key (pg-boss wants a UUID). */
function idFor(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function enqueueJob(tx: Tx, name: JobName, payload: object, options: EnqueueOptions = {}): Promise<void> {
  // tenant()/system() build the handle with drizzle(client): `$client` is the transaction's connection.
  const client = (
    tx as unknown as { $client?: { query(text: string, values: unknown[]): Promise<{ rows: unknown[] }> } }
  ).$client;
  if (!client) throw new Error('enqueueJob needs the transaction handle of tenant() or system()');
  await sender.send(name, payload, {
    db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
    ...(options.key ? { id: idFor(`${name}:${options.key}`) } : {}),
    ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
  });
}
