import type { SubjectEvent } from '@cdp/contracts';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { DateCell, orMissing } from './profile-cells.tsx';
import { type ProfileReview, ReviewCell, ReviewHead, ReviewUnder } from './subject-review.tsx';

/** The subject's medical history (MH or ADMH). */
export function MedicalHistoryTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No medical history recorded.</p>;
  }
  return (
    <Table aria-label="Medical history">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>Condition</TableHead>
          <ReviewHead review={review} />
          <TableHead>Body system / category</TableHead>
          <TableHead>Start</TableHead>
          <TableHead>Severity</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((e, i) => (
          <TableRow key={`${e.dataset}-${e.seq ?? i}`}>
            <TableCell className="py-2 text-muted-foreground tabular-nums">{orMissing(e.seq)}</TableCell>
            <TableCell className="min-w-44 py-2">
              <div className="font-medium">{e.term}</div>
              {e.decod && e.decod !== e.term ? <div className="text-xs text-muted-foreground">{e.decod}</div> : null}
              <ReviewUnder review={review} event={e} label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`} />
            </TableCell>
            <ReviewCell review={review} event={e} label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`} />
            <TableCell className="min-w-40 py-2 text-muted-foreground">{orMissing(e.category)}</TableCell>
            <TableCell className="py-2">
              <DateCell date={e.start} day={e.startDay} />
            </TableCell>
            <TableCell className="py-2">{orMissing(e.severity)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
