import {
  ReviewAssigneesResponse,
  ReviewMessageCreate,
  ReviewThreadCreate,
  ReviewThreadResponse,
  ReviewThreadsQuery,
  ReviewThreadsResponse,
  ReviewThreadUpdate,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createThread, replyToThread, updateThread } from '../../commands/review-threads.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf } from '../../plugins/auth.ts';
import { reviewStudyFor } from '../../policies/review.ts';
import { reviewAssignees, reviewThread, reviewThreads } from '../../policies/review-threads.ts';
import { ReviewStudyParams, ReviewThreadParams } from './schema.ts';

/**
 * Notes and queries on a subject or a record: threads with open / answered / closed status,
 * an assignee and messages. Reading needs data:view or review:perform; writing review:perform.
 */
export const reviewThreadRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/studies/:id/review/threads',
    {
      schema: {
        tags: ['review'],
        summary: 'The study’s review notes and queries, newest activity first',
        params: ReviewStudyParams,
        querystring: ReviewThreadsQuery,
        response: { 200: ReviewThreadsResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await reviewThreads(ctx, actor, study, request.query) };
    },
  );

  app.get(
    '/api/studies/:id/review/assignees',
    {
      schema: {
        tags: ['review'],
        summary: 'Who a query can be assigned to: active users who see the study and hold review:perform',
        params: ReviewStudyParams,
        response: { 200: ReviewAssigneesResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'perform');
      return { data: await reviewAssignees(ctx, actor, study) };
    },
  );

  app.post(
    '/api/studies/:id/review/threads',
    {
      schema: {
        tags: ['review'],
        summary: 'Open a note or query on a subject, or on one record (dataset and key), with its first message',
        params: ReviewStudyParams,
        body: ReviewThreadCreate,
        response: { 201: ReviewThreadResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const id = await createThread(ctx, authorOf(request), { ...request.body, studyId: request.params.id });
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      reply.status(201);
      return { data: await reviewThread(ctx, actor, study, id) };
    },
  );

  app.get(
    '/api/studies/:id/review/threads/:threadId',
    {
      schema: {
        tags: ['review'],
        summary: 'One review thread with its messages',
        params: ReviewThreadParams,
        response: { 200: ReviewThreadResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await reviewThread(ctx, actor, study, request.params.threadId) };
    },
  );

  app.post(
    '/api/studies/:id/review/threads/:threadId/messages',
    {
      schema: {
        tags: ['review'],
        summary: 'Reply: the assignee’s reply answers an open query; another reply to an answered one reopens it',
        params: ReviewThreadParams,
        body: ReviewMessageCreate,
        response: { 201: ReviewThreadResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await replyToThread(ctx, authorOf(request), { ...request.params, studyId: request.params.id, ...request.body });
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      reply.status(201);
      return { data: await reviewThread(ctx, actor, study, request.params.threadId) };
    },
  );

  app.patch(
    '/api/studies/:id/review/threads/:threadId',
    {
      schema: {
        tags: ['review'],
        summary: 'Change a thread’s status (open, answered, closed) or assignee',
        params: ReviewThreadParams,
        body: ReviewThreadUpdate,
        response: { 200: ReviewThreadResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await updateThread(ctx, authorOf(request), {
        ...request.body,
        studyId: request.params.id,
        threadId: request.params.threadId,
      });
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await reviewThread(ctx, actor, study, request.params.threadId) };
    },
  );
};
