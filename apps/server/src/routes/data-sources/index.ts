import { featureEnabled } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { featureDisabled } from '../../plugins/features.ts';
import { dataSourcePullRoutes } from './pulls.routes.ts';
import { dataSourceRoutes } from './sources.routes.ts';

/**
 * Data sources (issue 13). Two flags switch them: `rave_connector` (Rave sources) and
 * `sftp_connector` (sFTP and watched folders). The pages answer while either is on; each route
 * that concerns one type (add, test, pull, change) also checks that type's flag.
 */
export const dataSourcesPlugin: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', async (request) => {
    const features = request.actor?.features;
    if (!request.actor) return;
    if (!featureEnabled(features, 'rave_connector') && !featureEnabled(features, 'sftp_connector')) {
      throw featureDisabled('sftp_connector');
    }
  });
  await app.register(dataSourceRoutes, { ctx });
  await app.register(dataSourcePullRoutes, { ctx });
};
