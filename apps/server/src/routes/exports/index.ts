import type { QueryEngine } from '@cdp/analytics';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { requireFeature } from '../../plugins/features.ts';
import { exportRoutes } from './exports.routes.ts';
import { widgetExportRoutes } from './widget-export.routes.ts';

/** Dashboard and widget exports: inside the dashboards plugin (its flag and query engine), behind `exports`. */
export const exportsPlugin: FastifyPluginAsyncZod<{ ctx: AppContext; engine: QueryEngine }> = async (
  app,
  { ctx, engine },
) => {
  app.addHook('onRequest', requireFeature('exports'));
  await app.register(exportRoutes, { ctx });
  await app.register(widgetExportRoutes, { ctx, engine });
};
