import type { QueryEngine } from '@cdp/analytics';
import {
  LISTING_SUBJECT_IDS_MAX,
  ListingSubjectIdsQuery,
  ListingSubjectIdsResponse,
  WidgetParams,
} from '@cdp/contracts';
import { resolveWidget } from '@cdp/widgets';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { fieldSources } from '../../dashboards/field-sources.ts';
import { listingSubjectIds } from '../../dashboards/listing-subject-ids.ts';
import { readerChoices } from '../../dashboards/reader-options.ts';
import { reviewSetsFor, withReviewFilter } from '../../dashboards/review-filter.ts';
import { studySettingsOf } from '../../dashboards/study-settings.ts';
import { resolverOf } from '../../data/version-data.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { dashboardDataFor } from '../../policies/dashboard-data.ts';

/** A subject listing's whole ordered list of subject ids, for previous/next on the patient profile. */
export const listingSubjectsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; engine: QueryEngine }> = async (
  app,
  { ctx, engine },
) => {
  app.get(
    '/api/studies/:id/dashboards/:did/widgets/:wid/subject-ids',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary:
          "A subject listing's subject ids in its order (its sort or `sort`, the dashboard's `filters`, its `options` such as `review`)",
        description: `Pages of at most 1,000 ids within the listing's first ${LISTING_SUBJECT_IDS_MAX.toLocaleString('en-US')} subjects; \`page.total\` counts every subject of the listing. Only a subject-listing widget answers (400 otherwise).`,
        params: WidgetParams,
        querystring: ListingSubjectIdsQuery,
        response: { 200: ListingSubjectIdsResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { version, ...found } = await dashboardDataFor(ctx, actor, request.params, 'dashboard:view:assigned');
      const widget = found.document.pages.map((p) => p.widgets[request.params.wid]).find(Boolean);
      if (!widget) throw notFound(`Widget ${request.params.wid}`);
      if (!version) throw new AppError('INVALID_STATE', 'This study has no active data version yet.');
      const { filters, sort, offset, limit, options } = request.query;
      const { widget: narrowed, review } = readerChoices(widget, options);
      const view = {
        offset: 0,
        ...(sort
          ? { sort: { key: sort.replace(/^-/, ''), dir: sort.startsWith('-') ? ('desc' as const) : ('asc' as const) } }
          : {}),
      };
      const resolved = resolveWidget(
        narrowed,
        resolverOf(version),
        filters,
        view,
        fieldSources(version, found.document),
        studySettingsOf(found.study, found.reviewQueries),
      );
      const sets = reviewSetsFor(ctx, actor, found.study.id, version.id);
      const filtered = await withReviewFilter(resolved, review, sets);
      const { ids, total } = await listingSubjectIds(engine, version, filtered, { offset, limit });
      return { data: ids, page: { offset, limit, total }, meta: { max: LISTING_SUBJECT_IDS_MAX } };
    },
  );
};
