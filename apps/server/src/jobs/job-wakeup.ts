import pg from 'pg';
import type { AppContext } from '../lib/context.ts';
import { isShuttingDown } from '../lib/shutdown.ts';

/**
 * Queued jobs start at once instead of at the worker's next poll (pg-boss looks every 2 s, so a
 * user waiting for an export waited a second on average for nothing). Queuing a job also sends a
 * PostgreSQL NOTIFY on `JOB_CHANNEL` naming it, inside the queuing transaction, so it is delivered
 * exactly when the job becomes visible (at commit; never for a rolled-back one). Every worker
 * LISTENs on one connection of its own and wakes its pg-boss worker for that queue. Polling stays
 * as it was: a lost notification (connection dropped) only means the old delay.
 */
export const JOB_CHANNEL = 'cdp_jobs';

/** The statement that announces a queued job: run it inside the transaction that queues it. */
export const NOTIFY_SQL = `select pg_notify('${JOB_CHANNEL}', $1)`;

export interface JobWakeup {
  stop(): Promise<void>;
}

const RECONNECT_MS = 5_000;

/** Listens for queued jobs and calls `wake(name)` for each; reconnects after a lost connection. */
export function listenForJobs(ctx: AppContext, connectionString: string, wake: (name: string) => void): JobWakeup {
  return listenOnChannel(ctx, connectionString, JOB_CHANNEL, wake, 'cdp-worker-wakeup');
}

/**
 * LISTENs on `channel` on a connection of its own and calls `onPayload` for each notification;
 * reconnects after a lost connection (notifications sent meanwhile are lost: callers keep a slower
 * poll for that). Used for queued jobs (above) and for pipeline runs' changes (pipelines/run-changes.ts).
 */
export function listenOnChannel(
  ctx: AppContext,
  connectionString: string,
  channel: string,
  onPayload: (payload: string) => void,
  applicationName: string,
): JobWakeup {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = new pg.Client({ connectionString, application_name: applicationName });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload) onPayload(message.payload);
    });
    next.on('error', (error) => {
      if (!stopped && !isShuttingDown())
        ctx.log.warn({ err: error, channel }, 'notification connection lost: polling only');
      reconnect(next);
    });
    try {
      await next.connect();
      await next.query(`listen ${channel}`);
      if (stopped) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
    } catch (error) {
      ctx.log.warn({ err: error, channel }, 'could not listen for notifications: polling only');
      reconnect(next);
    }
  };

  const reconnect = (broken: pg.Client): void => {
    if (client === broken) client = null;
    broken.end().catch(() => {});
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  };

  void connect();
  return {
    stop: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const open = client;
      client = null;
      await open?.end().catch(() => {});
    },
  };
}
