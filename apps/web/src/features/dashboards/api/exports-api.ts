import type { AppliedFilter, CreateExportBody, DashboardExport } from '@cdp/contracts';
import { api, downloadFile } from '../../../lib/api-client.ts';
import { type ReaderOptions, readerOptionsParam } from '../lib/reader-options.ts';
import { dashboardPath, filtersParam, type WidgetDataScope } from './dashboards-api.ts';

export type WidgetExportFormat = 'png' | 'svg' | 'csv' | 'xlsx';

/** One widget as a file, made on the server (permission-checked and audited there). */
export function downloadWidgetExport(
  scope: WidgetDataScope,
  widgetId: string,
  filters: readonly AppliedFilter[],
  format: WidgetExportFormat,
  readerOptions?: ReaderOptions,
) {
  const options = readerOptionsParam(readerOptions);
  return downloadFile(
    `${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${widgetId}/export`,
    { format, filters: filtersParam(filters), ...(options ? { options } : {}) },
    `${widgetId}.${format}`,
  );
}

export function createExport(studyId: string, dashboardId: string, body: CreateExportBody) {
  return api<{ data: DashboardExport }>(`${dashboardPath(studyId, dashboardId)}/exports`, { method: 'POST', body });
}

export function exportStatus(studyId: string, dashboardId: string, exportId: string, signal?: AbortSignal) {
  return api<{ data: DashboardExport }>(`${dashboardPath(studyId, dashboardId)}/exports/${exportId}`, { signal });
}

export function downloadExport(studyId: string, dashboardId: string, exported: DashboardExport) {
  return downloadFile(
    `${dashboardPath(studyId, dashboardId)}/exports/${exported.id}/file`,
    {},
    exported.fileName ?? `export.${exported.format}`,
  );
}

/** A signed PDF export's signed copy: the original's pages plus the "Electronic signatures" page. */
export function downloadSignedExport(studyId: string, dashboardId: string, exported: DashboardExport) {
  return downloadFile(
    `${dashboardPath(studyId, dashboardId)}/exports/${exported.id}/signed-file`,
    {},
    (exported.fileName ?? 'export.pdf').replace(/\.pdf$/i, ' (signed).pdf'),
  );
}

/** The dashboard's exports, newest first, each saying whether it holds PHI in clear and whether this reader may download it. */
export function listExports(studyId: string, dashboardId: string, signal?: AbortSignal) {
  return api<{ data: DashboardExport[] }>(`${dashboardPath(studyId, dashboardId)}/exports`, { signal });
}
