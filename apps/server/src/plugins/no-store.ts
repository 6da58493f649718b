import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * API answers carry tenant data, tokens or the caller's permissions: no browser or proxy may keep
 * them. Only the API's own documentation (the same for everyone) may be cached.
 */
export const noStorePlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onSend', async (request, reply) => {
    const url = request.url;
    if (!(url === '/api' || url.startsWith('/api/') || url.startsWith('/api?'))) return;
    if (url.startsWith('/api/docs') || url.startsWith('/api/openapi.json')) return;
    reply.header('cache-control', 'no-store');
  });
});
