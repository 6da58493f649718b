import { REVIEW_PERMISSION, type ReviewRecordStatusDto, type SubjectEvent } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { TableCell, TableHead } from '../../../components/ui/table.tsx';
import { useMediaQuery } from '../../../lib/use-media-query.ts';
import { subjectReviewQuery } from '../../review/api/review-api.ts';
import { MarkControl } from '../../review/components/mark-control.tsx';
import { ReviewBadge, ReviewChanges } from '../../review/components/review-badge.tsx';
import { reviewRecordOf as matchRecord } from '../lib/review-match.ts';

/** What the reader may do with review on the profile: see badges (data:view or review:perform), mark (review:perform). */
export interface ProfileReview {
  subject: ReviewRecordStatusDto | null;
  records: ReviewRecordStatusDto[];
  canMark: boolean;
  studyId: string;
}

/**
 * The subject's review status from the review API's subject route (the same statuses the Review
 * page shows); null while loading, or when the reader may not read review status or it fails (the
 * profile then shows no badges rather than wrong ones).
 */
export function useProfileReview(
  studyId: string,
  subjectId: string,
  permissions: readonly string[],
  archived: boolean,
): ProfileReview | null {
  const canRead = permissions.includes('data:view:assigned') || permissions.includes(REVIEW_PERMISSION);
  const query = useQuery({ ...subjectReviewQuery(studyId, subjectId), enabled: canRead, retry: false });
  if (!canRead || !query.data) return null;
  return {
    studyId,
    subject: query.data.data.subject,
    records: query.data.data.records,
    canMark: permissions.includes(REVIEW_PERMISSION) && !archived,
  };
}

/** The review record of an event (dataset + USUBJID + --SEQ, as the review API keys records). */
export function reviewRecordOf(review: ProfileReview, event: SubjectEvent): ReviewRecordStatusDto | null {
  return matchRecord(review.records, event);
}

/** A record's badge, what changed since its review, and (for reviewers) the mark control. */
export function ReviewStatusCell({
  review,
  record,
  label,
}: {
  review: ProfileReview;
  record: ReviewRecordStatusDto | null;
  label: string;
}) {
  if (!record) return <span className="text-xs text-muted-foreground">Not reviewable</span>;
  return (
    <div className="flex min-w-40 flex-col items-start gap-1" data-review-record={record.recordKey}>
      <div className="flex flex-wrap items-center gap-1.5">
        <ReviewBadge status={record.status} changes={record.changes} />
        {review.canMark ? <MarkControl studyId={review.studyId} record={record} label={label} /> : null}
      </div>
      <ReviewChanges changes={record.changes} />
      {record.mark?.action === 'reviewed' && record.mark.comment ? (
        <p className="max-w-64 text-xs break-words text-muted-foreground">“{record.mark.comment}”</p>
      ) : null}
    </div>
  );
}

/**
 * Whether a profile table has room for a Review column (640 px and wider). Narrower, the record's
 * mark sits in the row's first cell (`ReviewUnder`), so it is reachable without scrolling the table
 * sideways; one place at a time, so each control exists once.
 */
export function useReviewBeside(): boolean {
  return useMediaQuery('(min-width: 640px)');
}

/** The Review column's header in a profile table, when the reader sees review status and there is room. */
export function ReviewHead({ review }: { review?: ProfileReview | null }) {
  const beside = useReviewBeside();
  return review && beside ? <TableHead>Review</TableHead> : null;
}

/** A profile table row's Review cell: the record of `dataset` + `seq` (labs, medications, history…). */
export function ReviewCell({
  review,
  event,
  label,
}: {
  review?: ProfileReview | null;
  event: Pick<SubjectEvent, 'dataset' | 'seq'>;
  label: string;
}) {
  const beside = useReviewBeside();
  if (!review || !beside) return null;
  return (
    <TableCell className="py-2">
      <ReviewStatusCell review={review} record={matchRecord(review.records, event)} label={label} />
    </TableCell>
  );
}

/** The same record's mark under the row's first cell's content, below 640 px (in place of `ReviewCell`). */
export function ReviewUnder({
  review,
  event,
  label,
}: {
  review?: ProfileReview | null;
  event: Pick<SubjectEvent, 'dataset' | 'seq'>;
  label: string;
}) {
  const beside = useReviewBeside();
  if (!review || beside) return null;
  return (
    <div className="mt-1.5 whitespace-normal" data-review-narrow>
      <ReviewStatusCell review={review} record={matchRecord(review.records, event)} label={label} />
    </div>
  );
}
