import {
  ApiKeyList,
  ApiKeyResponse,
  CreateApiKeyRequest,
  CreatedApiKeyResponse,
  IdParams,
  RevokeApiKeyRequest,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createApiKey, revokeApiKey } from '../../commands/api-keys.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { requireFeature } from '../../plugins/features.ts';
import { apiKeyFor, apiKeyPermissions, visibleApiKeys } from '../../policies/api-key.ts';
import { presentApiKey } from '../../presenters/api-key.ts';

/**
 * API keys for other systems. Only people manage keys: a request made with a key is refused on
 * these routes before it gets here (auth/api-key-actor.ts).
 */
export const apiKeyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireFeature('public_api'));

  app.get(
    '/api/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'API keys: every key of the organization with api:manage_key, else the ones you created',
        response: { 200: ApiKeyList },
      },
    },
    async (request) => {
      const keys = await visibleApiKeys(ctx, actorOf(request));
      return { data: keys.map(presentApiKey) };
    },
  );

  app.get(
    '/api/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'One API key (never its secret)',
        params: IdParams,
        response: { 200: ApiKeyResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const key = await apiKeyFor(ctx, actor, request.params.id);
      return { data: presentApiKey(key), permissions: apiKeyPermissions(actor, key) };
    },
  );

  app.post(
    '/api/api-keys',
    {
      preHandler: requirePermission('api:create_key:own'),
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; the answer carries its secret, shown this once',
        description:
          'Scopes are permissions you hold (never keys, users or roles); studyIds limits the key to those studies; the key loses whatever its creator loses.',
        body: CreateApiKeyRequest,
        response: { 201: CreatedApiKeyResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { key, secret } = await createApiKey(ctx, authorOf(request), request.body);
      reply.status(201);
      return { data: presentApiKey(key), secret, permissions: apiKeyPermissions(actor, key) };
    },
  );

  app.post(
    '/api/api-keys/:id/revoke',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key for good, with a reason',
        params: IdParams,
        body: RevokeApiKeyRequest,
        response: { 200: ApiKeyResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const key = await revokeApiKey(ctx, authorOf(request), { id: request.params.id, reason: request.body.reason });
      return { data: presentApiKey(key), permissions: apiKeyPermissions(actor, key) };
    },
  );
};
