import type { QueryEngine } from '@cdp/analytics';
import {
  DrillQuery,
  FilterParams,
  FilterValues,
  IdParams,
  SubjectListing,
  SuggestMappingBody,
  SuggestMappingResponse,
  WidgetDataQuery,
  WidgetDataResponse,
  WidgetParams,
  WidgetPreviewBody,
  WidgetPreviewResponse,
  WidgetTypeList,
} from '@cdp/contracts';
import { readerOptionsKey, resolveWidget, suggestMapping, widgetType, widgetTypeInfo, widgetTypes } from '@cdp/widgets';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { drillSubjects } from '../../dashboards/drill.ts';
import { fieldSources } from '../../dashboards/field-sources.ts';
import { filterValues } from '../../dashboards/filter-values.ts';
import { readerChoices } from '../../dashboards/reader-options.ts';
import { reviewSetsFor, withReviewFilter } from '../../dashboards/review-filter.ts';
import { reviewQueriesForWidget } from '../../dashboards/review-queries.ts';
import { runWidget } from '../../dashboards/run-widget.ts';
import { sampleRows } from '../../dashboards/sample-rows.ts';
import { studySettingsOf } from '../../dashboards/study-settings.ts';
import type { WidgetAnswers } from '../../dashboards/widget-answers.ts';
import { resolverOf, schemaOf } from '../../data/version-data.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { activeVersionData, dashboardFor } from '../../policies/dashboard.ts';
import { dashboardDataFor } from '../../policies/dashboard-data.ts';
import { studyFor } from '../../policies/study.ts';

/** A body serialized ahead (a kept widget answer) is sent as it is: no serializer runs on a string. */
const JSON_UTF8 = 'application/json; charset=utf-8';

function noData(): AppError {
  return new AppError('INVALID_STATE', 'This study has no active data version yet. Upload data on the Data tab first.');
}

