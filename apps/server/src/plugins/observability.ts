import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { httpRequestSeconds } from '../lib/metrics.ts';

/**
 * One place for what every request reports: its latency by route pattern and status
 * (`cdp_http_request_duration_seconds`), and the log fields that say who made it. Fastify's
 * request logger already carries the request id (`reqId`, also sent back as X-Request-Id); once
 * the auth hook knows the actor, every later line of the request names the organization and the
 * user or API key too. Registered after the auth plugin, so its hook runs after auth's.
 */
export const observabilityPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request, reply) => {
    const actor = request.actor;
    if (!actor) return;
    request.log = request.log.child(
      actor.apiKey ? { orgId: actor.orgId, apiKeyId: actor.apiKey.id } : { orgId: actor.orgId, userId: actor.userId },
    );
    // Fastify writes "request completed" through the reply's logger.
    reply.log = request.log;
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, never the raw URL: ids in paths would make one series per resource.
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequestSeconds.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
});
