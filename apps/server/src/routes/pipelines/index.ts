import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { requireFeature } from '../../plugins/features.ts';
import { pipelineOutputRoutes } from './outputs.routes.ts';
import { pipelineRoutes } from './pipelines.routes.ts';
import { pipelineRunRoutes } from './runs.routes.ts';

/** Pipelines: definitions and their versions, runs (with live events), outputs and lineage. */
export const pipelinesPlugin: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireFeature('pipelines'));
  await app.register(pipelineRoutes, { ctx });
  await app.register(pipelineRunRoutes, { ctx });
  await app.register(pipelineOutputRoutes, { ctx });
};
