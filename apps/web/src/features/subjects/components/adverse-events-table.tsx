import type { SubjectEvent } from '@cdp/contracts';
import { Badge } from '../../../components/ui/badge.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { useMediaQuery } from '../../../lib/use-media-query.ts';
import { DateCell, orMissing, SeverityBadge } from './profile-cells.tsx';
import { type ProfileReview, ReviewStatusCell, reviewRecordOf } from './subject-review.tsx';

const aeLabel = (e: SubjectEvent) => `${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`.replace(/\s+/g, ' ');

/** The subject's adverse events, one row per record (AE or ADAE), in time order. */
export function AdverseEventsTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  const wide = useMediaQuery('(min-width: 640px)');
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No adverse events recorded for this subject.</p>;
  }
  return (
    <Table aria-label="Adverse events">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>Adverse event</TableHead>
          {/* Below 640 px the review mark sits under the term, so it is reachable without scrolling sideways. */}
          {review && wide ? <TableHead>Review</TableHead> : null}
          <TableHead>Body system</TableHead>
          <TableHead>Start</TableHead>
          <TableHead>End</TableHead>
          <TableHead>Severity</TableHead>
          <TableHead>Serious</TableHead>
          <TableHead>Related</TableHead>
          <TableHead>Outcome</TableHead>
          <TableHead>Action taken</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((e, i) => (
          <TableRow key={`${e.dataset}-${e.seq ?? i}`} data-ae-seq={e.seq ?? undefined}>
            <TableCell className="py-2 text-muted-foreground tabular-nums">{orMissing(e.seq)}</TableCell>
            <TableCell className="min-w-44 py-2 sm:min-w-48">
              <div className="font-medium">{e.term}</div>
              {e.decod && e.decod !== e.term ? <div className="text-xs text-muted-foreground">{e.decod}</div> : null}
              {review && !wide ? (
                <div className="mt-1.5" data-review-narrow>
                  <ReviewStatusCell review={review} record={reviewRecordOf(review, e)} label={aeLabel(e)} />
                </div>
              ) : null}
            </TableCell>
            {review && wide ? (
              <TableCell className="py-2">
                <ReviewStatusCell review={review} record={reviewRecordOf(review, e)} label={aeLabel(e)} />
              </TableCell>
            ) : null}
            <TableCell className="min-w-40 py-2 text-muted-foreground">{orMissing(e.category)}</TableCell>
            <TableCell className="py-2">
              <DateCell date={e.start} day={e.startDay} />
            </TableCell>
            <TableCell className="py-2">
              {e.end || e.endDay !== null ? (
                <DateCell date={e.end} day={e.endDay} />
              ) : (
                <span className="text-xs text-muted-foreground">Ongoing</span>
              )}
            </TableCell>
            <TableCell className="py-2">
              <SeverityBadge severity={e.severity} />
            </TableCell>
            <TableCell className="py-2">
              {e.serious ? <Badge tone="danger">Serious</Badge> : e.serious === false ? 'No' : orMissing(null)}
            </TableCell>
            <TableCell className="py-2 whitespace-nowrap">{orMissing(e.related)}</TableCell>
            <TableCell className="min-w-36 py-2">{orMissing(e.outcome)}</TableCell>
            <TableCell className="min-w-32 py-2">{orMissing(e.action)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
