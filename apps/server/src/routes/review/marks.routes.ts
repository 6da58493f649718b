import {
  ReviewCountsResponse,
  ReviewHistoryQuery,
  ReviewHistoryResponse,
  ReviewMarkRequest,
  ReviewMarkResponse,
  ReviewRecordsQuery,
  ReviewRecordsResponse,
  ReviewSubjectResponse,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Actor } from '../../auth/actor.ts';
import { type MarkOutcome, markReviewed, unmarkReviewed } from '../../commands/review-marks.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf } from '../../plugins/auth.ts';
import {
  recordHistory,
  recordStatus,
  recordStatuses,
  requireActiveReviewData,
  reviewCounts,
  reviewDatasetNamed,
  reviewStudyFor,
  subjectStatus,
} from '../../policies/review.ts';
import { ReviewDatasetParams, ReviewStudyParams, ReviewSubjectParams } from './schema.ts';

/**
 * Review marks and status (issue 19, item 6). Status is always against the study's active data
 * version; reading it needs data:view or review:perform, marking review:perform.
 */
export const reviewMarkRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  async function statusAfter(actor: Actor, studyId: string, outcome: MarkOutcome) {
    const study = await reviewStudyFor(ctx, actor, studyId, 'read');
    const data = await requireActiveReviewData(ctx, actor, study);
    const dataset = reviewDatasetNamed(data, outcome.dataset.name);
    return recordStatus(ctx, actor, study, data, dataset, outcome.recordKey);
  }

  app.get(
    '/api/studies/:id/review/counts',
    {
      schema: {
        tags: ['review'],
        summary: 'Review counts per dataset and status on the active version, and open queries',
        params: ReviewStudyParams,
        response: { 200: ReviewCountsResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await reviewCounts(ctx, actor, study) };
    },
  );

  app.get(
    '/api/studies/:id/review/datasets/:dataset/records',
    {
      schema: {
        tags: ['review'],
        summary: 'A page of a dataset’s records with their review status (filter by status and subject)',
        description:
          'status: reviewed | changed (the record’s content differs from what was reviewed; `changes` lists the ' +
          'fields) | not_reviewed | removed (marked, no longer in the active version). Records in file order.',
        params: ReviewDatasetParams,
        querystring: ReviewRecordsQuery,
        response: { 200: ReviewRecordsResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return recordStatuses(ctx, actor, study, request.params.dataset, request.query);
    },
  );

  app.get(
    '/api/studies/:id/review/datasets/:dataset/history',
    {
      schema: {
        tags: ['review'],
        summary: 'Every mark and withdrawal of one record, oldest first (`key=USUBJID=…|AESEQ=…`)',
        params: ReviewDatasetParams,
        querystring: ReviewHistoryQuery,
        response: { 200: ReviewHistoryResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await recordHistory(ctx, actor, study, request.params.dataset, request.query.key) };
    },
  );

  app.get(
    '/api/studies/:id/review/subjects/:usubjid',
    {
      schema: {
        tags: ['review'],
        summary: 'One subject’s review status: the subject mark and every reviewable record',
        params: ReviewSubjectParams,
        response: { 200: ReviewSubjectResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await reviewStudyFor(ctx, actor, request.params.id, 'read');
      return { data: await subjectStatus(ctx, actor, study, request.params.usubjid) };
    },
  );

  app.post(
    '/api/studies/:id/review/marks',
    {
      schema: {
        tags: ['review'],
        summary: 'Mark a record (or a subject: dataset DM/ADSL, key USUBJID) reviewed on the active version',
        params: ReviewStudyParams,
        body: ReviewMarkRequest,
        response: { 201: ReviewMarkResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const outcome = await markReviewed(ctx, authorOf(request), { ...request.body, studyId: request.params.id });
      reply.status(201);
      return { data: await statusAfter(actor, request.params.id, outcome) };
    },
  );

  app.post(
    '/api/studies/:id/review/unmark',
    {
      schema: {
        tags: ['review'],
        summary: 'Withdraw the review mark of a record (kept in its history)',
        params: ReviewStudyParams,
        body: ReviewMarkRequest,
        response: { 200: ReviewMarkResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const outcome = await unmarkReviewed(ctx, authorOf(request), { ...request.body, studyId: request.params.id });
      return { data: await statusAfter(actor, request.params.id, outcome) };
    },
  );
};
