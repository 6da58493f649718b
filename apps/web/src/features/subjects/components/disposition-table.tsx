import type { SubjectEvent } from '@cdp/contracts';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { DateCell, orMissing } from './profile-cells.tsx';
import { type ProfileReview, ReviewCell, ReviewHead, ReviewUnder } from './subject-review.tsx';

/** Disposition events and milestones (DS, or ADSL's end of study). */
export function DispositionTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No disposition recorded.</p>;
  }
  return (
    <Table aria-label="Disposition">
      <TableHeader>
        <TableRow>
          <TableHead>Date</TableHead>
          <TableHead>Event</TableHead>
          <ReviewHead review={review} />
          <TableHead>Category</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((e, i) => (
          <TableRow key={`${e.dataset}-${e.seq ?? i}`}>
            <TableCell className="py-2">
              <DateCell date={e.start} day={e.startDay} />
            </TableCell>
            <TableCell className="min-w-40 py-2">
              <div className="font-medium">{e.decod ?? e.term}</div>
              {e.decod && e.decod !== e.term ? <div className="text-xs text-muted-foreground">{e.term}</div> : null}
              <ReviewUnder
                review={review}
                event={e}
                label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.decod ?? e.term}`}
              />
            </TableCell>
            <ReviewCell
              review={review}
              event={e}
              label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.decod ?? e.term}`}
            />
            <TableCell className="py-2 text-muted-foreground">{orMissing(e.category)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
