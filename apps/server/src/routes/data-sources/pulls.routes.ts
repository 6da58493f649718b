import { DataSourceParams, DataSourcePullList, DataSourcePullParams, DataSourcePullResource } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cancelPull, queuePull } from '../../commands/data-source-pulls.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import {
  dataSourcePermissions,
  pullDetail,
  pullFor,
  pullsOf,
  requireTypeEnabled,
  SOURCE_MANAGE,
  SOURCE_VIEW,
  sourceFor,
} from '../../policies/data-source.ts';
import { presentPull, presentPullDetail } from '../../presenters/data-source.ts';

const TAGS = ['data sources'];

/** Pulls of a data source: pull now, history with logs, cancel. */
export const dataSourcePullRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post(
    '/api/studies/:id/data-sources/:sid/pulls',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Pull now: 202 with the pull, QUEUED',
        description:
          'A pull of the same source that is queued or running makes this 409 CONFLICT (`details.activePullId`); a disabled source 409 INVALID_STATE.',
        params: DataSourceParams,
        response: { 202: DataSourcePullResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { study, source } = await sourceFor(ctx, actor, request.params, SOURCE_MANAGE);
      requireTypeEnabled(actor, source.row.type);
      const pull = await queuePull(ctx, authorOf(request), { studyId: study.id, sourceId: source.row.id });
      const detail = await pullDetail(ctx, actor.orgId, source.row.id, pull.id);
      return reply.status(202).send({
        data: presentPullDetail(detail.pull, detail.log),
        permissions: dataSourcePermissions(actor, study.id),
      });
    },
  );

  app.get(
    '/api/studies/:id/data-sources/:sid/pulls',
    {
      preHandler: requirePermission(SOURCE_VIEW),
      schema: {
        tags: TAGS,
        summary: "A source's pulls, newest first (at most 100), with duration and outcome",
        params: DataSourceParams,
        response: { 200: DataSourcePullList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { source } = await sourceFor(ctx, actor, request.params, SOURCE_VIEW);
      return { data: (await pullsOf(ctx, actor.orgId, source.row.id)).map(presentPull) };
    },
  );

  app.get(
    '/api/studies/:id/data-sources/:sid/pulls/:pullId',
    {
      preHandler: requirePermission(SOURCE_VIEW),
      schema: {
        tags: TAGS,
        summary: 'A pull with its progress and log (poll it while it runs)',
        params: DataSourcePullParams,
        response: { 200: DataSourcePullResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, source, pull } = await pullFor(ctx, actor, request.params, SOURCE_VIEW);
      const detail = await pullDetail(ctx, actor.orgId, source.row.id, pull.id);
      return { data: presentPullDetail(detail.pull, detail.log), permissions: dataSourcePermissions(actor, study.id) };
    },
  );

  app.post(
    '/api/studies/:id/data-sources/:sid/pulls/:pullId/cancel',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Cancel a pull: a queued one ends at once, a running one stops within a second and keeps nothing',
        params: DataSourcePullParams,
        response: { 202: DataSourcePullResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { study, source, pull } = await pullFor(ctx, actor, request.params, SOURCE_MANAGE);
      await cancelPull(ctx, authorOf(request), { studyId: study.id, sourceId: source.row.id, pullId: pull.id });
      const detail = await pullDetail(ctx, actor.orgId, source.row.id, pull.id);
      return reply.status(202).send({
        data: presentPullDetail(detail.pull, detail.log),
        permissions: dataSourcePermissions(actor, study.id),
      });
    },
  );
};
