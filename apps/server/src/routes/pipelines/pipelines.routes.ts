import {
  CheckPipelineBody,
  CreatePipelineBody,
  IdParams,
  PipelineCheckResponse,
  PipelineDiff,
  PipelineDiffQuery,
  PipelineList,
  PipelineParams,
  PipelinePreviewResponse,
  PipelineResource,
  PipelineVersionList,
  PipelineVersionParams,
  PipelineVersionResource,
  PreviewPipelineBody,
  RestorePipelineBody,
  SavePipelineBody,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createPipeline, restorePipelineVersion, updatePipeline } from '../../commands/save-pipeline.ts';
import type { AppContext } from '../../lib/context.ts';
import { phiAccessOf } from '../../phi/protect-version.ts';
import { diffDefinitions } from '../../pipelines/diff-definitions.ts';
import { pipelineSummaries, pipelineView } from '../../pipelines/pipeline-view.ts';
import { previewStep } from '../../pipelines/preview-step.ts';
import { checkDefinition } from '../../pipelines/validate-definition.ts';
import { pipelineVersionOf, pipelineVersionsOf } from '../../pipelines/versions.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { pipelineFor, pipelinePermissions } from '../../policies/pipeline.ts';
import { studyFor } from '../../policies/study.ts';
import { presentPipelineVersion, presentPipelineVersionEntry } from '../../presenters/pipeline.ts';

/** Pipeline definitions: list, create, read, save (optimistic), versions, diff, restore; check and preview. */
export const pipelineRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const present = async (actor: ReturnType<typeof actorOf>, params: { id: string; pid: string }) => {
    const { study, pipeline } = await pipelineFor(ctx, actor, params, 'pipeline:view:assigned');
    return { data: await pipelineView(ctx, actor.orgId, pipeline), permissions: pipelinePermissions(actor, study.id) };
  };

  app.get(
    '/api/studies/:id/pipelines',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: "A study's pipelines, each with its last run",
        params: IdParams,
        response: { 200: PipelineList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'pipeline:view:assigned');
      return {
        data: await pipelineSummaries(ctx, actor.orgId, study.id),
        meta: { permissions: pipelinePermissions(actor, study.id) },
      };
    },
  );

  app.post(
    '/api/studies/:id/pipelines',
    {
      preHandler: requirePermission('pipeline:configure:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Create a pipeline (checked against the study’s data first)',
        description:
          'An invalid definition is 400 VALIDATION_FAILED with `details.issues` (`path`, `message`), naming the step; inputs that would form a cycle are 400 naming it.',
        params: IdParams,
        body: CreatePipelineBody,
        response: { 201: PipelineResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'pipeline:configure:assigned');
      const row = await createPipeline(ctx, authorOf(request), { study, definition: request.body });
      return reply.status(201).send(await present(actor, { id: study.id, pid: row.id }));
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'A pipeline with its definition, last run and latest output',
        params: PipelineParams,
        response: { 200: PipelineResource },
      },
    },
    async (request) => present(actorOf(request), request.params),
  );

  app.put(
    '/api/studies/:id/pipelines/:pid',
    {
      preHandler: requirePermission('pipeline:configure:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Save a new version of a pipeline',
        description:
          '`version` is the version the edit was made on; a newer stored version makes this 409 CONFLICT with `details.currentVersion`, and nothing is saved.',
        params: PipelineParams,
        body: SavePipelineBody,
        response: { 200: PipelineResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study } = await pipelineFor(ctx, actor, request.params, 'pipeline:configure:assigned');
      const { version, comment, ...definition } = request.body;
      await updatePipeline(ctx, authorOf(request), {
        study,
        pipelineId: request.params.pid,
        version,
        definition,
        ...(comment ? { comment } : {}),
      });
      return present(actor, request.params);
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/versions',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: "A pipeline's saved versions, newest first",
        params: PipelineParams,
        response: { 200: PipelineVersionList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { pipeline } = await pipelineFor(ctx, actor, request.params, 'pipeline:view:assigned');
      const rows = await pipelineVersionsOf(ctx, actor.orgId, pipeline.row.id);
      return { data: rows.map(presentPipelineVersionEntry) };
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/versions/:version',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'One saved version with its definition',
        params: PipelineVersionParams,
        response: { 200: PipelineVersionResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, pipeline } = await pipelineFor(ctx, actor, request.params, 'pipeline:view:assigned');
      const found = await pipelineVersionOf(ctx, actor.orgId, pipeline.row.id, request.params.version);
      return { data: presentPipelineVersion(found), permissions: pipelinePermissions(actor, study.id) };
    },
  );

  app.post(
    '/api/studies/:id/pipelines/:pid/versions/:version/restore',
    {
      preHandler: requirePermission('pipeline:configure:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Restore an older version as a new one (checked like any save)',
        params: PipelineVersionParams,
        body: RestorePipelineBody,
        response: { 200: PipelineResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study } = await pipelineFor(ctx, actor, request.params, 'pipeline:configure:assigned');
      await restorePipelineVersion(ctx, authorOf(request), {
        study,
        pipelineId: request.params.pid,
        version: request.params.version,
        current: request.body.version,
      });
      return present(actor, request.params);
    },
  );

  app.get(
    '/api/studies/:id/pipelines/:pid/diff',
    {
      preHandler: requirePermission('pipeline:view:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'What changed between two saved versions, path by path',
        params: PipelineParams,
        querystring: PipelineDiffQuery,
        response: { 200: PipelineDiff },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { pipeline } = await pipelineFor(ctx, actor, request.params, 'pipeline:view:assigned');
      const { from, to } = request.query;
      const [a, b] = await Promise.all([
        pipelineVersionOf(ctx, actor.orgId, pipeline.row.id, from),
        pipelineVersionOf(ctx, actor.orgId, pipeline.row.id, to),
      ]);
      const definition = (v: typeof a) => {
        const { version: _v, comment: _c, createdAt: _at, createdBy: _by, ...rest } = presentPipelineVersion(v);
        return rest;
      };
      return { from, to, changes: diffDefinitions(definition(a), definition(b)) };
    },
  );

  app.post(
    '/api/studies/:id/pipelines/check',
    {
      preHandler: requirePermission('pipeline:configure:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'Check a definition against the study’s data, step by step (nothing is saved)',
        params: IdParams,
        body: CheckPipelineBody,
        response: { 200: PipelineCheckResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'pipeline:configure:assigned');
      const { issues, outputs } = await checkDefinition(ctx, actor.orgId, study, request.body);
      return { ok: issues.length === 0, issues, outputs };
    },
  );

  app.post(
    '/api/studies/:id/pipelines/preview',
    {
      preHandler: requirePermission('pipeline:configure:assigned'),
      schema: {
        tags: ['pipelines'],
        summary: 'The first rows (at most 50) after a step of a DSL definition, on the real data',
        params: IdParams,
        body: PreviewPipelineBody,
        response: { 200: PipelinePreviewResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'pipeline:configure:assigned');
      return previewStep(ctx, actor.orgId, study, request.body, phiAccessOf(actor, study.id));
    },
  );
};
