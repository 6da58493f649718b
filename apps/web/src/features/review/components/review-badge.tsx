import { REVIEW_STATUS_LABELS, type ReviewFieldChange, type ReviewStatus } from '@cdp/contracts';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';

const TONES: Record<ReviewStatus, BadgeTone> = {
  reviewed: 'success',
  changed: 'warning',
  not_reviewed: 'muted',
  removed: 'danger',
};

/** A record's review status; "changed since review" lists what changed in its tooltip. */
export function ReviewBadge({ status, changes = [] }: { status: ReviewStatus; changes?: ReviewFieldChange[] }) {
  const title =
    changes.length > 0
      ? `Changed since review: ${changes.map((c) => `${c.column} ${c.from ?? '(blank)'} → ${c.to ?? '(blank)'}`).join('; ')}`
      : undefined;
  return (
    <Badge tone={TONES[status]} title={title} data-review-status={status}>
      {REVIEW_STATUS_LABELS[status]}
    </Badge>
  );
}

/** What changed since the review, field by field. */
export function ReviewChanges({ changes }: { changes: ReviewFieldChange[] }) {
  if (changes.length === 0) return null;
  return (
    <ul className="mt-1 space-y-0.5 text-xs" aria-label="What changed since review">
      {changes.map((c) => (
        <li key={c.column} className="break-words">
          <span className="font-mono font-medium">{c.column}</span>{' '}
          <span className="text-muted-foreground line-through">{c.from ?? '(blank)'}</span> →{' '}
          <span className="font-medium">{c.to ?? '(blank)'}</span>
        </li>
      ))}
    </ul>
  );
}