export const widgetRoutes: FastifyPluginAsyncZod<{
  ctx: AppContext;
  engine: QueryEngine;
  answers: WidgetAnswers;
}> = async (app, { ctx, engine, answers }) => {
  app.get(
    '/api/widget-types',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'The widget library: each type with its fields and options schema',
        response: { 200: WidgetTypeList },
      },
    },
    async () => ({ data: widgetTypes().map(widgetTypeInfo) }),
  );

  /** The dashboard, the widget in it and the active data version, for the data and drill routes. */
  async function widgetOf(
    request: { params: { id: string; did: string; wid: string } },
    actor: ReturnType<typeof actorOf>,
  ) {
    const { version, ...found } = await dashboardDataFor(ctx, actor, request.params, 'dashboard:view:assigned');
    const widget = found.document.pages.map((p) => p.widgets[request.params.wid]).find(Boolean);
    if (!widget) throw notFound(`Widget ${request.params.wid}`);
    if (!version) throw noData();
    return {
      widget,
      version,
      sources: fieldSources(version, found.document),
      study: studySettingsOf(found.study, found.reviewQueries),
      dashboard: found.dashboard.row,
      reviewSets: reviewSetsFor(ctx, actor, found.study.id, version.id),
    };
  }

  app.get(
    '/api/studies/:id/dashboards/:did/widgets/:wid/data',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "A widget's data from the active data version",
        description:
          '`filters` is a JSON array of `{field, op, value}` (dashboard filters and cross-filters in field terms); each applies when the widget maps its field, and `meta.ignored` lists those that do not. `options` is a JSON object of the choices a reader makes on the widget itself (its type’s reader options, offered in the answer’s `controls`: the AE explorer’s `serious`, `severity`, `relatedness`, `outcome`), laid over the saved options. A widget that cannot be drawn answers 400 INVALID_QUERY with the reason.',
        params: WidgetParams,
        querystring: WidgetDataQuery,
        response: { 200: WidgetDataResponse },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const actor = actorOf(request);
      const { widget, version, sources, study, dashboard, reviewSets } = await widgetOf(request, actor);
      const { filters, offset, sort, options } = request.query;
      const { widget: narrowed, review } = readerChoices(widget, options);
      const view = {
        offset,
        ...(sort
          ? { sort: { key: sort.replace(/^-/, ''), dir: sort.startsWith('-') ? ('desc' as const) : ('asc' as const) } }
          : {}),
      };
      // Access was decided above, on this request; only the answer's bytes are kept (`WidgetAnswers`).
      // A review-status filter's subjects change with every mark, so such answers are never kept
      // (the query engine still caches each spec, whose key holds the subject ids).
      const key = review
        ? null
        : answers.keyOf({
            orgId: actor.orgId,
            dashboard,
            widgetId: request.params.wid,
            data: version,
            filters,
            view,
            settings: study,
            options: readerOptionsKey(options),
          });
      const kept = key ? answers.get(key, performance.now() - started) : undefined;
      if (kept) return reply.type(JSON_UTF8).send(kept as unknown as WidgetDataResponse);
      const resolved = resolveWidget(narrowed, resolverOf(version), filters, view, sources, study);
      const answer = await runWidget(engine, version, await withReviewFilter(resolved, review, reviewSets));
      const body = key ? answers.set(key, answer) : undefined;
      return body ? reply.type(JSON_UTF8).send(body as unknown as WidgetDataResponse) : answer;
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/widgets/:wid/subjects',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'Drill down: the subjects behind one aggregate of a widget',
        description: '`point` is the clicked aggregate in field terms, e.g. `{"arm":"Placebo","ae_term":"NAUSEA"}`.',
        params: WidgetParams,
        querystring: DrillQuery,
        response: { 200: SubjectListing },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { widget, version, sources, reviewSets } = await widgetOf(request, actor);
      const { filters, point, offset, limit, options } = request.query;
      const { widget: narrowed, review } = readerChoices(widget, options);
      const resolved = resolveWidget(narrowed, resolverOf(version), filters, undefined, sources);
      return drillSubjects(engine, version, await withReviewFilter(resolved, review, reviewSets), point, {
        offset,
        limit,
      });
    },
  );

  app.get(
    '/api/studies/:id/dashboards/:did/filters/:fid/values',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'The values a dashboard filter offers',
        params: FilterParams,
        response: { 200: FilterValues },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const found = await dashboardFor(ctx, actor, request.params, 'dashboard:view:assigned');
      const filter = found.document.filters.find((f) => f.id === request.params.fid);
      if (!filter) throw notFound(`Filter ${request.params.fid}`);
      const version = await activeVersionData(ctx, actor, found.study);
      if (!version) throw noData();
      return filterValues(engine, version, found.document, filter.field);
    },
  );

  app.post(
    '/api/studies/:id/widgets/preview',
    {
      preHandler: requirePermission('dashboard:edit:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: 'A widget definition in, its data out (for the builder)',
        description: 'Also reports the mapping coverage and issues, and the first rows of the mapped columns.',
        params: IdParams,
        body: WidgetPreviewBody,
        response: { 200: WidgetPreviewResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:edit:assigned');
      const version = await activeVersionData(ctx, actor, study);
      if (!version) throw noData();
      const queries = await reviewQueriesForWidget(ctx, actor.orgId, study.id, request.body.widget);
      const resolved = resolveWidget(
        request.body.widget,
        resolverOf(version),
        request.body.filters,
        undefined,
        undefined,
        studySettingsOf(study, queries),
      );
      const sample = await sampleRows(engine, version, request.body.widget, resolved);
      if (resolved.problem) return { data: null, error: resolved.problem, report: resolved.report, sample };
      try {
        return { data: await runWidget(engine, version, resolved), error: null, report: resolved.report, sample };
      } catch (error) {
        if (error instanceof AppError && error.code === 'INVALID_QUERY') {
          return { data: null, error: error.message, report: resolved.report, sample };
        }
        throw error;
      }
    },
  );

  app.post(
    '/api/studies/:id/widgets/suggest',
    {
      preHandler: requirePermission('dashboard:edit:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "Mapping suggestions for a widget type on the study's active data",
        params: IdParams,
        body: SuggestMappingBody,
        response: { 200: SuggestMappingResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'dashboard:edit:assigned');
      const type = widgetType(request.body.type);
      if (!type) {
        throw new AppError('VALIDATION_FAILED', `Unknown widget type "${request.body.type}".`, {
          issues: [{ path: 'body.type', message: 'unknown widget type' }],
        });
      }
      const version = await activeVersionData(ctx, actor, study);
      if (!version) throw noData();
      const { dataset, population, extraFields } = request.body;
      return suggestMapping({
        widget: type,
        datasets: schemaOf(version),
        ...(dataset ? { dataset } : {}),
        ...(population ? { population } : {}),
        extraFields,
      });
    },
  );
};
