import { ChangeStudyStatusRequest, CreateStudyRequest, UpdateStudyRequest } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { can } from '../../auth/actor.ts';
import { createStudy } from '../../commands/create-study.ts';
import { changeStudyStatus, updateStudy } from '../../commands/update-study.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { authorizeStudy, studyPermissions } from '../../policies/study.policy.ts';
import { findStudy, listVisibleStudies, presentStudy } from '../../repositories/studies.repo.ts';
import { StudyList, StudyListQuery, StudyParams, StudyWithPermissions } from './schema.ts';

export const studyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies',
    {
      preHandler: requirePermission('study:view:assigned'),
      schema: {
        tags: ['studies'],
        summary: 'Studies you hold a role for (all of the organization’s with an organization-wide role)',
        querystring: StudyListQuery,
        response: { 200: StudyList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listVisibleStudies(tx, actor, request.query));
      return { data: rows.map(presentStudy), canCreate: can(actor, 'study:create:own') };
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
        response: { 201: StudyWithPermissions },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const row = await createStudy(ctx, actor, request.body, request.origin);
      return reply.status(201).send({ data: presentStudy(row), permissions: studyPermissions(actor, row.id) });
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
        response: { 200: StudyWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const row = await ctx.database.tenant(actor.orgId, (tx) => findStudy(tx, actor, request.params.id));
      if (!row) throw notFound('Study');
      authorizeStudy(actor, 'study:view:assigned', row);
      return { data: presentStudy(row), permissions: studyPermissions(actor, row.id) };
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
        response: { 200: StudyWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const row = await ctx.database.tenant(actor.orgId, async (tx) => {
        const study = await findStudy(tx, actor, request.params.id, { forUpdate: true });
        if (!study) throw notFound('Study');
        authorizeStudy(actor, 'study:manage:assigned', study);
        return updateStudy(tx, actor, study, request.body, request.origin);
      });
      return { data: presentStudy(row), permissions: studyPermissions(actor, row.id) };
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
        response: { 200: StudyWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const row = await ctx.database.tenant(actor.orgId, async (tx) => {
        const study = await findStudy(tx, actor, request.params.id, { forUpdate: true });
        if (!study) throw notFound('Study');
        authorizeStudy(actor, 'study:manage:assigned', study);
        return changeStudyStatus(tx, actor, study, request.body.status, request.body.reason, request.origin);
      });
      return { data: presentStudy(row), permissions: studyPermissions(actor, row.id) };
    },
  );
};
