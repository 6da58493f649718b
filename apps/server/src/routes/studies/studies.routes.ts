import {
  ChangeStudyStatusRequest,
  CreateStudyRequest,
  StudyList,
  StudyListQuery,
  StudyResource,
  UpdateStudyRequest,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createStudy } from '../../commands/create-study.ts';
import { changeStudyStatus, updateStudy } from '../../commands/update-study.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { heldOf } from '../../policies/can.ts';
import { studyFor } from '../../policies/study.ts';
import { presentStudy, studyResource } from '../../presenters/study.ts';
import { listVisibleStudies, readVisibleStudies } from '../../repositories/studies.repo.ts';
import { StudyParams } from './schema.ts';

export const studyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies',
    {
      preHandler: requirePermission('study:view:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'Studies you hold a role for (all of the organization’s with an organization-wide role)',
        description: '`meta.permissions` holds `study:create:own` when you may create studies.',
        querystring: StudyListQuery,
        response: { 200: StudyList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { status, q } = request.query;
      const rows =
        status === undefined && !q
          ? await readVisibleStudies(ctx.database, actor)
          : await ctx.database.tenant(actor.orgId, (tx) => listVisibleStudies(tx, actor, request.query));
      return { data: rows.map(presentStudy), meta: { permissions: heldOf(actor, ['study:create:own']) } };
    },
  );

  app.post(
    '/api/studies',
    {
      preHandler: requirePermission('study:create:own'),
      schema: {
        tags: ['studies'],
        summary: 'Create a study (and its data folders)',
        body: CreateStudyRequest,
        response: { 201: StudyResource },
      },
    },
    async (request, reply) => {
      const row = await createStudy(ctx, authorOf(request), request.body);
      return reply.status(201).send(studyResource(actorOf(request), row));
    },
  );

  app.get(
    '/api/studies/:id',
    {
      preHandler: requirePermission('study:view:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'One study, with what you may do with it',
        params: StudyParams,
        response: { 200: StudyResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return studyResource(actor, await studyFor(ctx, actor, request.params.id, 'study:view:assigned'));
    },
  );

  app.patch(
    '/api/studies/:id',
    {
      preHandler: requirePermission('study:manage:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'Edit study metadata',
        params: StudyParams,
        body: UpdateStudyRequest,
        response: { 200: StudyResource },
      },
    },
    async (request) => {
      const row = await updateStudy(ctx, authorOf(request), { studyId: request.params.id, changes: request.body });
      return studyResource(actorOf(request), row);
    },
  );

  app.post(
    '/api/studies/:id/status',
    {
      preHandler: requirePermission('study:manage:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'Activate, lock, unlock or archive a study (a reason is required and audited)',
        params: StudyParams,
        body: ChangeStudyStatusRequest,
        response: { 200: StudyResource },
      },
    },
    async (request) => {
      const row = await changeStudyStatus(ctx, authorOf(request), { studyId: request.params.id, ...request.body });
      return studyResource(actorOf(request), row);
    },
  );
};
