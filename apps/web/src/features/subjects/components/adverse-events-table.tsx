import type { SubjectEvent } from '@cdp/contracts';
import { Badge } from '../../../components/ui/badge.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { DateCell, orMissing, SeverityBadge } from './profile-cells.tsx';
import { type ProfileReview, ReviewStatusCell, reviewRecordOf } from './subject-review.tsx';

/** The subject's adverse events, one row per record (AE or ADAE), in time order. */
export function AdverseEventsTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No adverse events recorded for this subject.</p>;
  }
  return (
    <Table aria-label="Adverse events">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>Adverse event</TableHead>
          {review ? <TableHead>Review</TableHead> : null}
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
            <TableCell className="min-w-48 py-2">
              <div className="font-medium">{e.term}</div>
              {e.decod && e.decod !== e.term ? <div className="text-xs text-muted-foreground">{e.decod}</div> : null}
            </TableCell>
            {review ? (
              <TableCell className="py-2">
                <ReviewStatusCell
                  review={review}
                  record={reviewRecordOf(review, e)}
                  label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`.replace(/\s+/g, ' ')}
                />
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
