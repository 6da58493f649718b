import { createHash } from 'node:crypto';
import type { QueryEngine } from '@cdp/analytics';
import { DrillExportQuery, WidgetParams } from '@cdp/contracts';
import { resolveWidget } from '@cdp/widgets';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { recordSubjectsExport } from '../../commands/record-subjects-export.ts';
import { activeDataVersionStamp } from '../../dashboards/data-version-stamp.ts';
import { drillSubjects } from '../../dashboards/drill.ts';
import { fieldSources } from '../../dashboards/field-sources.ts';
import { readerChoices } from '../../dashboards/reader-options.ts';
import { reviewFilterNote, reviewSetsFor, withReviewFilter } from '../../dashboards/review-filter.ts';
import { subjectsCsv, subjectsXlsx } from '../../dashboards/subjects-file.ts';
import { resolverOf } from '../../data/version-data.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData, dashboardFor } from '../../policies/dashboard.ts';

/** The most subjects one file holds: the query engine's row cap. */
const MAX_SUBJECTS = 10_000;

const TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** The drill-down's subjects as CSV or XLSX: `dashboard:export`, audited with the file's hash. */
export const subjectsExportRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; engine: QueryEngine }> = async (
  app,
  { ctx, engine },
) => {
  app.get(
    '/api/studies/:id/dashboards/:did/widgets/:wid/subjects/export',
    {
      preHandler: requirePermission('dashboard:export:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Download the subjects behind one aggregate of a widget as CSV or XLSX (audited)',
        description:
          'Same `point` and `filters` as the drill-down; every subject, with the attributes the listing shows. The XLSX adds an "About" sheet naming the filters and the data version.',
        params: WidgetParams,
        querystring: DrillExportQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:export:assigned');
      const widget = found.document.pages.map((p) => p.widgets[request.params.wid]).find(Boolean);
      if (!widget) throw notFound(`Widget ${request.params.wid}`);
      const version = await activeVersionData(ctx, actor, found.study);
      if (!version) throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
      const { filters, point, format, options } = request.query;
      const { widget: narrowed, review } = readerChoices(widget, options);
      const resolved = await withReviewFilter(
        resolveWidget(narrowed, resolverOf(version), filters, undefined, fieldSources(version, found.document)),
        review,
        reviewSetsFor(ctx, actor, found.study.id, version.id),
      );
      const listing = await drillSubjects(engine, version, resolved, point, { offset: 0, limit: MAX_SUBJECTS });
      if (listing.total > listing.rows.length) {
        throw new AppError(
          'INVALID_QUERY',
          `${listing.total} subjects match; a file holds at most ${MAX_SUBJECTS}. Narrow the filters first.`,
        );
      }
      const stamp = await activeDataVersionStamp(ctx, actor.orgId, found.study);
      const file =
        format === 'csv'
          ? subjectsCsv(listing)
          : await subjectsXlsx(listing, {
              dashboard: found.dashboard.row.name,
              widget: widget.title,
              description: listing.description,
              filters: [
                ...filters.map((f) => `${f.field} ${f.op} ${JSON.stringify(f.value)}`),
                ...(review ? [reviewFilterNote(review)] : []),
              ],
              dataVersion: stamp,
              exportedBy: `${actor.name} <${actor.email}>`,
              exportedAt: new Date(),
            });
      await recordSubjectsExport(ctx, authorOf(request), {
        studyId: found.study.id,
        dashboardId: found.dashboard.row.id,
        widgetId: request.params.wid,
        versionId: version.id,
        format,
        point,
        filters,
        subjects: listing.total,
        sha256: createHash('sha256').update(file).digest('hex'),
      });
      const name = `${found.study.code}-${request.params.wid}-subjects.${format}`.replace(/[^A-Za-z0-9_.-]/g, '_');
      return reply
        .header('content-type', TYPES[format])
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(file);
    },
  );
};
