import type { ExportFormat } from '@cdp/contracts';
import { dashboardExports } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedDashboardFor } from '../policies/dashboard.ts';
import type { ExportRow } from '../repositories/exports.repo.ts';

export interface ExportAsked {
  studyId: string;
  dashboardId: string;
  format: ExportFormat;
  pages: string[] | null;
  filters: unknown[];
  options: Record<string, unknown>;
  /** Widget id → the choices its reader made on it (the AE explorer's filters). */
  widgetOptions?: Record<string, Record<string, unknown>>;
}

async function insertExport(
  ctx: AppContext,
  author: Author,
  input: ExportAsked,
  status: 'QUEUED' | 'RUNNING',
): Promise<ExportRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    await lockedDashboardFor(tx, author, input, 'dashboard:export:assigned');
    const [row] = await tx
      .insert(dashboardExports)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        dashboardId: input.dashboardId,
        format: input.format,
        status,
        request: {
          pages: input.pages,
          filters: input.filters,
          options: input.options,
          ...(input.widgetOptions ? { widgetOptions: input.widgetOptions } : {}),
        },
        requestedBy: userIdOf(author),
        ...(status === 'RUNNING' ? { startedAt: new Date() } : {}),
      })
      .returning();
    if (!row) throw new Error('export insert returned nothing');
    // In the same transaction as its row: the job exists exactly when the export does.
    if (status === 'QUEUED')
      await enqueueJob(tx, 'exports.render', { orgId: author.orgId, exportId: row.id }, { key: row.id });
    return row;
  });
}

/** `POST …/exports`: the export's row and its job, in one transaction. */
export function queueDashboardExport(ctx: AppContext, author: Author, input: ExportAsked): Promise<ExportRow> {
  return insertExport(ctx, author, input, 'QUEUED');
}

/** An export made right away by its caller (a scheduled report's job): recorded as running. */
export function beginDashboardExport(ctx: AppContext, author: Author, input: ExportAsked): Promise<ExportRow> {
  return insertExport(ctx, author, input, 'RUNNING');
}

/** The job claims a queued export; null when it is not queued (already done, or being run). */
export async function claimExport(ctx: AppContext, orgId: string, exportId: string): Promise<ExportRow | null> {
  return ctx.database.tenant(orgId, async (tx) => {
    const [row] = await tx
      .update(dashboardExports)
      .set({ status: 'RUNNING', startedAt: new Date(), progress: { done: 0, total: 1, message: 'Starting' } })
      .where(
        and(
          eq(dashboardExports.orgId, orgId),
          eq(dashboardExports.id, exportId),
          eq(dashboardExports.status, 'QUEUED'),
        ),
      )
      .returning();
    return row ?? null;
  });
}

export async function reportExportProgress(
  ctx: AppContext,
  orgId: string,
  exportId: string,
  progress: { done: number; total: number; message: string },
): Promise<void> {
  await ctx.database.tenant(orgId, (tx) =>
    tx
      .update(dashboardExports)
      .set({ progress })
      .where(and(eq(dashboardExports.orgId, orgId), eq(dashboardExports.id, exportId))),
  );
}

export interface FinishedExport {
  exportId: string;
  dashboardId: string;
  studyId: string;
  format: ExportFormat;
  dataVersionId: string;
  fileName: string;
  filePath: string;
  mediaType: string;
  bytes: number;
  sha256: string;
  pages: string[];
  filters: unknown[];
  expiresAt: Date;
  /** The rendering read PHI in clear: only readers cleared for PHI on the study may download it. */
  clearPhi: boolean;
}

/** The file is written: the row says so and the trail records it with the file's hash, together. */
export async function finishDashboardExport(ctx: AppContext, author: Author, done: FinishedExport): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    await tx
      .update(dashboardExports)
      .set({
        status: 'SUCCEEDED',
        dataVersionId: done.dataVersionId,
        fileName: done.fileName,
        filePath: done.filePath,
        mediaType: done.mediaType,
        bytes: done.bytes,
        sha256: done.sha256,
        clearPhi: done.clearPhi,
        finishedAt: new Date(),
        expiresAt: done.expiresAt,
        progress: { done: 1, total: 1, message: 'Done' },
      })
      .where(and(eq(dashboardExports.orgId, author.orgId), eq(dashboardExports.id, done.exportId)));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard.exported',
      resourceType: 'dashboard',
      resourceId: done.dashboardId,
      newValues: {
        exportId: done.exportId,
        format: done.format,
        fileName: done.fileName,
        bytes: done.bytes,
        sha256: done.sha256,
        dataVersionId: done.dataVersionId,
        clearPhi: done.clearPhi,
        pages: done.pages,
        filters: done.filters,
      },
    });
  });
}

export async function failDashboardExport(
  ctx: AppContext,
  orgId: string,
  exportId: string,
  message: string,
): Promise<void> {
  await ctx.database.tenant(orgId, (tx) =>
    tx
      .update(dashboardExports)
      .set({ status: 'FAILED', error: message.slice(0, 2000), finishedAt: new Date() })
      .where(and(eq(dashboardExports.orgId, orgId), eq(dashboardExports.id, exportId))),
  );
}

/** The purge job removed the file: the row stays as the record, without a path. */
export async function markExportPurged(ctx: AppContext, row: ExportRow): Promise<void> {
  await ctx.database.tenant(row.orgId, (tx) =>
    tx
      .update(dashboardExports)
      .set({ filePath: null, purgedAt: new Date() })
      .where(and(eq(dashboardExports.orgId, row.orgId), eq(dashboardExports.id, row.id))),
  );
}

export interface WidgetExported {
  studyId: string;
  dashboardId: string;
  widgetId: string;
  versionId: string;
  format: string;
  filters: unknown[];
  /** The choices made on the widget itself (the AE explorer's event filters), when any. */
  options?: Record<string, unknown>;
  bytes: number;
  sha256: string;
}

/** One widget left the server as a file (widget menu): audited with the file's hash. */
export async function recordWidgetExport(ctx: AppContext, author: Author, exported: WidgetExported): Promise<void> {
  await ctx.database.tenant(author.orgId, (tx) =>
    appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard.widget_exported',
      resourceType: 'dashboard',
      resourceId: exported.dashboardId,
      newValues: exported,
    }),
  );
}
