import type { DashboardDocument } from '@cdp/contracts';
import type { ResolvedWidget, SubjectSet } from '@cdp/widgets';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { reviewSubjectSet } from '../policies/review-subjects.ts';
import { SUBJECT_REVIEW_STATUSES, type SubjectReviewStatus, type WidgetReaderOptions } from './reader-options.ts';

/** The subject set of each review status, read at most once per request (a page's widgets share it). */
export type ReviewSets = (status: SubjectReviewStatus) => Promise<SubjectSet>;

export function reviewSetsFor(ctx: AppContext, actor: Actor, studyId: string, versionId: string): ReviewSets {
  const known = new Map<SubjectReviewStatus, Promise<SubjectSet>>();
  return (status) => {
    let set = known.get(status);
    if (!set) {
      set = reviewSubjectSet(ctx, actor, studyId, versionId, status);
      known.set(status, set);
    }
    return set;
  };
}

/**
 * The resolved widget narrowed to the subjects of one review status: every query it runs (its
 * answer, drill-down, ordered subject ids, exports) keeps or leaves out that subject set, ANDed
 * with the dashboard's filters, the widget's own, sort, paging and total. Only a widget with a
 * subject id can be: otherwise a 400 naming `options.review`. A widget that cannot be drawn is
 * returned as it is (its own problem is the answer).
 */
export async function withReviewFilter(
  resolved: ResolvedWidget,
  review: SubjectReviewStatus | undefined,
  sets: ReviewSets,
): Promise<ResolvedWidget> {
  if (!review || !resolved.ctx) return resolved;
  if (!resolved.ctx.fields.subject_id) {
    const message = 'options.review: map Subject on this widget to filter it by review status.';
    throw new AppError('INVALID_QUERY', message, { issues: [{ path: 'options.review', message }] });
  }
  const set = await sets(review);
  return { ...resolved, subjects: [...(resolved.subjects ?? []), set] };
}

const STATUS_WORDS: Record<SubjectReviewStatus, string> = {
  reviewed: 'reviewed',
  changed: 'changed since review',
  not_reviewed: 'not reviewed',
};

/** How a file's filter list names the review filter: "subjects reviewed status is not reviewed". */
export function reviewFilterNote(review: SubjectReviewStatus): string {
  return `subject review status is ${STATUS_WORDS[review]} (on the active version, as marked when exported)`;
}

/** The cover's lines for the widgets a dashboard export narrowed by review status ("Subject listing: …"). */
export function reviewNotes(document: DashboardDocument, reviews: WidgetReaderOptions): string[] {
  return Object.entries(reviews).flatMap(([id, { review }]) => {
    const widget = document.pages.map((p) => p.widgets[id]).find(Boolean);
    const status = SUBJECT_REVIEW_STATUSES.find((s) => s === review);
    return widget && status ? [`${widget.title}: ${reviewFilterNote(status)}`] : [];
  });
}
