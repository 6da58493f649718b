import { IdParams, PhiClassificationList, PhiColumn, PhiSuggestionList, SetPhiColumnBody } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { classifyPhiColumn, clearPhiColumn } from '../../commands/phi-columns.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { phiColumnsFor, phiSuggestionsFor } from '../../policies/phi.ts';
import { presentPhiColumn } from '../../presenters/phi.ts';

const ColumnParams = IdParams.extend({
  dataset: z.string().min(1).max(64),
  column: z.string().min(1).max(64),
});

/** A study's PHI classification: read by whoever views its data, decided by its managers. */
export const phiColumnRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/phi-columns',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['phi'],
        summary: 'Columns classified as PHI or sensitive in this study (every version)',
        description: '`meta.clear` tells whether you see PHI columns in clear (`data:view_phi:assigned`).',
        params: IdParams,
        response: { 200: PhiClassificationList },
      },
    },
    async (request) => {
      const { rows, clear } = await phiColumnsFor(ctx, actorOf(request), request.params.id);
      return { data: rows.map(presentPhiColumn), meta: { clear } };
    },
  );

  app.get(
    '/api/studies/:id/phi-columns/suggestions',
    {
      preHandler: requirePermission('study:manage:assigned'),
      schema: {
        tags: ['phi'],
        summary: 'Columns of the active version that look like PHI (CDISC names and labels), with the reason',
        description: '`verbatims=true` also suggests free-text verbatims (COVAL, --TERM) as sensitive.',
        params: IdParams,
        querystring: z.object({ verbatims: z.enum(['true', 'false']).default('false') }),
        response: { 200: PhiSuggestionList },
      },
    },
    async (request) => {
      const verbatims = request.query.verbatims === 'true';
      return { data: await phiSuggestionsFor(ctx, actorOf(request), request.params.id, { verbatims }) };
    },
  );

  app.put(
    '/api/studies/:id/phi-columns',
    {
      preHandler: requirePermission('study:manage:assigned'),
      schema: {
        tags: ['phi'],
        summary: 'Classify a column as PHI or sensitive for every version of the study (audited)',
        params: IdParams,
        body: SetPhiColumnBody,
        response: { 200: z.object({ data: PhiColumn }) },
      },
    },
    async (request) => {
      const row = await classifyPhiColumn(ctx, authorOf(request), { studyId: request.params.id, ...request.body });
      return { data: presentPhiColumn({ ...row, confirmedByName: actorOf(request).name }) };
    },
  );

  app.delete(
    '/api/studies/:id/phi-columns/:dataset/:column',
    {
      preHandler: requirePermission('study:manage:assigned'),
      schema: {
        tags: ['phi'],
        summary: 'Clear a column’s classification (audited)',
        params: ColumnParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const { id, dataset, column } = request.params;
      await clearPhiColumn(ctx, authorOf(request), { studyId: id, dataset, column });
      return reply.status(204).send(null);
    },
  );
};
