import type { SubjectEvent } from '@cdp/contracts';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { DateCell, orMissing } from './profile-cells.tsx';
import { type ProfileReview, ReviewCell, ReviewHead, ReviewUnder } from './subject-review.tsx';

/** The subject's concomitant medications (CM or ADCM), in time order. */
export function MedicationsTable({ events, review }: { events: SubjectEvent[]; review?: ProfileReview | null }) {
  if (events.length === 0) {
    return <p className="px-5 py-6 text-[13px] text-muted-foreground">No concomitant medications recorded.</p>;
  }
  return (
    <Table aria-label="Concomitant medications">
      <TableHeader>
        <TableRow>
          <TableHead>#</TableHead>
          <TableHead>Medication</TableHead>
          <ReviewHead review={review} />
          <TableHead>Indication</TableHead>
          <TableHead>Dose</TableHead>
          <TableHead>Route</TableHead>
          <TableHead>Frequency</TableHead>
          <TableHead>Start</TableHead>
          <TableHead>End</TableHead>
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
            <TableCell className="min-w-40 py-2 text-muted-foreground">{orMissing(e.indication)}</TableCell>
            <TableCell className="py-2 whitespace-nowrap tabular-nums">
              {e.dose !== null ? `${e.dose}${e.doseUnit ? ` ${e.doseUnit}` : ''}` : orMissing(null)}
            </TableCell>
            <TableCell className="py-2">{orMissing(e.route)}</TableCell>
            <TableCell className="py-2">{orMissing(e.frequency)}</TableCell>
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
