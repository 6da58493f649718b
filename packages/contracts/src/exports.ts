import { z } from 'zod';
import { IsoDateTime, listOf, Uuid, withPermissions } from './common.ts';
import { DashboardDataFilter } from './dashboard-data.ts';
import { WidgetDataQuery, WidgetParams } from './dashboards.ts';

export const EXPORT_FORMATS = ['pdf', 'pptx', 'xlsx'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Renderer options; an unknown one is a 400 naming it (strict). PDF reads all, PPTX and XLSX none yet. */
export const ExportOptions = z.strictObject({
  paperSize: z.enum(['A4', 'Letter']).default('A4'),
  orientation: z.enum(['portrait', 'landscape']).default('landscape'),
});
export type ExportOptions = z.infer<typeof ExportOptions>;

export const CreateExportBody = z.strictObject({
  format: ExportFormat,
  /** Page ids of the dashboard; all pages when absent. */
  pages: z.array(z.string().min(1).max(64)).min(1).max(20).optional(),
  /** The view's filters, as `GET …/data` takes them. */
  filters: z.array(DashboardDataFilter).max(30).default([]),
  options: ExportOptions.default({ paperSize: 'A4', orientation: 'landscape' }),
  /** Widget id → the choices its reader made on it (`?options=` of `GET …/widgets/:wid/data`). */
  widgetOptions: z.record(z.string().max(64), z.record(z.string().max(64), z.unknown())).optional(),
});
export type CreateExportBody = z.input<typeof CreateExportBody>;

export const ExportParams = z.object({ id: Uuid, did: Uuid, eid: Uuid });

export const ExportStatus = z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']);

export const DashboardExport = z.object({
  id: Uuid,
  studyId: Uuid,
  dashboardId: Uuid,
  format: ExportFormat,
  status: ExportStatus,
  pages: z.array(z.string()).nullable(),
  filters: z.array(z.unknown()),
  options: z.record(z.string(), z.unknown()),
  progress: z.object({ done: z.number().int(), total: z.number().int(), message: z.string() }).nullable(),
  fileName: z.string().nullable(),
  bytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  requestedBy: z.object({ id: Uuid, name: z.string() }).nullable(),
  createdAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
  expiresAt: IsoDateTime.nullable(),
  /** Whether the file can still be downloaded (written, not yet removed). */
  available: z.boolean(),
  /** The rendering read PHI in clear (its requester was cleared for PHI): the file shows PHI unmasked. */
  clearPhi: z.boolean(),
  /** Why this reader may not download the file (PHI in clear, reader not cleared); null when they may. */
  downloadRefused: z.string().nullable(),
});
export type DashboardExport = z.infer<typeof DashboardExport>;

export const DashboardExportResponse = withPermissions(DashboardExport);
export const DashboardExportList = listOf(DashboardExport);

export const WIDGET_EXPORT_FORMATS = ['png', 'svg', 'csv', 'xlsx'] as const;
/** `?format=png&filters=[…]`: the filters as `GET …/widgets/:wid/data` takes them. */
export const WidgetExportQuery = WidgetDataQuery.pick({ filters: true, options: true })
  .extend({ format: z.enum(WIDGET_EXPORT_FORMATS) })
  .strict();
export const WidgetExportParams = WidgetParams;
