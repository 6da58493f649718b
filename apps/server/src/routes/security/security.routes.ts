import {
  PlatformSecurityEvent,
  PlatformSecurityEventQuery,
  paged,
  SecurityEvent,
  SecurityEventQuery,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { listPlatformSecurityEvents, listSecurityEvents } from '../../repositories/security-events.repo.ts';

export const securityRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/security-events',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['security'],
        summary: 'Your organization’s security log (newest first)',
        description:
          'Denied permissions, sign-in locks, refresh-token reuse and rate limits of your users, and attempts by ' +
          'users of other organizations to reach your resources (without who or from where). Identical events ' +
          'within a minute are one row with a count.',
        querystring: SecurityEventQuery,
        response: { 200: paged(SecurityEvent) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // What this process saw a moment ago belongs in the answer.
      await app.securityLog.flush();
      return ctx.database.tenant(actor.orgId, (tx) => listSecurityEvents(tx, actor.orgId, request.query));
    },
  );

  app.get(
    '/api/platform/security-events',
    {
      preHandler: requirePermission('platform:manage:all'),
      schema: {
        tags: ['platform'],
        summary: 'Every organization’s security log, in full (platform administrators)',
        querystring: PlatformSecurityEventQuery,
        response: { 200: paged(PlatformSecurityEvent) },
      },
    },
    async (request) => {
      await app.securityLog.flush();
      return ctx.database.system((tx) => listPlatformSecurityEvents(tx, request.query));
    },
  );
};
