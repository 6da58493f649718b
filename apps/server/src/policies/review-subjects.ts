import type { SubjectSet } from '@cdp/widgets';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { marksInForce } from '../repositories/review.repo.ts';
import { markedSubjects } from '../review/record-status.ts';
import { activeReviewData, reviewStudyFor, subjectDatasetOf } from './review.ts';
import type { RowReviewStatus } from './review-rows.ts';

function refused(message: string): AppError {
  return new AppError('INVALID_QUERY', message, { issues: [{ path: 'options.review', message }] });
}

/**
 * The subjects a review-status filter keeps, as a subject set for the query engine: `reviewed` and
 * `changed` are the subjects whose subject-level record (DM, else ADSL: `subjectDatasetOf`) is
 * marked and still hashes (or no longer hashes) as reviewed; `not_reviewed` is every subject but
 * those. Status is graded against the active version, so the data the widget reads must be it.
 * Reading status needs what the review routes need (data:view or review:perform): 403 otherwise.
 */
export async function reviewSubjectSet(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  versionId: string,
  status: RowReviewStatus,
): Promise<SubjectSet> {
  const study = await reviewStudyFor(ctx, actor, studyId, 'read');
  const data = await activeReviewData(ctx, actor, study);
  if (!data || data.versionId !== versionId) {
    throw refused('Review status is kept against the active data version only: this answer reads another version.');
  }
  const dataset = subjectDatasetOf(data);
  if (!dataset) {
    throw refused(
      'Subjects are reviewed on their DM (or ADSL) record, keyed by USUBJID: the active version has neither with one row per subject.',
    );
  }
  const marks = await ctx.database.tenant(actor.orgId, (tx) =>
    marksInForce(tx, actor.orgId, study.id, { dataset: dataset.name }),
  );
  const { reviewed, changed } = await markedSubjects(
    ctx,
    dataset,
    marks.map((m) => ({ key: m.keyValues, h: m.contentSha256 ?? '' })),
  );
  if (status === 'reviewed') return { keep: 'in', ids: reviewed };
  if (status === 'changed') return { keep: 'in', ids: changed };
  return { keep: 'not_in', ids: [...reviewed, ...changed] };
}
