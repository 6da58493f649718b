import {
  DatasetLineage,
  PipelineOutputList,
  PipelineOutputParams,
  PipelineOutputResource,
  PipelineParams,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { lineageOf } from '../../pipelines/lineage.ts';
import { outputsOf } from '../../pipelines/outputs.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { outputFor, pipelineFor, pipelinePermissions } from '../../policies/pipeline.ts';
import { presentOutput } from '../../presenters/pipeline.ts';

/** Output versions of pipeline runs and where they come from. Their datasets are read through the data routes. */
export const pipelineOutputRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/pipelines/:pid/outputs',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: "A pipeline's output versions, newest first",
        params: PipelineParams,
        response: { 200: PipelineOutputList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, pipeline } = await pipelineFor(ctx, actor, request.params, 'pipeline:view:assigned');
      return { data: (await outputsOf(ctx, actor.orgId, study.id, pipeline.row.id)).map(presentOutput) };
    },
  );

  app.get(
    '/api/studies/:id/pipeline-outputs/:oid',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'An output version with its datasets',
        description: 'Its datasets read like any version’s: `GET /api/studies/:id/versions/:oid/datasets/:name/rows`.',
        params: PipelineOutputParams,
        response: { 200: PipelineOutputResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, output } = await outputFor(ctx, actor, request.params, 'pipeline:view:assigned');
      return { data: presentOutput(output), permissions: pipelinePermissions(actor, study.id) };
    },
  );

  app.get(
    '/api/studies/:id/pipeline-outputs/:oid/lineage',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Where an output version comes from: source version → pipeline version → run → output',
        params: PipelineOutputParams,
        response: { 200: DatasetLineage },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, output } = await outputFor(ctx, actor, request.params, 'pipeline:view:assigned');
      return lineageOf(ctx, actor.orgId, study.id, output.output.id);
    },
  );
};
