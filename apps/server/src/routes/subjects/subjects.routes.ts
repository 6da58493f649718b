import { type DatasetStore, QueryError } from '@cdp/analytics';
import { SubjectParams, SubjectProfileResponse } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { SUBJECT_PROFILE, subjectVersionFor } from '../../policies/subject.ts';
import { presentSubjectProfile } from '../../presenters/subject.ts';
import { loadSubjectProfile, rowsHandedOver } from '../../subjects/subject-profile.ts';

export const subjectRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; store: DatasetStore }> = async (
  app,
  { ctx, store },
) => {
  app.get(
    '/api/studies/:id/subjects/:subjectId/profile',
    {
      preHandler: requirePermission(SUBJECT_PROFILE[0]),
      schema: {
        tags: ['data'],
        summary:
          "A subject's profile from the study's active data version (SDTM or ADaM): demographics, disposition, a timeline of visits, exposure, adverse events, medications and history, labs and vital signs, and every dataset holding the subject's rows",
        params: SubjectParams,
        response: { 200: SubjectProfileResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { version } = await subjectVersionFor(ctx, actor, request.params.id);
      const profile = await readable(() => loadSubjectProfile(store, version, request.params.subjectId));
      for (const read of rowsHandedOver(profile)) request.phiReads?.rows(version.studyId, read.dataset, read.rows);
      return presentSubjectProfile(actor, profile);
    },
  );
};

/** A subject column the reader sees masked cannot be searched: a 400 naming the permission. */
async function readable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QueryError) throw new AppError('INVALID_QUERY', error.message);
    throw error;
  }
}
