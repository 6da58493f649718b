import type { DashboardExport } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { CLEAR_PHI_REFUSED, mayDownloadExport } from '../policies/export.ts';
import type { ExportWithRequester } from '../repositories/exports.repo.ts';
import { type Resource, resource } from './envelope.ts';

/** The export as `reader` sees it: whether they may download it, and why not. */
export function exportData({ row, requester }: ExportWithRequester, reader: Actor): DashboardExport {
  return {
    id: row.id,
    studyId: row.studyId,
    dashboardId: row.dashboardId,
    format: row.format,
    status: row.status,
    pages: row.request.pages,
    filters: row.request.filters,
    options: row.request.options,
    progress: row.progress ?? null,
    fileName: row.fileName,
    bytes: row.bytes,
    sha256: row.sha256,
    error: row.error,
    requestedBy: requester,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    available: row.status === 'SUCCEEDED' && row.filePath !== null && row.purgedAt === null,
    clearPhi: row.clearPhi,
    downloadRefused: mayDownloadExport(reader, row) ? null : CLEAR_PHI_REFUSED,
  };
}

export function exportResource(exported: ExportWithRequester, reader: Actor): Resource<DashboardExport> {
  return resource(exportData(exported, reader), ['dashboard:export:assigned']);
}
