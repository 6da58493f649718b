import { rm } from 'node:fs/promises';
import path from 'node:path';
import { actorForUser } from '../auth/actor-for-user.ts';
import { NO_ORIGIN, userAuthor } from '../auth/author.ts';
import { claimExport, failDashboardExport, markExportPurged } from '../commands/dashboard-exports.ts';
import { withJobPhiLog } from '../commands/record-phi-access.ts';
import type { AppContext } from '../lib/context.ts';
import { studyDir } from '../lib/study-folders.ts';
import { expiredExports } from '../repositories/exports.repo.ts';
import { exportEngine } from './export-engine.ts';
import { produceExport } from './produce-export.ts';
import { signedCopyPath } from './signed-copy.ts';

/**
 * `exports.render`: makes a queued export as the user who asked for it (their permissions as they
 * are now). Whatever goes wrong is written on the export's row for the user to read; the job
 * itself succeeds, since running it again would fail the same way.
 */
export async function renderExport(
  ctx: AppContext,
  payload: { orgId: string; exportId: string },
): Promise<{ exportId: string; status: string }> {
  const row = await claimExport(ctx, payload.orgId, payload.exportId);
  if (!row) return { exportId: payload.exportId, status: 'not queued' };
  try {
    if (!row.requestedBy) throw new Error('the export names no user to make it for');
    const actor = await actorForUser(ctx, row.orgId, row.requestedBy);
    await withJobPhiLog(ctx, actor, `job exports.render · export ${row.id}`, () =>
      produceExport(ctx, exportEngine(ctx), actor, userAuthor(actor, NO_ORIGIN), {
        studyId: row.studyId,
        dashboardId: row.dashboardId,
        format: row.format,
        ...(row.request.pages ? { pages: row.request.pages } : {}),
        filters: row.request.filters as Parameters<typeof produceExport>[4]['filters'],
        options: row.request.options,
        ...(row.request.widgetOptions ? { widgetOptions: row.request.widgetOptions } : {}),
        exportId: row.id,
      }),
    );
    return { exportId: row.id, status: 'SUCCEEDED' };
  } catch (error) {
    ctx.log.warn({ err: error, exportId: row.id }, 'dashboard export failed');
    await failDashboardExport(ctx, row.orgId, row.id, error instanceof Error ? error.message : String(error));
    return { exportId: row.id, status: 'FAILED' };
  }
}

/** `exports.purge`: files past their retention are removed; their rows stay as the record. */
export async function purgeExports(ctx: AppContext, now = new Date()): Promise<{ files: number }> {
  const expired = await ctx.database.system((tx) => expiredExports(tx, now));
  for (const row of expired) {
    const dir = studyDir(ctx.config.dataDir, row.orgId, row.studyId);
    if (row.filePath) await rm(path.join(dir, row.filePath), { force: true });
    // Its signed copy goes with it (the copy's row stays, as the export's does).
    await rm(path.join(dir, signedCopyPath(row.id)), { force: true });
    await markExportPurged(ctx, row);
  }
  return { files: expired.length };
}
