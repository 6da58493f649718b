import { dataSourcePullLogs, dataSourcePulls, dataSources, type Tx } from '@cdp/db';
import { and, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueInTransaction } from '../jobs/enqueue.ts';
import { AppError, isUniqueViolation, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { authorizeManage } from '../policies/data-source.ts';
import { type DataSourcePullRow, type DataSourceRow, findPull, findSource } from '../repositories/data-sources.repo.ts';

function alreadyActive(name: string, active: { id: string; status: string } | null): AppError {
  return new AppError(
    'CONFLICT',
    `Data source ${name} is already being pulled (${active ? active.status.toLowerCase() : 'queued'}): wait for that pull to end or cancel it.`,
    active ? { activePullId: active.id } : undefined,
  );
}

/**
 * Queues a pull of a source inside the caller's transaction, with its job and audit event. A
 * source has at most one pull queued or running (a partial unique index holds even under a race):
 * a second request is a 409 naming the active pull.
 */
export async function queuePullIn(
  tx: Tx,
  author: Author,
  source: DataSourceRow,
  trigger: 'manual' | 'schedule',
): Promise<DataSourcePullRow> {
  authorizeManage(author, source);
  if (!source.enabled) {
    throw new AppError('INVALID_STATE', `Data source ${source.name} is disabled: enable it before pulling.`);
  }
  const [active] = await tx
    .select({ id: dataSourcePulls.id, status: dataSourcePulls.status })
    .from(dataSourcePulls)
    .where(and(eq(dataSourcePulls.sourceId, source.id), inArray(dataSourcePulls.status, ['QUEUED', 'RUNNING'])))
    .limit(1);
  if (active) throw alreadyActive(source.name, active);
  let pull: DataSourcePullRow | undefined;
  try {
    [pull] = await tx
      .insert(dataSourcePulls)
      .values({
        orgId: source.orgId,
        studyId: source.studyId,
        sourceId: source.id,
        status: 'QUEUED',
        trigger,
        requestedBy: userIdOf(author),
      })
      .returning();
  } catch (error) {
    if (isUniqueViolation(error, 'data_source_pulls_one_active')) throw alreadyActive(source.name, null);
    throw error;
  }
  if (!pull) throw new Error('pull insert returned nothing');
  await tx.insert(dataSourcePullLogs).values({
    orgId: source.orgId,
    pullId: pull.id,
    seq: 1,
    level: 'info',
    message: `Queued (${trigger}) by ${author.label}: ${source.name} (${source.type})`,
  });
  await tx
    .update(dataSources)
    .set({ lastPullStatus: 'QUEUED', lastPullAt: pull.queuedAt, lastPullMessage: null })
    .where(eq(dataSources.id, source.id));
  await enqueueInTransaction(
    tx,
    'data_sources.pull',
    { orgId: source.orgId, pullId: pull.id },
    { singletonKey: pull.id },
  );
  await appendAudit(tx, {
    orgId: source.orgId,
    author,
    action: 'data_source.pull.started',
    resourceType: 'data_source_pull',
    resourceId: pull.id,
    newValues: { sourceId: source.id, source: source.name, type: source.type, trigger, status: 'QUEUED' },
  });
  return pull;
}

export async function queuePull(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; sourceId: string },
): Promise<DataSourcePullRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const source = await findSource(tx, author.orgId, input.studyId, input.sourceId, { forUpdate: true });
    if (!source) throw notFound('Data source');
    return queuePullIn(tx, author, source, 'manual');
  });
}

/**
 * Cancels a pull: a queued one ends at once; a running one is marked, and its worker sees the mark
 * within a second, stops the transfer and keeps nothing.
 */
export async function cancelPull(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; sourceId: string; pullId: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const source = await findSource(tx, author.orgId, input.studyId, input.sourceId);
    if (!source) throw notFound('Data source');
    authorizeManage(author, source);
    const pull = await findPull(tx, author.orgId, source.id, input.pullId, { forUpdate: true });
    if (!pull) throw notFound('Pull');
    if (pull.status !== 'QUEUED' && pull.status !== 'RUNNING') {
      throw new AppError('INVALID_STATE', `This pull has already ended (${pull.status}); there is nothing to cancel.`);
    }
    const now = new Date();
    if (pull.status === 'QUEUED') {
      const message = `Cancelled by ${author.label} before it started`;
      await tx
        .update(dataSourcePulls)
        .set({ status: 'CANCELLED', cancelRequestedAt: now, finishedAt: now, message })
        .where(eq(dataSourcePulls.id, pull.id));
      await tx
        .update(dataSources)
        .set({ lastPullStatus: 'CANCELLED', lastPullAt: now, lastPullMessage: message })
        .where(eq(dataSources.id, source.id));
    } else {
      await tx.update(dataSourcePulls).set({ cancelRequestedAt: now }).where(eq(dataSourcePulls.id, pull.id));
    }
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'data_source.pull.cancelled',
      resourceType: 'data_source_pull',
      resourceId: pull.id,
      oldValues: { status: pull.status },
      newValues: { status: pull.status === 'QUEUED' ? 'CANCELLED' : 'CANCELLING', sourceId: source.id },
    });
  });
}
