import type { Actor } from '../auth/actor.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { phiAccessOf } from '../phi/protect-version.ts';
import { clearPhiFileExists, type ExportWithRequester, findExport, listExports } from '../repositories/exports.repo.ts';
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

export const CLEAR_PHI_REFUSED =
  'This export shows protected health information in clear; you are not cleared to see PHI on this study. Export the dashboard yourself to get a copy with PHI masked.';

/** Whether this reader may download the export's file: one made with PHI in clear needs PHI clearance on the study now. */
export function mayDownloadExport(actor: Actor, row: { studyId: string; clearPhi: boolean }): boolean {
  return !row.clearPhi || phiAccessOf(actor, row.studyId).clear;
}

/**
 * An export whose file (or signed copy) this reader may download. Fail-closed: a file rendered with
 * PHI in clear is served only to a reader cleared for PHI on its study at the time of the download;
 * anyone else gets a 403 saying why. Another organization's export stays a 404 (`exportFor`).
 */
export async function exportFileFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string; eid: string },
): Promise<{ found: FoundDashboard; exported: ExportWithRequester }> {
  const result = await exportFor(ctx, actor, params);
  if (!mayDownloadExport(actor, result.exported.row)) {
    throw new AppError('FORBIDDEN', CLEAR_PHI_REFUSED, { reason: 'clear_phi', permission: 'data:view_phi:assigned' });
  }
  return result;
}

/**
 * A scheduled report run's file (a link in the mail) is the file of the export the run produced:
 * the same rule holds. A file of unknown origin (no hash) is treated as holding PHI in clear.
 */
export async function refuseUnclearedReportFile(
  ctx: AppContext,
  actor: Actor,
  file: { studyId: string; sha256: string | null },
): Promise<void> {
  if (phiAccessOf(actor, file.studyId).clear) return;
  const sha256 = file.sha256;
  const clear =
    sha256 === null ||
    (await ctx.database.tenant(actor.orgId, (tx) => clearPhiFileExists(tx, actor.orgId, file.studyId, sha256)));
  if (clear) {
    throw new AppError('FORBIDDEN', CLEAR_PHI_REFUSED, {
      reason: 'clear_phi',
      permission: 'data:view_phi:assigned',
    });
  }
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
