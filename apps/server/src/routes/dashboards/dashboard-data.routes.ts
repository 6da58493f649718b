import { PassThrough } from 'node:stream';
import type { QueryEngine } from '@cdp/analytics';
import { type DashboardDataLine, DashboardDataQuery, DashboardPageData, DashboardParams } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { runDashboardPage } from '../../dashboards/run-dashboard-page.ts';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { dashboardDataFor } from '../../policies/dashboard-data.ts';

const NDJSON = 'application/x-ndjson';

/** A dashboard page's data in one request: what the web app draws a page from, and the public API's export of a whole dashboard. */
export const dashboardDataRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; engine: QueryEngine }> = async (
  app,
  { ctx, engine },
) => {
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
      const { head, answers } = runDashboardPage(engine, found, version, request.query.page, request.query.filters);
      if (!(request.headers.accept ?? '').includes(NDJSON)) {
        return { data: { ...head, widgets: await Promise.all(answers) } };
      }

      // Streamed: every check above has passed, so from here on the status is 200 and a widget's
      // failure is a line of its own.
      const stream = new PassThrough();
      const write = (line: DashboardDataLine) => stream.write(`${JSON.stringify(line)}\n`);
      write({ type: 'head', ...head });
      const written = answers.map((answer, i) =>
        answer.then(
          (widget) => write({ type: 'widget', ...widget }),
          (error: unknown) => {
            request.log.error({ err: error }, 'dashboard page data: a widget failed');
            const id = head.widgetIds[i] ?? '?';
            write({ type: 'widget', id, error: { code: 'INTERNAL', message: 'This widget could not be computed.' } });
          },
        ),
      );
      void Promise.all(written).then(() => stream.end());
      // A stream is sent as it is (no serializer runs); the response schema describes the JSON answer.
      return reply.type(`${NDJSON}; charset=utf-8`).send(stream as unknown as DashboardPageData);
    },
  );
};
