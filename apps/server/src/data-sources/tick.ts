import { featureEnabled } from '@cdp/contracts';
import { dataSourcePullLogs, dataSourcePulls, dataSources, organizations } from '@cdp/db';
import { and, eq, isNotNull, isNull, max } from 'drizzle-orm';
import { systemAuthor } from '../auth/author.ts';
import { queuePullIn } from '../commands/data-source-pulls.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { isRunAlive } from '../lib/process-run.ts';
import { lastOccurrence } from '../pipelines/triggers.ts';
import { featureOfType } from '../policies/data-source.ts';

/** An occurrence missed by more than this (the workers were down) is skipped, not caught up. */
const SCHEDULE_GRACE_MS = 10 * 60_000;

/**
 * The minute job's first half: every enabled source whose cron schedule had an occurrence since it
 * last fired (and not longer ago than the grace period) gets one pull, once: `schedule_fired_at`
 * records the occurrence in the same transaction, so two workers never queue the same minute
 * twice. A source already being pulled skips that occurrence; so does one whose organization has
 * its type of source switched off.
 */
export async function fireSourceSchedules(ctx: AppContext, now = new Date()): Promise<number> {
  const due = await ctx.database.system((tx) =>
    tx
      .select({ id: dataSources.id, orgId: dataSources.orgId, features: organizations.features })
      .from(dataSources)
      .innerJoin(organizations, eq(organizations.id, dataSources.orgId))
      .where(and(isNotNull(dataSources.schedule), eq(dataSources.enabled, true), isNull(dataSources.deletedAt))),
  );
  let fired = 0;
  for (const { id, orgId, features } of due) {
    const queued = await ctx.database.tenant(orgId, async (tx) => {
      const [row] = await tx.select().from(dataSources).where(eq(dataSources.id, id)).for('update');
      const schedule = row?.schedule;
      if (!row || !schedule || !row.enabled || row.deletedAt) return false;
      if (!featureEnabled(features, featureOfType(row.type))) return false;
      let occurrence: Date;
      try {
        occurrence = lastOccurrence(schedule.cron, schedule.timeZone, now);
      } catch {
        return false;
      }
      const since = row.scheduleFiredAt ?? row.updatedAt;
      if (occurrence <= since || now.getTime() - occurrence.getTime() > SCHEDULE_GRACE_MS) return false;
      await tx.update(dataSources).set({ scheduleFiredAt: occurrence }).where(eq(dataSources.id, id));
      try {
        await queuePullIn(tx, systemAuthor(orgId), row, 'schedule');
        return true;
      } catch (error) {
        // Already being pulled: this occurrence is skipped (the running pull fetches the news).
        if (error instanceof AppError && error.code === 'CONFLICT') return false;
        throw error;
      }
    });
    if (queued) fired += 1;
  }
  return fired;
}

/**
 * The minute job's second half: pulls left RUNNING by a worker that died are failed (interrupted).
 * Nothing of theirs became a version (that happens in one transaction) and their connector state
 * was not kept, so the next pull fetches the same files again.
 */
export async function recoverInterruptedPulls(ctx: AppContext): Promise<number> {
  const running = await ctx.database.system((tx) =>
    tx
      .select({ id: dataSourcePulls.id, orgId: dataSourcePulls.orgId, workerId: dataSourcePulls.workerId })
      .from(dataSourcePulls)
      .where(eq(dataSourcePulls.status, 'RUNNING')),
  );
  let recovered = 0;
  for (const candidate of running) {
    if (candidate.workerId && (await isRunAlive(ctx.database.pool, candidate.workerId))) continue;
    // Here, not at the top: run-pull.ts brings the connectors, which an idle worker does not hold.
    const { endPull } = await import('./run-pull.ts');
    const done = await ctx.database.tenant(candidate.orgId, async (tx) => {
      const [pull] = await tx
        .select()
        .from(dataSourcePulls)
        .where(and(eq(dataSourcePulls.id, candidate.id), eq(dataSourcePulls.status, 'RUNNING')))
        .for('update');
      if (!pull || pull.workerId !== candidate.workerId) return false;
      const [source] = await tx.select().from(dataSources).where(eq(dataSources.id, pull.sourceId));
      if (!source) return false;
      const [last] = await tx
        .select({ seq: max(dataSourcePullLogs.seq) })
        .from(dataSourcePullLogs)
        .where(eq(dataSourcePullLogs.pullId, pull.id));
      const message = `${source.name}: interrupted, the worker running it (${(pull.workerId ?? 'unknown').slice(0, 8)}) stopped; pull again`;
      await tx
        .insert(dataSourcePullLogs)
        .values({ orgId: pull.orgId, pullId: pull.id, seq: (last?.seq ?? 0) + 1, level: 'error', message });
      await endPull(tx, pull, source, 'FAILED', message);
      return true;
    });
    if (done) recovered += 1;
  }
  if (recovered > 0) ctx.log.warn(`${recovered} data source pull(s) of stopped workers marked FAILED (interrupted)`);
  return recovered;
}
