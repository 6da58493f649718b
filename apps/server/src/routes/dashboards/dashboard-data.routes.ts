import { PassThrough } from 'node:stream';
import type { QueryEngine } from '@cdp/analytics';
import { type DashboardDataLine, DashboardDataQuery, DashboardPageData, DashboardParams } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { reviewSetsFor } from '../../dashboards/review-filter.ts';
import { type PageWidgetAnswer, runKeptDashboardPage } from '../../dashboards/run-dashboard-page.ts';
import type { WidgetAnswers } from '../../dashboards/widget-answers.ts';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { lineBatcher } from '../../lib/line-batcher.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { dashboardDataFor } from '../../policies/dashboard-data.ts';

const NDJSON = 'application/x-ndjson';
const JSON_UTF8 = 'application/json; charset=utf-8';

/** One widget of the page as JSON text: a kept answer's bytes go in as they are. */
function widgetJson(widget: PageWidgetAnswer, prefix = ''): string {
  if ('body' in widget) return `{${prefix}"id":${JSON.stringify(widget.id)},"data":${widget.body}}`;
  const text = JSON.stringify(widget);
  return prefix ? `{${prefix}${text.slice(1)}` : text;
}

/**
 * A dashboard page's data in one request: what the web app draws a page from, and the public API's
 * export of a whole dashboard. Answers come from the kept widget answers when they can (same key and
 * PHI rule as the widget route: `runKeptDashboardPage`).
 */
export const dashboardDataRoutes: FastifyPluginAsyncZod<{
  ctx: AppContext;
  engine: QueryEngine;
  answers: WidgetAnswers;
}> = async (app, { ctx, engine, answers: kept }) => {
  app.get(
    '/api/studies/:id/dashboards/:did/data',
    {
      preHandler: requirePermission('dashboard:view:assigned'),
      schema: {
        tags: ['dashboards'],
        summary: "Every widget's data of one dashboard page, in one request",
        description: [
          'The same answers as `GET …/widgets/:wid/data` for each widget of the page (`page`, default the first),',
          'from the active data version. `filters` is a JSON array of `{field, op, value, src?}`; a filter with',
          '`src` (a cross-filter made by clicking that widget) applies to every widget but that one. A widget that',
          'cannot be drawn answers `{id, error}` in place of `{id, data}`; the others are unaffected.',
          '`wo` is a JSON object of widget id → that widget’s `options` (its reader’s choices, `review` included), answered',
          'as the widget route answers them; a widget id the dashboard lacks is a 400, a refused choice that widget’s error.',
          `With \`Accept: ${NDJSON}\` the answer streams: one JSON object per line, \`{type: "head", …}\` first,`,
          'then `{type: "widget", id, data | error}` for each widget as soon as it is ready.',
        ].join(' '),
        params: DashboardParams,
        querystring: DashboardDataQuery,
        response: { 200: DashboardPageData },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { version, ...found } = await dashboardDataFor(ctx, actor, request.params, 'dashboard:view:assigned');
      if (!version) {
        throw new AppError(
          'INVALID_STATE',
          'This study has no active data version yet. Upload data on the Data tab first.',
        );
      }
      const { head, answers } = runKeptDashboardPage(
        engine,
        { answers: kept, orgId: actor.orgId },
        found,
        version,
        request.query.page,
        request.query.filters,
        { options: request.query.wo, reviewSets: reviewSetsFor(ctx, actor, found.study.id, version.id) },
      );
      if (!(request.headers.accept ?? '').includes(NDJSON)) {
        const widgets = await Promise.all(answers);
        if (!widgets.some((w) => 'body' in w)) return { data: { ...head, widgets } } as DashboardPageData;
        // Kept answers are sent as the bytes they were serialized to (zod-encoded when kept), as the widget route does.
        const open = JSON.stringify({ data: head }).slice(0, -2);
        const body = `${open},"widgets":[${widgets.map((w) => widgetJson(w)).join(',')}]}}`;
        return reply.type(JSON_UTF8).send(body as unknown as DashboardPageData);
      }

      // Streamed: every check above has passed, so from here on the status is 200 and a widget's
      // failure is a line of its own. Lines ready in one turn of the event loop go out in one write.
      const stream = new PassThrough();
      const lines = lineBatcher(stream);
      const write = (line: DashboardDataLine) => lines.write(`${JSON.stringify(line)}\n`);
      write({ type: 'head', ...head });
      const written = answers.map((answer, i) =>
        answer.then(
          (widget) => lines.write(`${widgetJson(widget, '"type":"widget",')}\n`),
          (error: unknown) => {
            request.log.error({ err: error }, 'dashboard page data: a widget failed');
            const id = head.widgetIds[i] ?? '?';
            write({ type: 'widget', id, error: { code: 'INTERNAL', message: 'This widget could not be computed.' } });
          },
        ),
      );
      void Promise.all(written).then(() => lines.end());
      // A stream is sent as it is (no serializer runs); the response schema describes the JSON answer.
      return reply.type(`${NDJSON}; charset=utf-8`).send(stream as unknown as DashboardPageData);
    },
  );
};
