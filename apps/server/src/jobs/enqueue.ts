import { createHash } from 'node:crypto';
import type { Tx } from '@cdp/db';
import PgBoss from 'pg-boss';
import { currentTraceparent, TRACE_FIELD } from '../lib/tracing.ts';
import { NOTIFY_SQL } from './job-wakeup.ts';
import type { JobName } from './registry.ts';

/**
 * Queues jobs inside the caller's transaction (ARCHITECTURE.md, "Jobs": enqueue in the same
 * transaction as the row it concerns): the job exists exactly when the rows it concerns do (a
 * rolled-back change leaves no job behind, a committed one always has its job). pg-boss writes
 * through the transaction's own connection (its `db` option); this instance is never started and
 * opens no connection of its own. The worker parses the payload with the job's schema (this module
 * does not import the registry's values: its handlers queue jobs).
 */
let sender: PgBoss | undefined;

function senderOf(): PgBoss {
  sender ??= new PgBoss({
    schema: 'pgboss',
    db: { executeSql: () => Promise.reject(new Error('jobs are queued inside a transaction: pass it to enqueueJob')) },
  });
  return sender;
}

/** The payload with the queuing request's trace context beside it, when tracing (the worker takes it off). */
function traced(payload: object): object {
  const carrier = currentTraceparent();
  return carrier ? { ...payload, [TRACE_FIELD]: carrier } : payload;
}

interface QueryClient {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** tenant()/system() build the handle with drizzle(client): `$client` is the transaction's connection. */
function clientOf(tx: Tx): QueryClient {
  const client = (tx as unknown as { $client?: QueryClient }).$client;
  if (!client) throw new Error('jobs need the transaction handle of tenant() or system()');
  return client;
}

export async function enqueueInTransaction(
  tx: Tx,
  name: JobName,
  payload: unknown,
  /** `notify: false`: the caller sends the workers' wake-up (`JOB_CHANNEL`) itself, with a statement of its own. */
  options: { singletonKey?: string; startAfterSeconds?: number; notify?: false } = {},
): Promise<string | null> {
  const client = clientOf(tx);
  const id = await senderOf().send(name, traced(payload as object), {
    ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
    db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
  });
  if (id && !options.startAfterSeconds && options.notify !== false) await client.query(NOTIFY_SQL, [name]);
  return id;
}

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
  const client = clientOf(tx);
  const id = await senderOf().send(name, traced(payload), {
    db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
    ...(options.key ? { id: idFor(`${name}:${options.key}`) } : {}),
    ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
  });
  // Workers wake at commit (jobs/job-wakeup.ts) rather than at their next poll.
  if (id && !options.startAfterSeconds) await client.query(NOTIFY_SQL, [name]);
}
