import { effectiveFeatures, MeResponse } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { actorOf } from '../../plugins/auth.ts';

export const meRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/me',
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: 'Who you are: user, organization and the roles you hold',
        response: { 200: MeResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return {
        user: {
          id: actor.userId,
          email: actor.email,
          name: actor.name,
          orgId: actor.orgId,
          mustChangePassword: actor.mustChangePassword,
        },
        organization: {
          id: actor.orgId,
          code: actor.orgCode,
          name: actor.orgName,
          kind: actor.orgKind,
          features: effectiveFeatures(actor.features),
        },
        grants: actor.grants,
        sessionIdleMinutes: ctx.config.sessionIdleMinutes,
      };
    },
  );
};
