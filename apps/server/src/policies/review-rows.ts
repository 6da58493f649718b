import type { RowSet } from '@cdp/analytics';
import type { ReviewStatus } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { marksInForce } from '../repositories/review.repo.ts';
import { markedRowNumbers } from '../review/record-status.ts';
import { activeReviewData, reviewDatasetNamed, reviewStudyFor } from './review.ts';

/** The review statuses a grid of the active version's rows can filter by (a removed record is no row). */
export type RowReviewStatus = Exclude<ReviewStatus, 'removed'>;

function refused(message: string): AppError {
  return new AppError('INVALID_QUERY', message, { issues: [{ path: 'query.review', message }] });
}

/**
 * The rows of a dataset a review-status filter keeps, as file row numbers, for the rows route to
 * AND with the grid's column filters and sort in one DuckDB query. Status is computed against the
 * active version only (where marks are graded), so another version is refused naming `review`.
 * Reading status needs what the review routes need (data:view or review:perform).
 */
export async function reviewRowSet(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; vid: string; name: string },
  status: RowReviewStatus,
): Promise<RowSet> {
  const study = await reviewStudyFor(ctx, actor, params.id, 'read');
  const data = await activeReviewData(ctx, actor, study);
  if (!data || data.versionId !== params.vid) {
    throw refused(
      'Review status is kept against the active data version only: open the active version to filter by it.',
    );
  }
  let dataset: ReturnType<typeof reviewDatasetNamed>;
  try {
    dataset = reviewDatasetNamed(data, params.name);
  } catch (error) {
    if (error instanceof AppError && error.code === 'VALIDATION_FAILED') throw refused(error.message);
    throw error;
  }
  const marks = await ctx.database.tenant(actor.orgId, (tx) =>
    marksInForce(tx, actor.orgId, study.id, { dataset: dataset.name }),
  );
  const { reviewed, changed } = await markedRowNumbers(
    ctx,
    dataset,
    marks.map((m) => ({ key: m.keyValues, h: m.contentSha256 ?? '' })),
  );
  if (status === 'reviewed') return { keep: 'only', rows: reviewed };
  if (status === 'changed') return { keep: 'only', rows: changed };
  return { keep: 'except', rows: [...reviewed, ...changed] };
}
