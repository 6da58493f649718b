import type { Actor } from '../auth/actor.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { type ExportWithRequester, findExport, listExports } from '../repositories/exports.repo.ts';
import { dashboardFor, type FoundDashboard } from './dashboard.ts';

/** An export is its dashboard's: whoever may export the dashboard may follow and download its exports. */
export async function exportFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string; eid: string },
): Promise<{ found: FoundDashboard; exported: ExportWithRequester }> {
  const found = await dashboardFor(ctx, actor, params, 'dashboard:export:assigned');
  const exported = await ctx.database.tenant(actor.orgId, (tx) =>
    findExport(tx, actor.orgId, { studyId: found.study.id, dashboardId: found.dashboard.row.id, exportId: params.eid }),
  );
  if (!exported) throw notFound('Export');
  return { found, exported };
}

export async function exportsOf(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string },
): Promise<ExportWithRequester[]> {
  const found = await dashboardFor(ctx, actor, params, 'dashboard:export:assigned');
  return ctx.database.tenant(actor.orgId, (tx) =>
    listExports(tx, actor.orgId, { studyId: found.study.id, dashboardId: found.dashboard.row.id }),
  );
}
