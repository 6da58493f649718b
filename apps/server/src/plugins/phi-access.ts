import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { recordPhiAccess } from '../commands/record-phi-access.ts';
import type { AppContext } from '../lib/context.ts';
import { enterPhiReads, PhiReads } from '../phi/phi-reads.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Datasets whose PHI this request read in clear (noted by `datasetSource` through `onRead`). */
    phiReads: PhiReads | null;
  }
}

/**
 * The PHI access log, for every route at once: each request gets its own record of clear PHI reads,
 * and a successful answer that carries any is logged before it is sent (who, when, from where,
 * study, dataset, columns, rows, route). A route added later is covered without knowing of it.
 */
export const phiAccessPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
  app.decorateRequest('phiReads', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/')) return;
    const reads = new PhiReads();
    request.phiReads = reads;
    enterPhiReads(reads);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const reads = request.phiReads?.all() ?? [];
    if (reads.length === 0 || !request.actor || reply.statusCode >= 400) return payload;
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    await recordPhiAccess(ctx, request.actor, request.origin, route, reads);
    return payload;
  });
});
