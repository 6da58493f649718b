import type { QueryEngine } from '@cdp/analytics';
import type { Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { type JobWakeup, listenOnChannel } from '../jobs/job-wakeup.ts';
import type { AppContext } from '../lib/context.ts';
import { studyDashboardsToWarm } from '../repositories/dashboards-to-warm.repo.ts';
import { warmTargets } from './warm-dashboards.ts';

/**
 * Dashboards warmed when their study's data version is activated (an upload's first version, an
 * activate or roll back, a pull that activates): the new version's files, copies, base tables and
 * unfiltered answers are built once, when the engine is idle, before its first users ask, as the
 * start's warm-up does for the versions active at start (`warm-dashboards.ts`). The activation may
 * happen in any process (a worker's pull, another API process): its transaction sends a PostgreSQL
 * NOTIFY on `ACTIVATION_CHANNEL` naming the study, delivered at commit (never for a rolled-back one),
 * and every API process LISTENs and warms that study's dashboards in its own engine. A notification
 * lost (the connection dropped) only means the study's first user pays what the warm-up would have.
 */
export const ACTIVATION_CHANNEL = 'cdp_data_activations';

/** The study's dashboards warmed after an activation, the most recently changed first. */
const WARM_PER_STUDY = 5;

/** Announces that the study's active version changed: call inside the transaction that changes it. */
export async function announceActivation(tx: Tx, orgId: string, studyId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${ACTIVATION_CHANNEL}, ${`${orgId}/${studyId}`})`);
}

/** One API process's warm-ups after activations: one study at a time, each announced study once per wait. */
export class ActivationWarmUp {
  private listener: JobWakeup | null = null;
  private stopped = false;
  /** Studies announced and not yet warmed, in order (`orgId/studyId`). */
  private readonly waiting = new Set<string>();
  private running: Promise<void> | null = null;
  private pagesWarmed = 0;
  private heardCount = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly engine: QueryEngine,
    private readonly onWarmed?: (study: { orgId: string; studyId: string; pages: number; ms: number }) => void,
  ) {}

  /** Pages warmed so far (tests, logs). */
  get pages(): number {
    return this.pagesWarmed;
  }

  /** Announcements received so far (tests: whether the LISTEN connection is up). */
  get heard(): number {
    return this.heardCount;
  }

  /** Opens the LISTEN connection. */
  listen(): void {
    if (this.listener || this.stopped) return;
    const connectionString = this.ctx.database.pool.options.connectionString;
    if (!connectionString) return;
    this.listener = listenOnChannel(
      this.ctx,
      connectionString,
      ACTIVATION_CHANNEL,
      (payload) => this.announced(payload),
      'cdp-dashboard-warm-up',
    );
  }

  /**
   * A study whose version was activated: queued, and warmed after the studies before it. A study
   * announced again while it waits is warmed once (the version active when its turn comes).
   */
  announced(payload: string): void {
    this.heardCount++;
    const [orgId, studyId, ...rest] = payload.split('/');
    if (!orgId || !studyId || rest.length > 0 || this.stopped) return;
    this.waiting.add(`${orgId}/${studyId}`);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when every study announced so far is warmed (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (const next of this.waiting) {
      this.waiting.delete(next);
      if (this.stopped) return;
      const [orgId = '', studyId = ''] = next.split('/');
      const started = performance.now();
      try {
        const targets = await studyDashboardsToWarm(this.ctx.database, orgId, studyId, WARM_PER_STUDY);
        const pages = await warmTargets(this.ctx, this.engine, targets, () => this.stopped);
        this.pagesWarmed += pages;
        if (!this.stopped) this.onWarmed?.({ orgId, studyId, pages, ms: Math.round(performance.now() - started) });
      } catch (error) {
        if (!this.stopped) this.ctx.log.warn({ err: error, studyId }, 'dashboard warm-up after an activation failed');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.clear();
    await this.listener?.stop();
    this.listener = null;
  }
}
