import type { DashboardExport } from '@cdp/contracts';
import type { ExportWithRequester } from '../repositories/exports.repo.ts';
import { type Resource, resource } from './envelope.ts';

export function exportData({ row, requester }: ExportWithRequester): DashboardExport {
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
  };
}

export function exportResource(exported: ExportWithRequester): Resource<DashboardExport> {
  return resource(exportData(exported), ['dashboard:export:assigned']);
}
