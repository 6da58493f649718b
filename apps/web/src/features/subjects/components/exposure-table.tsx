import type { SubjectEvent } from '@cdp/contracts';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { DateCell, orMissing } from './profile-cells.tsx';
import { type ProfileReview, ReviewCell, ReviewHead, ReviewUnder } from './subject-review.tsx';

/** The subject's exposure records (EX or ADEX). */
export function ExposureTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No exposure recorded.</p>;
  }
  return (
    <Table aria-label="Exposure">
      <TableHeader>
        <TableRow>
          <TableHead>Treatment</TableHead>
          <ReviewHead review={review} />
          <TableHead>Dose</TableHead>
          <TableHead>Start</TableHead>
          <TableHead>End</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((e, i) => (
          <TableRow key={`${e.dataset}-${e.seq ?? i}`}>
            <TableCell className="min-w-36 py-2">
              <div className="font-medium">{e.term}</div>
              <ReviewUnder review={review} event={e} label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`} />
            </TableCell>
            <ReviewCell review={review} event={e} label={`${e.dataset.toUpperCase()} ${e.seq ?? ''} ${e.term}`} />
            <TableCell className="py-2 whitespace-nowrap tabular-nums">
              {e.dose !== null ? `${e.dose}${e.doseUnit ? ` ${e.doseUnit}` : ''}` : orMissing(null)}
            </TableCell>
            <TableCell className="py-2">
              <DateCell date={e.start} day={e.startDay} />
            </TableCell>
            <TableCell className="py-2">
              <DateCell date={e.end} day={e.endDay} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
