import { HomeResponse } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HomeSummaries } from '../../home/home-summary.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';

export const homeRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const summaries = new HomeSummaries(ctx);
  app.addHook('onClose', () => summaries.close());

  app.get(
    '/api/home',
    {
      preHandler: requirePermission('study:view:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'The home page: per study you can see, its active data, subjects, uploads, problems and activity',
        description:
          'Studies you hold a role for (all of them with an organization-wide role), archived ones left out, by code, at most `limit`. `data` is null for a study whose data your role does not show.',
        response: { 200: HomeResponse },
      },
    },
    (request) => summaries.forActor(actorOf(request)),
  );
};
