import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { reviewMarkRoutes } from './marks.routes.ts';
import { reviewThreadRoutes } from './threads.routes.ts';

/** The review workflow: marks and status, notes and queries. */
export const reviewPlugin: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(reviewMarkRoutes, { ctx });
  await app.register(reviewThreadRoutes, { ctx });
};
