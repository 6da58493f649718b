import { QueryEngine } from '@cdp/analytics';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ActivationWarmUp } from '../../dashboards/activation-warm-up.ts';
import { warmDashboards } from '../../dashboards/warm-dashboards.ts';
import { WidgetAnswers } from '../../dashboards/widget-answers.ts';
import { offerDashboardEngine } from '../../exports/export-engine.ts';
import type { AppContext } from '../../lib/context.ts';
import { dashboardQueryRunSeconds, dashboardQueryWaitSeconds, watchBaseTables } from '../../lib/metrics.ts';
import { requireFeature } from '../../plugins/features.ts';
import { exportsPlugin } from '../exports/index.ts';
import { dashboardDataRoutes } from './dashboard-data.routes.ts';
import { dashboardRoutes } from './dashboards.routes.ts';
import { listingSubjectsRoutes } from './listing-subjects.routes.ts';
import { subjectsExportRoutes } from './subjects-export.routes.ts';
import { templateRoutes } from './templates.routes.ts';
import { dashboardVersionRoutes } from './versions.routes.ts';
import { widgetRoutes } from './widgets.routes.ts';

/** Dashboards, their versions and templates, and widget data: one query engine, closed with the server. */
export const dashboardsPlugin: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const engine = new QueryEngine({
    memoryLimit: ctx.config.dashboardQueryMemoryLimit,
    timeoutMs: ctx.config.dashboardQueryTimeoutMs,
    maxConcurrent: ctx.config.dashboardQueryConcurrency,
    threads: ctx.config.dashboardQueryThreads,
    fold: ctx.config.dashboardQueryFold,
    foldQueued: ctx.config.dashboardQueryFoldQueued,
    foldWindow: ctx.config.dashboardQueryFoldWindow,
    prepared: ctx.config.dashboardQueryPrepared,
    baseTableBytes: ctx.config.dashboardBaseTableMb * 1024 ** 2,
    baseTableMinRows: ctx.config.dashboardBaseTableMinRows,
    uniqueCounts: ctx.config.dashboardQueryUniqueCounts,
    order: ctx.config.dashboardQueryOrder,
    onQuery: ({ waitMs, runMs }) => {
      dashboardQueryWaitSeconds.observe(waitMs / 1000);
      dashboardQueryRunSeconds.observe(runMs / 1000);
    },
    keyedCopies: ctx.config.dashboardQueryKeyedCopies,
    partials: ctx.config.dashboardQueryPartials,
  });
  // Warm widget answers, serialized once (see widget-answers.ts); keyed by data version, so never stale.
  const answers = new WidgetAnswers();
  // Exports made in this process (cdp start) read the answers this engine has cached.
  const withdraw = offerDashboardEngine(engine);
  const unwatch = watchBaseTables(() => engine.baseTables.bytes);
  // After a start, warm the engine with the recent dashboards' first pages (warm-dashboards.ts):
  // once listening, so readiness never waits for it; an app that never listens (tests) never warms.
  let closing = false;
  if (ctx.config.dashboardWarmAtStart) {
    app.addHook('onListen', async () => {
      setImmediate(() => {
        const started = performance.now();
        void warmDashboards(ctx, engine, () => closing).then((pages) => {
          if (!closing) app.log.info({ pages, ms: Math.round(performance.now() - started) }, 'dashboards warmed');
        });
      });
    });
  }
  // After an activation (any process's), warm that study's dashboards (activation-warm-up.ts): also
  // once listening, so an app that never listens (tests) never warms.
  const activations = ctx.config.dashboardWarmOnActivation
    ? new ActivationWarmUp(ctx, engine, (warmed) => app.log.info(warmed, 'dashboards warmed after an activation'))
    : null;
  if (activations) app.addHook('onListen', async () => activations.listen());
  app.addHook('onClose', async () => {
    closing = true;
    withdraw();
    unwatch();
    await activations?.stop();
    await engine.close();
  });
  app.addHook('onRequest', requireFeature('dashboards'));
  await app.register(dashboardRoutes, { ctx });
  await app.register(dashboardVersionRoutes, { ctx });
  await app.register(templateRoutes, { ctx });
  await app.register(widgetRoutes, { ctx, engine, answers });
  await app.register(dashboardDataRoutes, { ctx, engine, answers });
  await app.register(subjectsExportRoutes, { ctx, engine });
  await app.register(listingSubjectsRoutes, { ctx, engine });
  await app.register(exportsPlugin, { ctx, engine });
};
