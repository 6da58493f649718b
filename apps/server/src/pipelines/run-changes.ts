import type { Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { type JobWakeup, listenOnChannel } from '../jobs/job-wakeup.ts';
import type { AppContext } from '../lib/context.ts';

/**
 * A run's event stream (`GET …/runs/:rid/events`) used to look at the run's rows every 300 ms, so a
 * user watching a run learnt of its end up to 300 ms late (150 ms on average: more than the whole
 * small example's work). Every transaction that changes what the stream shows (status, progress,
 * log lines) now also sends a PostgreSQL NOTIFY on `RUN_CHANNEL` naming the run, delivered at
 * commit (never for a rolled-back change); each API process LISTENs on one connection of its own
 * and wakes the streams following that run. The poll stays as the fallback: a lost notification
 * (connection dropped) only means the old delay.
 */
export const RUN_CHANNEL = 'cdp_pipeline_runs';

/** Announces a change of the run's rows: call inside the transaction that makes it. */
export async function notifyRunChanged(tx: Tx, runId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${RUN_CHANNEL}, ${runId})`);
}

/** The streams of one API process waiting for news of their runs. */
export class RunChanges {
  private readonly waiters = new Map<string, Set<(why: 'changed' | 'timeout') => void>>();
  private listener: JobWakeup | null = null;
  private stopped = false;

  constructor(private readonly ctx: AppContext) {}

  /** Resolves when `runId` changes, or after `ms` (the fallback poll), whichever comes first, saying which. */
  wait(runId: string, ms: number): Promise<'changed' | 'timeout'> {
    this.listen();
    return new Promise((resolve) => {
      let waiting = this.waiters.get(runId);
      if (!waiting) {
        waiting = new Set();
        this.waiters.set(runId, waiting);
      }
      const set = waiting;
      const done = (why: 'changed' | 'timeout') => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(runId) === set) this.waiters.delete(runId);
        resolve(why);
      };
      const timer = setTimeout(() => done('timeout'), ms);
      set.add(done);
    });
  }

  /** How many streams wait now (tests). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Opens the LISTEN connection (the API opens it when it is ready, so the first stream does not
   * wait for it; a stream waiting before then opens it too).
   */
  listen(): void {
    if (this.listener || this.stopped) return;
    const connectionString = this.ctx.database.pool.options.connectionString;
    if (!connectionString) return;
    this.listener = listenOnChannel(
      this.ctx,
      connectionString,
      RUN_CHANNEL,
      (runId) => {
        for (const wake of [...(this.waiters.get(runId) ?? [])]) wake('changed');
      },
      'cdp-run-events',
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake('timeout');
    await this.listener?.stop();
    this.listener = null;
  }
}
