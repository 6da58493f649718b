import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import {
  CreateExportBody,
  DashboardExportList,
  DashboardExportResponse,
  DashboardParams,
  ExportParams,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { queueDashboardExport } from '../../commands/dashboard-exports.ts';
import { readerDocument } from '../../dashboards/reader-options.ts';
import { EXPORT_MEDIA_TYPES } from '../../exports/produce-export.ts';
import { signedCopyFor } from '../../exports/signed-copy.ts';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { studyDir } from '../../lib/study-folders.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { dashboardFor } from '../../policies/dashboard.ts';
import { exportFileFor, exportFor, exportsOf } from '../../policies/export.ts';
import { exportData, exportResource } from '../../presenters/export.ts';
import { contentDisposition } from './content-disposition.ts';

/** Dashboard exports: queue one (a job renders it), follow it, download its file, list recent ones. */
export const exportRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/studies/:id/dashboards/:did/exports',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: 'Export a dashboard as PDF, PowerPoint or Excel (queued; poll the export)',
        description:
          "`pages`: page ids (all when absent); `filters`: the view's filters as `GET …/data` takes them; `options`: `paperSize` (A4 | Letter) and `orientation` (portrait | landscape); `widgetOptions`: widget id → the choices made on that widget (`options` of `GET …/widgets/:wid/data`, e.g. the AE explorer's filters). An unknown format, page or option is a 400 naming it. Answers 202 with the export; poll `GET …/exports/:eid` until `status` is SUCCEEDED, then download `…/file`.",
        params: DashboardParams,
        body: CreateExportBody,
        response: { 202: DashboardExportResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:export:assigned');
      const { format, pages, filters, options, widgetOptions } = request.body;
      // Checked now, so a refused choice is this request's 400 rather than a failed job.
      readerDocument(found.document, widgetOptions);
      const unknown = (pages ?? []).filter((id) => !found.document.pages.some((p) => p.id === id));
      if (unknown.length > 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          `pages: this dashboard has no page ${unknown.map((id) => `"${id}"`).join(', ')}`,
        );
      }
      if (!found.study.activeDataVersionId)
        throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
      const row = await queueDashboardExport(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        format,
        pages: pages ?? null,
        filters,
        options,
        ...(widgetOptions ? { widgetOptions } : {}),
      });
      return reply.status(202).send(exportResource({ row, requester: { id: actor.userId, name: actor.name } }, actor));
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/exports',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: "The dashboard's recent exports (newest first, at most 20)",
        params: DashboardParams,
        response: { 200: DashboardExportList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { data: (await exportsOf(ctx, actor, request.params)).map((e) => exportData(e, actor)) };
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/exports/:eid',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: "An export's status, progress and size",
        params: ExportParams,
        response: { 200: DashboardExportResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return exportResource((await exportFor(ctx, actor, request.params)).exported, actor);
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/exports/:eid/file',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: "An export's file (PDF, PPTX or XLSX)",
        description:
          'A 409 while the export is not finished, or once its file has been removed (EXPORT_RETENTION_HOURS). A 403 when the export was made with PHI in clear (`clearPhi`) and the reader is not cleared for PHI (`data:view_phi:assigned`) on the study.',
        params: ExportParams,
      },
    },
    async (request, reply) => {
      const { row } = (await exportFileFor(ctx, actorOf(request), request.params)).exported;
      if (row.status !== 'SUCCEEDED') {
        throw new AppError('INVALID_STATE', `This export is ${row.status.toLowerCase()}: its file is not ready.`, {
          status: row.status,
        });
      }
      if (!row.filePath || row.purgedAt) {
        throw new AppError(
          'INVALID_STATE',
          "This export's file has been removed after its retention period. Export again.",
        );
      }
      const file = path.join(studyDir(ctx.config.dataDir, row.orgId, row.studyId), row.filePath);
      if (!existsSync(file))
        throw new AppError('INVALID_STATE', "This export's file is no longer on the server. Export again.");
      return reply
        .header('content-type', row.mediaType ?? EXPORT_MEDIA_TYPES[row.format])
        .header('content-disposition', contentDisposition(row.fileName ?? `export.${row.format}`))
        .send(createReadStream(file));
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/exports/:eid/signed-file',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: 'A signed PDF export\'s signed copy: the original\'s pages plus an "Electronic signatures" page',
        description:
          "The last page prints each signature (printed name, meaning, local time with zone, verification) and the original file's SHA-256, which the signatures bind to. Made when the export is signed (and again when a later signature is not on it yet). A 409 for an export that is not a PDF, not signed, or whose file has been removed. A 403 when the export was made with PHI in clear and the reader is not cleared for PHI on the study.",
        params: ExportParams,
      },
    },
    async (request, reply) => {
      const { row } = (await exportFileFor(ctx, actorOf(request), request.params)).exported;
      const signed = await signedCopyFor(ctx, authorOf(request), row);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', contentDisposition(signed.fileName))
        .header('x-original-sha256', signed.copy.originalSha256)
        .send(createReadStream(signed.file));
    },
  );
};
