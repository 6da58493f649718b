import { createHash } from 'node:crypto';
import type { QueryEngine } from '@cdp/analytics';
import { WidgetExportQuery, WidgetParams } from '@cdp/contracts';
import type { ReportWidget } from '@cdp/reports';
import { resolveWidget } from '@cdp/widgets';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { recordWidgetExport } from '../../commands/dashboard-exports.ts';
import { activeDataVersionStamp } from '../../dashboards/data-version-stamp.ts';
import { fieldSources } from '../../dashboards/field-sources.ts';
import { readerChoices } from '../../dashboards/reader-options.ts';
import { reviewFilterNote, reviewSetsFor, withReviewFilter } from '../../dashboards/review-filter.ts';
import { runWidget } from '../../dashboards/run-widget.ts';
import { studySettingsOf } from '../../dashboards/study-settings.ts';
import { resolverOf } from '../../data/version-data.ts';
import { describeFilter, forExport } from '../../exports/build-report.ts';
import { loadRenderers } from '../../exports/renderers.ts';
import { isListingWidget, wholeListing } from '../../exports/whole-listing.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData, dashboardFor } from '../../policies/dashboard.ts';
import { contentDisposition } from './content-disposition.ts';

const TYPES = {
  png: 'image/png',
  svg: 'image/svg+xml',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** One widget as a file, made on the server from the answer the screen gets: audited with its hash. */
export const widgetExportRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; engine: QueryEngine }> = async (
  app,
  { ctx, engine },
) => {
  app.get(
    '/api/studies/:id/dashboards/:did/widgets/:wid/export',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['exports'],
        summary: 'Download one widget as PNG, SVG, CSV or XLSX (audited)',
        description:
          '`filters` and `options` as for `GET …/widgets/:wid/data`. PNG and SVG are the chart as drawn on screen (charts only; a table or headline number is a 422 suggesting CSV or XLSX); CSV and XLSX hold the table the widget is drawn from (listings: every row, at most `EXPORT_LISTING_MAX_ROWS`, default 100,000).',
        params: WidgetParams,
        querystring: WidgetExportQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:export:assigned');
      const document = forExport(found.document);
      const page = document.pages.find((p) => p.widgets[request.params.wid]);
      const saved = page?.widgets[request.params.wid];
      if (!page || !saved) throw notFound(`Widget ${request.params.wid}`);
      const { widget, review } = readerChoices(saved, request.query.options);
      const version = await activeVersionData(ctx, actor, found.study);
      if (!version) throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
      // One subject set for every chunk: a mark made while a long listing is read cannot split it.
      const reviewSets = reviewSetsFor(ctx, actor, found.study.id, version.id);
      const { filters, format } = request.query;
      const sources = fieldSources(version, document);
      const settings = studySettingsOf(found.study, found.reviewQueries);
      const chunkAt = async (offset: number) =>
        runWidget(
          engine,
          version,
          await withReviewFilter(
            resolveWidget(widget, resolverOf(version), filters, { offset }, sources, settings),
            review,
            reviewSets,
          ),
        );
      const first = await chunkAt(0);
      // A listing's file holds every row (at most EXPORT_LISTING_MAX_ROWS), not the screen's page.
      const data = isListingWidget(widget)
        ? await wholeListing(first, chunkAt, ctx.config.exportListingMaxRows)
        : first;
      const item = page.layout.find((l) => l.i === request.params.wid);
      const drawn: ReportWidget = {
        id: request.params.wid,
        title: widget.title,
        type: widget.type,
        layout: { x: item?.x ?? 0, y: item?.y ?? 0, w: item?.w ?? 12, h: item?.h ?? 6 },
        data,
      };
      const stamp = await activeDataVersionStamp(ctx, actor.orgId, found.study);
      const { ReportFormatError, renderWidgetXlsx, widgetCsv, widgetPicture } = await loadRenderers();
      let file: Buffer;
      try {
        if (format === 'csv') file = widgetCsv(drawn);
        else if (format === 'xlsx') {
          file = await renderWidgetXlsx({
            study: { code: found.study.code, name: found.study.name },
            dashboard: { name: found.dashboard.row.name },
            dataVersion: { label: stamp?.label ?? version.id, activatedAt: stamp ? new Date(stamp.activatedAt) : null },
            filters: [...filters.map(describeFilter), ...(review ? [reviewFilterNote(review)] : [])],
            generatedBy: `${actor.name} <${actor.email}>`,
            generatedAt: new Date(),
            widget: drawn,
          });
        } else {
          // The widget's size on a 1,440-pixel screen: 12 columns of ~110 px, rows of 40 px plus gaps.
          const size = { width: Math.max(320, drawn.layout.w * 110), height: Math.max(240, drawn.layout.h * 56) };
          file = await widgetPicture(drawn, format, size);
        }
      } catch (error) {
        if (error instanceof ReportFormatError) throw new AppError('INVALID_FILE', error.message, { format });
        throw error;
      }
      await recordWidgetExport(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        widgetId: request.params.wid,
        versionId: version.id,
        format,
        filters,
        ...(Object.keys(request.query.options).length > 0 ? { options: request.query.options } : {}),
        bytes: file.length,
        sha256: createHash('sha256').update(file).digest('hex'),
      });
      const name = `${found.study.code} ${widget.title}.${format}`.replace(/[^\p{L}\p{N} ._-]+/gu, '_');
      return reply
        .header('content-type', TYPES[format])
        .header('content-disposition', contentDisposition(name))
        .send(file);
    },
  );
};
